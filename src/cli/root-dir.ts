import { realpathSync, statSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';

/** The real path of a --root argument, which must be a directory (exit 2 otherwise). */
export function rootDir(arg: unknown): string {
  const rootArg = typeof arg === 'string' ? arg : '/';
  try {
    const root = realpathSync(rootArg);
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
    return root;
  } catch (e) {
    throw new UserError(`--root ${rootArg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`, EXIT.usage);
  }
}
