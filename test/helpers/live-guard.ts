import { guardMain } from './live.js';

/**
 * The live test's guard process (test/helpers/live.ts Guard): started detached with the state file,
 * it restores the machine if the test process ends without having done so.
 */
guardMain(process.argv[2]!);
