// Loaded in place of node:child_process in the bundle: the real module costs start-up time and most
// commands never start a process, so it is loaded on first use. The functions are named one by one
// (not a Proxy): the bundle's ES module interop copies a CommonJS module's own properties, and a
// Proxy without them would leave every named import undefined.
// The id is not a literal, so the bundler leaves this require alone instead of aliasing it to this shim.
const id = ['node', 'child_process'].join(':');
let real;
const load = () => (real ??= require(id));
for (const name of ['spawn', 'spawnSync', 'exec', 'execSync', 'execFile', 'execFileSync', 'fork']) {
  exports[name] = (...args) => load()[name](...args);
}
