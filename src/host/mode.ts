// Kept apart from tree.ts, which loads node:child_process (for lsattr): the rules that print modes run on every lint.

/** `0644`-style text for a mode. */
export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
