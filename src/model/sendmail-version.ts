import type { Span } from '../core/types.js';
import type { CfDocument } from '../parsers/sendmail-cf.js';

/** The sendmail release a cf was built for: its last DZ macro, the value trimmed and its leading numbers. */
export interface CfVersion {
  /** `8.17.1.9/Debian-2+deb12u2`: a vendor writes its suffix after a slash. */
  text: string;
  /** `[8, 17, 1, 9]`. */
  numbers: number[];
  span: Span;
}

/**
 * The version DZ names ($Z, what `echo '$Z' | sendmail -bt -d0` prints and the DISA fallback check
 * reads), or undefined when there is no DZ or it does not start with a number.
 */
export function cfVersion(doc: CfDocument): CfVersion | undefined {
  const dz = doc.macros.filter((m) => m.name === 'Z').pop();
  if (!dz) return undefined;
  const text = dz.value.trim();
  const m = /^(\d+(?:\.\d+)*)/.exec(text);
  if (!m) return undefined;
  return { text, numbers: m[1]!.split('.').map(Number), span: dz.valueSpan };
}

/** Whether release v comes before release than (missing parts count as 0: 8.6 is 8.6.0). */
export function olderThan(v: readonly number[], than: readonly number[]): boolean {
  for (let i = 0; i < than.length; i++) {
    const a = v[i] ?? 0;
    if (a !== than[i]) return a < than[i]!;
  }
  return false;
}
