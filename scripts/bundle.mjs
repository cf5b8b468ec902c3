// Bundles the compiled CLI (dist/src/cli/main.js) into one file, dist/mailharden.js, the package's
// `bin`. One file loads in a fraction of the time of ~100 ES modules (docs/performance.md). ajv and
// yaml (and ip-cidr) stay external: they are loaded only when a config or policy file is read.
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/mailharden.js',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ajv', 'yaml', 'ip-cidr', 'handlebars', 'diff'],
  // commander needs child_process only for executable subcommands; the shim loads it on first use.
  alias: { 'node:child_process': './scripts/shims/child_process.cjs' },
  // commander is CommonJS: give the ES module bundle a require() for the built-ins it asks for.
  banner: { js: "import { createRequire as __mhRequire } from 'node:module'; const require = __mhRequire(import.meta.url);" },
  logLevel: 'warning',
});
