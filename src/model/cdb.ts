/**
 * D. J. Bernstein's constant database, as qmail's cdbmake writes it (cdbmss.c, cdbmake_add.c): a
 * 2048-byte header of 256 (position, slots) pairs, the records (key length, data length, key, data,
 * little-endian 32-bit numbers), then 256 hash tables of twice as many slots as they have entries.
 * The same records in the same order give the same bytes as qmail-newmrh (test/qmail-real.test.ts).
 */

/** cdb's hash: h = 5381, then h = ((h << 5) + h) ^ c for each byte, modulo 2^32. */
export function cdbHash(key: Uint8Array): number {
  let h = 5381;
  for (const c of key) h = ((((h << 5) >>> 0) + h) ^ c) >>> 0;
  return h;
}

/** The largest cdb: its positions are 32-bit. */
const MAX_SIZE = 0xffffffff;

/** The bytes of a cdb holding `records` in order (a key given twice is stored twice, as cdbmake does). */
export function makeCdb(records: readonly { key: Buffer; data: Buffer }[]): Buffer {
  let size = 2048;
  for (const r of records) size += 8 + r.key.length + r.data.length + 16;
  if (size > MAX_SIZE) throw new Error('too large for a cdb (4 GiB)');
  const out = Buffer.alloc(size);
  let pos = 2048;
  const buckets: { h: number; p: number }[][] = Array.from({ length: 256 }, () => []);
  for (const r of records) {
    out.writeUInt32LE(r.key.length, pos);
    out.writeUInt32LE(r.data.length, pos + 4);
    r.key.copy(out, pos + 8);
    r.data.copy(out, pos + 8 + r.key.length);
    const h = cdbHash(r.key);
    buckets[h & 255]!.push({ h, p: pos });
    pos += 8 + r.key.length + r.data.length;
  }
  for (let b = 0; b < 256; b++) {
    const entries = buckets[b]!;
    const len = entries.length * 2;
    // Every table's position is written, an empty one's too (cdbmake_throw).
    out.writeUInt32LE(pos, b * 8);
    out.writeUInt32LE(len, b * 8 + 4);
    const slots = new Array<{ h: number; p: number } | undefined>(len);
    for (const e of entries) {
      let where = Math.floor(e.h / 256) % len;
      while (slots[where]) where = (where + 1) % len;
      slots[where] = e;
    }
    for (let s = 0; s < len; s++) {
      out.writeUInt32LE(slots[s]?.h ?? 0, pos);
      out.writeUInt32LE(slots[s]?.p ?? 0, pos + 4);
      pos += 8;
    }
  }
  return out.subarray(0, pos);
}

/**
 * The keys qmail-newmrh puts into morercpthosts.cdb for a morercpthosts text (qmail-newmrh.c): each
 * line lower-cased, trailing blanks and tabs cut, empty lines and lines starting with `#` left out.
 */
export function morercpthostsKeys(text: Buffer): Buffer[] {
  const keys: Buffer[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(0x0a, start);
    if (end < 0) end = text.length;
    let last = end;
    while (last > start && (text[last - 1] === 0x20 || text[last - 1] === 0x09)) last--;
    if (last > start && text[start] !== 0x23) {
      const key = Buffer.from(text.subarray(start, last));
      for (let i = 0; i < key.length; i++) if (key[i]! >= 0x41 && key[i]! <= 0x5a) key[i] = key[i]! + 0x20;
      keys.push(key);
    }
    start = end + 1;
  }
  return keys;
}

/** Whether a cdb holds `key` (cdb_seek.c), for reading back what was built. */
export function cdbHas(db: Buffer, key: Buffer): boolean {
  if (db.length < 2048) return false;
  const h = cdbHash(key);
  const table = db.readUInt32LE((h & 255) * 8);
  const len = db.readUInt32LE((h & 255) * 8 + 4);
  if (len === 0) return false;
  let slot = Math.floor(h / 256) % len;
  for (let n = 0; n < len; n++) {
    const at = table + slot * 8;
    if (at + 8 > db.length) return false;
    const sh = db.readUInt32LE(at);
    const p = db.readUInt32LE(at + 4);
    if (p === 0) return false;
    if (sh === h && p + 8 <= db.length) {
      const klen = db.readUInt32LE(p);
      if (klen === key.length && p + 8 + klen <= db.length && db.subarray(p + 8, p + 8 + klen).equals(key)) return true;
    }
    slot = (slot + 1) % len;
  }
  return false;
}
