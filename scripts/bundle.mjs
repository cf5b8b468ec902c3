// Bundles the compiled CLI (dist/src/cli/main.js) into one CommonJS file, dist/mailharden.cjs, and
// writes the launchers: the package's `bin`, dist/mailharden.cli.cjs, a CommonJS file that compiles the
// bundle with V8's code cache (dist/mailharden.cjs.cache, made here by running the CLI once), and
// dist/mailharden.js, an ES module that runs the same launcher (`node dist/mailharden.js`, as the tests
// and older instructions run it). One file loads in a fraction of the time of ~100 ES modules, the code
// cache saves most of the rest of the compile time, and a CommonJS bin spares Node.js its ES module
// loader (docs/performance.md). ajv, yaml, ip-cidr, handlebars and diff stay external: they are
// loaded only by the commands that need them.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { rmSync, writeFileSync } from 'node:fs';

// Node.js's built-in modules that are not in its start-up snapshot: each costs a compile when it is
// required (child_process, crypto and tls a few milliseconds each), and most runs need none of them.
// In the bundle each is a module of getters that requires the real one on first use. Getters, not a
// Proxy: the bundle's ES module interop copies a CommonJS module's own property names, so every name
// must be there from the start (the names are those of this Node.js; the code uses only names that
// Node.js 18 has too). The require's id is not a literal, so that the bundler leaves it alone.
const LAZY = ['child_process', 'crypto', 'module', 'net', 'os', 'tls', 'zlib'];
const nodeRequire = createRequire(import.meta.url);
const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    b.onResolve({ filter: /^node:/ }, (args) => {
      const name = args.path.slice(5);
      if (LAZY.includes(name)) return { path: name, namespace: 'lazy-builtin' };
      // node:process is the global process (commander imports it); requiring the module compiles it.
      if (name === 'process') return { path: name, namespace: 'global-process' };
      return undefined;
    });
    b.onLoad({ filter: /.*/, namespace: 'global-process' }, () => ({ contents: 'module.exports = process;', loader: 'js' }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => {
      const names = Object.keys(nodeRequire(`node:${args.path}`)).filter((n) => n !== 'default');
      const contents = [
        `const id = ['node', ${JSON.stringify(args.path)}].join(':');`,
        'let real;',
        'const load = () => (real ??= require(id));',
        `for (const name of ${JSON.stringify(names)}) Object.defineProperty(exports, name, { enumerable: true, get: () => load()[name] });`,
      ].join('\n');
      return { contents, loader: 'js' };
    });
  },
};

// The bundle is written as one function expression with the parameters of a CommonJS module: the
// launcher compiles the file's text as it is, with no wrapper to add (a copy of 0.7 MB).
const WRAP = '(function (exports, require, module, __filename, __dirname) {';
await build({
  entryPoints: ['dist/src/cli/main.js'],
  outfile: 'dist/mailharden.cjs',
  bundle: true,
  minify: true,
  platform: 'node',
  format: 'cjs',
  target: 'node18',
  external: ['ajv', 'yaml', 'ip-cidr', 'handlebars', 'diff'],
  plugins: [lazyBuiltins],
  // The sources are ES modules: import.meta.url becomes the bundle's own file URL.
  define: { 'import.meta.url': '__mhUrl' },
  banner: { js: `${WRAP}const __mhUrl = require('node:url').pathToFileURL(__filename).href;` },
  footer: { js: '\n})' },
  logLevel: 'warning',
});

const launcher = `#!/usr/bin/env node
// mailharden's command line: compiles dist/mailharden.cjs (one function expression, see
// scripts/bundle.mjs) with the code cache made at build time and runs it. A cache from another
// Node.js version is rejected by V8 and the bundle is simply compiled. The bundle imports its npm
// dependencies through __mailhardenImport (src/core/external.ts): code compiled from a code cache has
// no module loader for import() of its own in Node.js 20.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');
const vm = require('node:vm');

globalThis.__mailhardenImport ??= (specifier) => import(specifier);
const file = join(__dirname, 'mailharden.cjs');
const cache = file + '.cache';
let cachedData;
try {
  cachedData = readFileSync(cache);
} catch {
  cachedData = undefined;
}
const loader = vm.constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER;
const script = new vm.Script(readFileSync(file, 'utf8'), { filename: file, cachedData, ...(loader === undefined ? {} : { importModuleDynamically: loader }) });
if (process.env.MAILHARDEN_WRITE_CODE_CACHE === '1') process.on('exit', () => writeFileSync(cache, script.createCachedData()));
script.runInThisContext()(module.exports, require, module, file, __dirname);
`;
writeFileSync('dist/mailharden.cli.cjs', launcher, { mode: 0o755 });

writeFileSync(
  'dist/mailharden.js',
  `#!/usr/bin/env node
// mailharden's command line as an ES module (\`node dist/mailharden.js\`): the package's bin is the
// CommonJS launcher beside it, which starts faster (scripts/bundle.mjs).
import './mailharden.cli.cjs';
`,
  { mode: 0o755 },
);

// The code cache: made after a run that compiles what a lint run needs.
rmSync('dist/mailharden.cjs.cache', { force: true });
const r = spawnSync(process.execPath, ['dist/mailharden.cli.cjs', 'lint', '--no-config', '--fail-on', 'none', '-f', 'compact', 'examples/'], {
  env: { ...process.env, MAILHARDEN_WRITE_CODE_CACHE: '1' },
  stdio: ['ignore', 'ignore', 'inherit'],
});
if (r.status !== 0) throw new Error(`making the code cache: the CLI exited ${r.status}`);
