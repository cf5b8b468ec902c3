/**
 * How sendmail reads option values (readcf.c setoption()), for the rules that judge them. The cf
 * parser keeps values as text; these helpers give them the meaning the binary gives them.
 */

/** sendmail's atoi(): leading blanks, an optional sign and digits; anything else reads as 0. */
export function atoi(value: string): number {
  const m = /^[ \t]*([-+]?\d+)/.exec(value);
  return m ? Number.parseInt(m[1]!, 10) : 0;
}

/** sendmail's atobool(): empty, or a first letter t, T, y or Y, is true; everything else is false. */
export function atobool(value: string): boolean {
  const v = value.trim();
  return v === '' || /^[tTyY]/.test(v);
}

/**
 * The macros of a value that expand to a version: `$v` (the binary's version) and `$Z` (the cf's DZ
 * line), also written `${v}`, `$&v`. `$?v` only tests the macro and is not counted.
 */
export function versionMacros(value: string): string[] {
  const found = new Set<string>();
  for (const m of value.matchAll(/\$&?(?:([vZ])|\{([vZ])\})/g)) found.add(`$${m[1] ?? m[2]}`);
  return [...found].sort((a, b) => (a === '$v' ? -1 : b === '$v' ? 1 : 0));
}

/** Literal version text in a value: `Sendmail 8.`, `sendmail version 8`, or a dotted 8.x.y number. */
export function versionText(value: string): string | undefined {
  return /\bsendmail\s+(?:version\s+)?v?\d[\w.]*/i.exec(value)?.[0] ?? /(?<![\w.])8\.\d{1,2}\.\d{1,2}(?:\.\d{1,2})?(?![\w.])/.exec(value)?.[0];
}
