/**
 * File names are bytes. A name that is not valid UTF-8 is carried as a string in which each byte that
 * does not decode stands as the lone surrogate U+DC80 + byte (as Python's surrogateescape does). No
 * valid UTF-8 decodes to a lone surrogate, so the mapping is reversible and never collides with a real
 * name; fsName() turns such a string back into the exact bytes for the file system calls, and messages
 * show those characters escaped (`\xff`).
 */

const ESCAPED = /[\uDC80-\uDCFF]/;

/** A directory entry's name as a string (surrogate-escaped where it is not valid UTF-8). */
export function nameFromBytes(buf: Buffer): string {
  // Valid UTF-8, the usual case, decodes in one call: the decoder writes U+FFFD for every byte that
  // does not decode, so a name without one was valid throughout (a name that holds a real U+FFFD
  // takes the byte-by-byte way below, which gives it the same).
  const whole = buf.toString('utf8');
  if (!whole.includes('\ufffd')) return whole;
  let out = '';
  let i = 0;
  while (i < buf.length) {
    const b = buf[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n > 0 && i + n <= buf.length && validSequence(buf, i, n)) {
      out += buf.toString('utf8', i, i + n);
      i += n;
    } else {
      out += String.fromCharCode(0xdc00 + b);
      i++;
    }
  }
  return out;
}

function validSequence(buf: Buffer, i: number, n: number): boolean {
  if (n === 1) return true;
  for (let k = 1; k < n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return false;
  const b0 = buf[i]!;
  const b1 = buf[i + 1]!;
  // Overlong forms, surrogates, and code points above U+10FFFF are not UTF-8.
  if (b0 === 0xe0 && b1 < 0xa0) return false;
  if (b0 === 0xed && b1 >= 0xa0) return false;
  if (b0 === 0xf0 && b1 < 0x90) return false;
  if (b0 === 0xf4 && b1 >= 0x90) return false;
  return true;
}

/** What to hand the file system for a path string: itself, or its exact bytes when it carries escaped bytes. */
export function fsName(path: string): string | Buffer {
  if (!ESCAPED.test(path)) return path;
  const parts: Buffer[] = [];
  let run = '';
  for (const ch of path) {
    const c = ch.charCodeAt(0);
    if (ch.length === 1 && c >= 0xdc80 && c <= 0xdcff) {
      if (run) parts.push(Buffer.from(run, 'utf8'));
      run = '';
      parts.push(Buffer.of(c - 0xdc00));
    } else run += ch;
  }
  if (run) parts.push(Buffer.from(run, 'utf8'));
  return Buffer.concat(parts);
}
