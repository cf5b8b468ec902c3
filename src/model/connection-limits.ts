import { tagCode, type AccessEntry } from '../parsers/access.js';

/** The access map tags FEATURE(`ratecontrol') and FEATURE(`conncontrol') read. */
const LIMIT_TAGS = new Set(['clientrate', 'clientconn']);

/** The same tags as bits of an access table's tag codes (a code is below 32). */
const LIMIT_BITS = (1 << tagCode('clientrate')) | (1 << tagCode('clientconn'));

/** Whether an access table's tag code is one of the limit tags. */
export function isLimitTag(code: number): boolean {
  return ((LIMIT_BITS >>> code) & 1) === 1;
}

/** A ClientRate: or ClientConn: limit as sendmail reads it. */
export interface ConnectionLimit {
  /** The value is a plain decimal number (or a number written so that sendmail reads what it says). */
  plain: boolean;
  /** The limit sendmail compares the client's rate or connections with; 0 or less refuses every connection. */
  read: number;
}

/**
 * The limit of a ClientRate:/ClientConn: entry. The RateControl and ConnControl rulesets (proto.m4)
 * return OK for the value `0` (one token: no limit) and otherwise ask `$(arith l $@ VALUE $@ count $)`,
 * which reads VALUE as C's strtol with base 0 does: leading blanks and a sign, `0x` hexadecimal, a
 * leading 0 octal, up to the first character that does not fit, and 0 when nothing does. The client
 * is refused when the limit is below its count, which is at least 1 (its own connection), so a limit
 * read as 0 or less refuses every connection. Measured with sendmail 8.17.1.9 -bt on Debian's cf:
 * `ten`, `-1` and `00` refuse at every rate, `5x` reads as 5, `0x10` as 16, `1.5` as 1, `+3` as 3.
 */
export function connectionLimit(e: AccessEntry): ConnectionLimit | undefined {
  if (!LIMIT_TAGS.has(e.tag.toLowerCase())) return undefined;
  const value = e.value;
  if (value === '0') return { plain: true, read: 0 };
  const read = strtol0(value);
  const plain = /^\d+$/.test(value) && read > 0 && read === Number.parseInt(value, 10);
  return { plain, read };
}

/** C's strtol(s, NULL, 0), clamped to what a double holds exactly. */
function strtol0(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX](?=[0-9a-fA-F])[0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)?/.exec(s)!;
  const digits = m[2];
  if (!digits) return 0;
  const n = /^0[xX]/.test(digits) ? Number.parseInt(digits.slice(2), 16) : digits.startsWith('0') ? Number.parseInt(digits, 8) || 0 : Number.parseInt(digits, 10);
  const clamped = Math.min(n, Number.MAX_SAFE_INTEGER);
  return m[1] === '-' ? -clamped : clamped;
}
