import { createRequire } from 'node:module';

/** The package version, read from package.json (two levels above dist/src). */
export const VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;
