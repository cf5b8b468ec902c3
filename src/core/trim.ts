/**
 * `s` without the characters of `chars` at its end. A regular expression such as `/[ \t]+$/` tries
 * every place a run of blanks starts and scans the run each time, which is quadratic in a long run
 * that something else follows (a megabyte of blanks took minutes); this is linear.
 */
export function trimEndOf(s: string, chars: string): string {
  let end = s.length;
  while (end > 0 && chars.includes(s[end - 1]!)) end--;
  return end === s.length ? s : s.slice(0, end);
}

/** Blanks and TABs. */
export const BLANKS = ' \t';

/**
 * Whether a UTF-16 code unit is one that `String.prototype.trim` removes and `\s` matches (white space
 * and line terminators), asked of a character code so that a loop over a file makes no string.
 */
export function isJsSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 160) return false;
  return code === 160 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}
