/**
 * File names as bytes (src/core/fs-names.ts): nameFromBytes decodes valid UTF-8 in one call and
 * anything else byte by byte. Both ways must give what the byte-by-byte decoder gives (the reference
 * below, surrogateescape as Python has it), and fsName must give the bytes back.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fsName, nameFromBytes } from '../src/core/fs-names.js';

/** Byte by byte: each valid UTF-8 sequence as its character, each other byte as U+DC80 + byte. */
function reference(buf: Buffer): string {
  let out = '';
  let i = 0;
  const cont = (k: number): boolean => i + k < buf.length && (buf[i + k]! & 0xc0) === 0x80;
  while (i < buf.length) {
    const b = buf[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    let ok = n > 0 && i + n <= buf.length;
    for (let k = 1; ok && k < n; k++) ok = cont(k);
    if (ok && n > 1) {
      const b1 = buf[i + 1]!;
      if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90)) ok = false;
    }
    if (ok) {
      let cp = n === 1 ? b : b & (0xff >> (n + 1));
      for (let k = 1; k < n; k++) cp = (cp << 6) | (buf[i + k]! & 0x3f);
      out += String.fromCodePoint(cp);
      i += n;
    } else {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
  }
  return out;
}

describe('nameFromBytes (src/core/fs-names.ts)', () => {
  it('random names, valid UTF-8 and not, with U+FFFD, overlong forms, surrogates and code points past U+10FFFF: the reference decoding, and fsName gives the bytes back', () => {
    // Pieces: ASCII, valid sequences of 2 to 4 bytes, U+FFFD itself, and broken or forbidden ones.
    const PIECES = [[0x61], [0x2f], [0x2e], [0x20], [0x7f], [0x00], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], [0xef, 0xbf, 0xbd],
      [0xc0, 0xaf], [0xc1, 0xbf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xed, 0xbf, 0xbf], [0xf0, 0x80, 0x80, 0xaf], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80],
      [0x80], [0xbf], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0xfe], [0xff], [0xee, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xdf, 0xbf], [0xe0, 0xa0, 0x80]];
    let seed = 22; // xorshift32
    const next = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    let mixed = 0;
    for (let t = 0; t < 20000; t++) {
      const bytes: number[] = [];
      for (let k = next(10); k >= 0; k--) bytes.push(...(next(4) === 0 ? [next(256)] : PIECES[next(PIECES.length)]!));
      const buf = Buffer.from(bytes);
      const name = nameFromBytes(buf);
      if (name !== reference(buf)) assert.fail(`${buf.toString('hex')}: ${JSON.stringify(name)} is not ${JSON.stringify(reference(buf))}`);
      const back = fsName(name);
      assert.deepEqual(Buffer.from(typeof back === 'string' ? Buffer.from(back, 'utf8') : back), buf);
      if (name.includes('\ufffd') && /[\udc80-\udcff]/.test(name)) mixed++;
    }
    assert.ok(mixed > 100, `${mixed} names with both a real U+FFFD and escaped bytes`);
  });
});
