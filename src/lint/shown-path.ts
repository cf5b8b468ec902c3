import { relative, sep } from 'node:path';

/** A path as findings show it: relative to the working directory when inside it, else absolute. */
export function shownPath(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  return rel === '' || rel.startsWith(`..${sep}`) || rel === '..' ? abs : rel.split(sep).join('/');
}
