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
