import fc from 'fast-check';

/**
 * Byte-level mutations of a valid file for the property tests (fuzz, parts): bytes flipped, lines
 * duplicated, tokens that matter to these formats inserted, bytes deleted, long runs inserted.
 */
/** Tokens that matter to these formats. */
export const TOKENS = ['O ', ' ', '\t', '\n', '\r\n', '\r', '#', '\\', '"', '`', "'", '(', ')', ',', ':', '=', '$', '|', '/', '.', 'é', '\u0000', '\uFFFD', 'dnl', 'define(', 'FEATURE(', 'MAILER(', 'PrivacyOptions', 'mailharden-disable MH1001 -- x', 'RELAY', 'Connect:', 'allow,RELAYCLIENT=""', ':deny', '1-255.', 'include:', '"|/bin/sh -c x"'];

export type Op =
  | { t: 'flip'; at: number; byte: number }
  | { t: 'dup'; at: number }
  | { t: 'insert'; at: number; s: string }
  | { t: 'delete'; at: number; n: number }
  | { t: 'long'; at: number; n: number };

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ t: fc.constant('dup' as const), at: fc.nat() }),
  fc.record({ t: fc.constant('insert' as const), at: fc.nat(), s: fc.array(fc.constantFrom(...TOKENS), { maxLength: 12 }).map((a) => a.join('')) }),
  fc.record({ t: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ t: fc.constant('long' as const), at: fc.nat(), n: fc.integer({ min: 1000, max: 100_000 }) }),
);

/** Applies byte-level mutations (so invalid UTF-8 appears), then decodes as UTF-8 or Latin-1. */
export function mutate(seedText: string, ops: readonly Op[], latin1: boolean): string {
  let buf = Buffer.from(seedText, 'utf8');
  for (const op of ops) {
    const at = buf.length ? op.at % (buf.length + 1) : 0;
    if (op.t === 'flip' && buf.length) buf[at % buf.length] = op.byte;
    else if (op.t === 'dup') {
      const start = buf.lastIndexOf(10, at - 1) + 1;
      let end = buf.indexOf(10, at);
      if (end < 0) end = buf.length;
      buf = Buffer.concat([buf.subarray(0, end), Buffer.from('\n'), buf.subarray(start, end), buf.subarray(end)]);
    } else if (op.t === 'insert') buf = Buffer.concat([buf.subarray(0, at), Buffer.from(op.s, 'utf8'), buf.subarray(at)]);
    else if (op.t === 'delete') buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + op.n)]);
    else if (op.t === 'long') buf = Buffer.concat([buf.subarray(0, at), Buffer.alloc(op.n, 'x'), buf.subarray(at)]);
  }
  return buf.toString(latin1 ? 'latin1' : 'utf8');
}

