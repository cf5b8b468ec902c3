/** The npm dependencies loaded on first use, never at start-up. */
type External = 'yaml' | 'ip-cidr' | 'handlebars' | 'diff';

/**
 * Imports a dependency when a command first needs it. In the shipped CLI the bundle is compiled with a
 * V8 code cache (scripts/bundle.mjs), and in Node.js 20 an import() inside such code finds no module
 * loader, so the launcher, an ES module, lends its own import() through a global; elsewhere (the
 * library, the tests) this is a plain import().
 */
export function loadExternal<T>(name: External): Promise<T> {
  const hook = (globalThis as { __mailhardenImport?: (specifier: string) => Promise<unknown> }).__mailhardenImport;
  return (hook ? hook(name) : import(name)) as Promise<T>;
}
