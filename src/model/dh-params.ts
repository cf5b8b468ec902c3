import { createDiffieHellman, getDiffieHellman } from 'node:crypto';

/**
 * Diffie-Hellman parameters as sendmail's DHParameters file holds them: PEM `DH PARAMETERS`, the DER of
 * PKCS#3's DHParameter (SEQUENCE { prime INTEGER, base INTEGER, privateValueLength INTEGER OPTIONAL }),
 * what `openssl dhparam` writes and sendmail's tls.c reads with PEM_read_bio_DHparams.
 */

/** The well-known safe-prime groups apply writes, by size: RFC 3526's MODP groups 14, 15 and 16 (generator 2). */
export const DH_GROUPS = { 2048: 'modp14', 3072: 'modp15', 4096: 'modp16' } as const;
export type DhBits = keyof typeof DH_GROUPS;

/** The smallest group taken as it is (RFC 8996's era: 1024-bit groups are within reach, sendmail's `1` is one). */
export const MIN_DH_BITS = 2048;
/** The largest prime checked (a bigger one is no parameters file anyone uses, and its primality test costs seconds). */
const MAX_DH_BITS = 8192;

/** A DER length. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** A DER INTEGER of an unsigned big-endian number (a leading zero byte when its top bit is set). */
function derInteger(n: Buffer): Buffer {
  let i = 0;
  while (i < n.length - 1 && n[i] === 0) i++;
  const body = n[i]! & 0x80 ? Buffer.concat([Buffer.from([0]), n.subarray(i)]) : n.subarray(i);
  return Buffer.concat([Buffer.from([0x02]), derLength(body.length), body]);
}

/** The PEM file of one of the well-known groups. */
export function dhParametersPem(bits: DhBits): string {
  const dh = getDiffieHellman(DH_GROUPS[bits]);
  const body = Buffer.concat([derInteger(dh.getPrime()), derInteger(dh.getGenerator())]);
  const der = Buffer.concat([Buffer.from([0x30]), derLength(body.length), body]);
  const lines = der.toString('base64').match(/.{1,64}/g)!;
  return `-----BEGIN DH PARAMETERS-----\n${lines.join('\n')}\n-----END DH PARAMETERS-----\n`;
}

/** Reads a DER element at `at`: its tag, and where its contents lie; undefined when it runs past `end`. */
function derElement(der: Buffer, at: number, end: number): { tag: number; from: number; to: number } | undefined {
  if (at + 2 > end) return undefined;
  const tag = der[at]!;
  let len = der[at + 1]!;
  let from = at + 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4 || from + count > end) return undefined;
    len = 0;
    for (let k = 0; k < count; k++) len = len * 256 + der[from + k]!;
    from += count;
  }
  return from + len > end ? undefined : { tag, from, to: from + len };
}

/**
 * The parameters of a PEM `DH PARAMETERS` file, when it holds exactly one block whose prime is a safe
 * prime with a suitable generator (OpenSSL's DH_check, through node:crypto) of at most 8192 bits: its
 * size in bits. Undefined for anything else (no block, bad DER, a composite or unsafe prime).
 */
export function readDhParameters(text: string): { bits: number } | undefined {
  const blocks = [...text.matchAll(/-----BEGIN DH PARAMETERS-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END DH PARAMETERS-----/g)];
  if (blocks.length !== 1) return undefined;
  const der = Buffer.from(blocks[0]![1]!.replace(/\s+/g, ''), 'base64');
  const seq = derElement(der, 0, der.length);
  if (!seq || seq.tag !== 0x30 || seq.to !== der.length) return undefined;
  const p = derElement(der, seq.from, seq.to);
  const g = p && derElement(der, p.to, seq.to);
  if (!p || !g || p.tag !== 0x02 || g.tag !== 0x02) return undefined;
  const prime = der.subarray(p.from, p.to);
  const base = der.subarray(g.from, g.to);
  if (prime[0]! & 0x80 || base[0]! & 0x80) return undefined;
  const unsigned = prime.subarray(prime[0] === 0 ? 1 : 0);
  const bits = unsigned.length * 8 - Math.clz32(unsigned[0] ?? 0) + 24;
  if (!unsigned.length || bits > MAX_DH_BITS) return undefined;
  try {
    return createDiffieHellman(prime, base).verifyError === 0 ? { bits } : undefined;
  } catch {
    return undefined;
  }
}
