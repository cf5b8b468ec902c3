// Loaded in place of node:child_process in the bundle: commander needs it only to run executable
// subcommands, which mailharden does not have, so the real module is loaded on first use.
let real;
const load = () => (real ??= require('node:child_process'));
module.exports = new Proxy({}, { get: (_, name) => load()[name] });
