// Bundles the compiled CLI (dist/src/cli/main.js) into one CommonJS file, dist/mailharden.cjs, and
// writes the package's `bin`, dist/mailharden.js: a small launcher that compiles the bundle with V8's
// code cache (dist/mailharden.cjs.cache, made here by running the CLI once). One file loads in a
// fraction of the time of ~100 ES modules, and the code cache saves most of the rest of the compile
// time (docs/performance.md). ajv, yaml, ip-cidr, handlebars and diff stay external: they are loaded
// only by the commands that need them.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/mailharden.cjs',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['ajv', 'yaml', 'ip-cidr', 'handlebars', 'diff'],
  // commander needs child_process only for executable subcommands; the shim loads it on first use.
  alias: { 'node:child_process': './scripts/shims/child_process.cjs' },
  // The sources are ES modules: import.meta.url becomes the bundle's own file URL.
  define: { 'import.meta.url': '__mhUrl' },
  banner: { js: "const __mhUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});

const launcher = `#!/usr/bin/env node
// mailharden's command line: compiles dist/mailharden.cjs with the code cache made at build time
// (scripts/bundle.mjs). A cache from another Node.js version is rejected by V8 and the bundle is
// simply compiled; without vm's default dynamic-import loader (Node.js before 20.12) it is required.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const dir = dirname(fileURLToPath(import.meta.url));
// The bundle imports its npm dependencies through this (src/core/external.ts).
globalThis.__mailhardenImport = (specifier) => import(specifier);
const file = join(dir, 'mailharden.cjs');
const require = createRequire(file);
const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
if (loader === undefined) require(file);
else {
  const cache = file + '.cache';
  let cachedData;
  try {
    cachedData = readFileSync(cache);
  } catch {
    cachedData = undefined;
  }
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  const script = new vm.Script('(function (exports, require, module, __filename, __dirname) {' + source + '\\n})', { filename: file, cachedData, importModuleDynamically: loader });
  if (process.env.MAILHARDEN_WRITE_CODE_CACHE === '1') process.on('exit', () => writeFileSync(cache, script.createCachedData()));
  const module = { exports: {} };
  script.runInThisContext()(module.exports, require, module, file, dir);
}
`;
writeFileSync('dist/mailharden.js', launcher, { mode: 0o755 });

// The code cache: made after a run that compiles what a lint run needs.
rmSync('dist/mailharden.cjs.cache', { force: true });
const r = spawnSync(process.execPath, ['dist/mailharden.js', 'lint', '--no-config', '--fail-on', 'none', '-f', 'compact', 'examples/'], {
  env: { ...process.env, MAILHARDEN_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (r.status !== 0) throw new Error(`making the code cache: the CLI exited ${r.status}`);
