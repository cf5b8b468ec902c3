import { grown } from './typed-array.js';

/** Ids per chunk of the log (a power of two); nothing else depends on it. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const MASK = CHUNK - 1;

/** Up to this many keys, the repeats are found by a comparison sort. */
const SMALL = 4096;

/**
 * Bits of the hash the radix sort places per pass (its own constant: the sort does not depend on the
 * log's chunks). Two passes of 65,536 buckets cover the 32 bits.
 */
const RADIX_BITS = 16;
const RADIX = 1 << RADIX_BITS;
const RADIX_MASK = RADIX - 1;

/** One chunk of the log: the hashes, characters and data of CHUNK consecutive ids. */
interface Chunk {
  hashes: Uint32Array;
  /** Where each key's bytes start in `bytes`; key k ends where k + 1 starts. */
  starts: Uint32Array;
  /**
   * The keys' characters: one byte each when all are below 256 (nearly always), else two bytes each
   * (low, high) and the key's `wide` flag set. Equal keys are stored alike.
   */
  bytes: Uint8Array;
  wide: Uint8Array;
  data: Int32Array;
}

/**
 * Every key of a file, in order, for finding the keys that occur more than once; kept across the
 * parts of a large file. A Map over millions of fresh strings costs seconds of garbage collection in
 * V8, and a hash table costs a cache miss or two per key once it outgrows the cache, so this is a log:
 * adding a key appends its FNV-1a hash and its characters to typed arrays (memory written in order,
 * outside the JavaScript heap, in chunks that are never copied to grow), and the repeats are found
 * once, at the end, by sorting the hashes. Each key also has `stride` integers of data for the caller.
 */
export class KeyLog {
  private readonly chunks: Chunk[] = [];
  size = 0;

  constructor(readonly stride: number) {}

  /** Appends `key`; returns its id (0, 1, 2 … in order of addition). */
  add(key: string): number {
    return this.addRange(key, 0, key.length);
  }

  /** Appends the key `text[from, to)` (no string made for it); returns its id. */
  addRange(text: string, from: number, to: number): number {
    const n = to - from;
    const id = this.size++;
    const slot = id & MASK;
    // The first chunk starts small (most files have a few dozen keys) and grows; later ones are made
    // whole, with room for as many bytes as the chunk before used (and more when they need it).
    if (slot === 0) {
      const before = this.chunks[this.chunks.length - 1];
      this.chunks.push(this.chunk(id === 0 ? 64 : CHUNK, before ? before.starts[CHUNK]! + (before.starts[CHUNK]! >> 4) : 64 * 16));
    }
    const chunk = this.chunks[id >>> CHUNK_BITS]!;
    if (slot === chunk.hashes.length) this.grow(chunk);
    const at = chunk.starts[slot]!;
    if (at + 2 * n > chunk.bytes.length) chunk.bytes = grown(chunk.bytes, Math.max(chunk.bytes.length * 2, at + 2 * n));
    const bytes = chunk.bytes;
    let h = 0x811c9dc5;
    let high = 0;
    for (let c = 0; c < n; c++) {
      const x = text.charCodeAt(from + c);
      bytes[at + c] = x;
      high |= x;
      h = Math.imul(h ^ x, 0x01000193);
    }
    let end = at + n;
    if (high > 255) {
      for (let c = 0; c < n; c++) {
        const x = text.charCodeAt(from + c);
        bytes[at + 2 * c] = x;
        bytes[at + 2 * c + 1] = x >>> 8;
      }
      chunk.wide[slot] = 1;
      end = at + 2 * n;
    }
    chunk.hashes[slot] = h;
    chunk.starts[slot + 1] = end;
    return id;
  }

  private chunk(ids: number, bytes: number): Chunk {
    return { hashes: new Uint32Array(ids), starts: new Uint32Array(ids + 1), bytes: new Uint8Array(bytes), wide: new Uint8Array(ids), data: new Int32Array(ids * this.stride) };
  }

  /** Doubles the room for ids of the first chunk. */
  private grow(chunk: Chunk): void {
    const ids = chunk.hashes.length * 2;
    chunk.hashes = grown(chunk.hashes, ids);
    chunk.starts = grown(chunk.starts, ids + 1);
    chunk.wide = grown(chunk.wide, ids);
    chunk.data = grown(chunk.data, ids * this.stride);
  }

  /** The array that holds the data of `id`, at `dataAt(id)`. */
  dataOf(id: number): Int32Array {
    return this.chunks[id >>> CHUNK_BITS]!.data;
  }

  dataAt(id: number): number {
    return (id & MASK) * this.stride;
  }

  /** The key with id `id`. */
  key(id: number): string {
    const { bytes, starts, wide } = this.chunks[id >>> CHUNK_BITS]!;
    const slot = id & MASK;
    const from = starts[slot]!;
    const to = starts[slot + 1]!;
    const units = wide[slot] ? new Uint16Array((to - from) / 2) : bytes.subarray(from, to);
    for (let c = 0; wide[slot] && c < units.length; c++) units[c] = bytes[from + 2 * c]! | (bytes[from + 2 * c + 1]! << 8);
    const parts: string[] = [];
    for (let c = 0; c < units.length; c += 8192) parts.push(String.fromCharCode(...units.subarray(c, c + 8192)));
    return parts.join('');
  }

  /**
   * Calls `repeat` with the ids of each key added more than once, in order of addition. The ids are
   * sorted by hash (a radix sort: linear), so only keys with equal hashes are compared; keys that share
   * a hash without being equal (which a hostile file can arrange) are told apart by a comparison sort
   * of that run alone.
   */
  repeats(repeat: (ids: readonly number[]) => void): void {
    const n = this.size;
    let hashes: Uint32Array = new Uint32Array(n);
    let ids: Uint32Array = new Uint32Array(n);
    for (let c = 0; c < this.chunks.length; c++) {
      const base = c << CHUNK_BITS;
      hashes.set(this.chunks[c]!.hashes.subarray(0, Math.min(CHUNK, n - base)), base);
    }
    for (let i = 0; i < n; i++) ids[i] = i;
    if (n <= SMALL) {
      // A small file (most are): a comparison sort, rather than passes over RADIX buckets.
      const byHash = hashes;
      ids.sort((a, b) => byHash[a]! - byHash[b]! || a - b);
      hashes = ids.map((id) => byHash[id]!);
    } else [hashes, ids] = radixSort(hashes, ids);
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && hashes[j] === hashes[i]) j++;
      if (j - i > 1) this.group(Array.from(ids.subarray(i, j)), repeat);
      i = j;
    }
  }

  /** Splits ids of one hash (in order of addition) into runs of equal keys, and reports those of two or more. */
  private group(run: number[], repeat: (ids: readonly number[]) => void): void {
    if (run.every((id) => this.compare(id, run[0]!) === 0)) {
      repeat(run);
      return;
    }
    run.sort((a, b) => this.compare(a, b) || a - b);
    for (let i = 0; i < run.length; ) {
      let j = i + 1;
      while (j < run.length && this.compare(run[j]!, run[i]!) === 0) j++;
      if (j - i > 1) repeat(run.slice(i, j));
      i = j;
    }
  }

  /** Keys compared so far by `repeats` (a test holds it to n log n for keys that all share one hash). */
  comparisons = 0;

  /** Orders two keys by their stored bytes (narrow ones first, shorter first on a common start): 0 exactly when equal. */
  private compare(a: number, b: number): number {
    this.comparisons++;
    const ca = this.chunks[a >>> CHUNK_BITS]!;
    const cb = this.chunks[b >>> CHUNK_BITS]!;
    const wide = ca.wide[a & MASK]! - cb.wide[b & MASK]!;
    if (wide !== 0) return wide;
    const fa = ca.starts[a & MASK]!;
    const la = ca.starts[(a & MASK) + 1]! - fa;
    const fb = cb.starts[b & MASK]!;
    const lb = cb.starts[(b & MASK) + 1]! - fb;
    const n = Math.min(la, lb);
    for (let c = 0; c < n; c++) {
      const d = ca.bytes[fa + c]! - cb.bytes[fb + c]!;
      if (d !== 0) return d;
    }
    return la - lb;
  }

  /** Bytes held, room to grow included (for the benchmark); finding the repeats takes 16 more per key for a moment. */
  memory(): number {
    let bytes = 0;
    for (const c of this.chunks) bytes += c.hashes.byteLength + c.starts.byteLength + c.bytes.byteLength + c.wide.byteLength + c.data.byteLength;
    return bytes;
  }
}

/**
 * Sorts hashes with their ids by hash, stably: passes of RADIX_BITS bits, lowest first. Returns the
 * sorted arrays (the inputs are reused). Exported for its test.
 */
export function radixSort(hashes: Uint32Array, ids: Uint32Array): [Uint32Array, Uint32Array] {
  const n = hashes.length;
  let hashesTo: Uint32Array = new Uint32Array(n);
  let idsTo: Uint32Array = new Uint32Array(n);
  const counts = new Uint32Array(RADIX + 1);
  for (let shift = 0; shift < 32; shift += RADIX_BITS) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[((hashes[i]! >>> shift) & RADIX_MASK) + 1]!++;
    for (let b = 1; b <= RADIX; b++) counts[b]! += counts[b - 1]!;
    for (let i = 0; i < n; i++) {
      const h = hashes[i]!;
      const to = counts[(h >>> shift) & RADIX_MASK]!++;
      hashesTo[to] = h;
      idsTo[to] = ids[i]!;
    }
    [hashes, hashesTo] = [hashesTo, hashes];
    [ids, idsTo] = [idsTo, ids];
  }
  return [hashes, ids];
}
