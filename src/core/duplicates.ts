/**
 * Every key of a file, in order, for finding the keys that occur more than once; kept across the
 * parts of a large file. A Map over millions of fresh strings costs seconds of garbage collection in
 * V8, and a hash table costs a cache miss or two per key once it outgrows the cache, so this is a log:
 * adding a key appends its FNV-1a hash and its characters to typed arrays (memory written in order,
 * outside the JavaScript heap), and the repeats are found once, at the end, by sorting the hashes.
 * Each key also has `stride` integers of data for the caller.
 */
export class KeyLog {
  private hashes = new Uint32Array(1 << 10);
  /** Where each key's characters start in `chars`; the key with id i ends where i + 1 starts. */
  private starts = new Uint32Array((1 << 10) + 1);
  private chars = new Uint16Array(1 << 14);
  /** `stride` integers per id. */
  data: Int32Array;
  size = 0;

  constructor(readonly stride: number) {
    this.data = new Int32Array((1 << 10) * stride);
  }

  /** Makes room for `more` keys beyond those held (saves growing step by step). */
  reserve(more: number): void {
    const want = this.size + more;
    if (want + 1 > this.hashes.length) this.grow(Math.max(want + 1, this.hashes.length * 2));
  }

  /** Appends `key`; returns its id (0, 1, 2 … in order of addition). */
  add(key: string): number {
    const n = key.length;
    const id = this.size++;
    if (id + 1 >= this.hashes.length) this.grow(this.hashes.length * 2);
    const from = this.starts[id]!;
    if (from + n > this.chars.length) this.chars = grown(this.chars, Math.max(this.chars.length * 2, from + n));
    const chars = this.chars;
    let h = 0x811c9dc5;
    for (let c = 0; c < n; c++) {
      const x = key.charCodeAt(c);
      chars[from + c] = x;
      h = Math.imul(h ^ x, 0x01000193);
    }
    this.hashes[id] = h;
    this.starts[id + 1] = from + n;
    return id;
  }

  /** The key with id `id`. */
  key(id: number): string {
    const parts: string[] = [];
    const to = this.starts[id + 1]!;
    for (let c = this.starts[id]!; c < to; c += 8192) parts.push(String.fromCharCode(...this.chars.subarray(c, Math.min(c + 8192, to))));
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
    let hashes = this.hashes.slice(0, n);
    let ids = new Uint32Array(n);
    for (let i = 0; i < n; i++) ids[i] = i;
    // Three stable passes of 11, 11 and 10 bits, the hash carried with its id.
    let hashesTo = new Uint32Array(n);
    let idsTo = new Uint32Array(n);
    for (const shift of [0, 11, 22]) {
      const counts = new Uint32Array(2049);
      for (let i = 0; i < n; i++) counts[((hashes[i]! >>> shift) & 2047) + 1]!++;
      for (let b = 1; b < 2049; b++) counts[b]! += counts[b - 1]!;
      for (let i = 0; i < n; i++) {
        const to = counts[(hashes[i]! >>> shift) & 2047]!++;
        hashesTo[to] = hashes[i]!;
        idsTo[to] = ids[i]!;
      }
      [hashes, hashesTo] = [hashesTo, hashes];
      [ids, idsTo] = [idsTo, ids];
    }
    for (let i = 0; i < n; ) {
      let j = i + 1;
      while (j < n && hashes[j] === hashes[i]) j++;
      if (j - i > 1) this.group(Array.from(ids.subarray(i, j)), repeat);
      i = j;
    }
  }

  /** Splits ids of one hash (in order of addition) into runs of equal keys, and reports those of two or more. */
  private group(run: number[], repeat: (ids: readonly number[]) => void): void {
    if (run.every((id) => this.equals(id, run[0]!))) {
      repeat(run);
      return;
    }
    run.sort((a, b) => this.compare(a, b) || a - b);
    for (let i = 0; i < run.length; ) {
      let j = i + 1;
      while (j < run.length && this.equals(run[j]!, run[i]!)) j++;
      if (j - i > 1) repeat(run.slice(i, j));
      i = j;
    }
  }

  private equals(a: number, b: number): boolean {
    const from = this.starts[a]!;
    const to = this.starts[a + 1]!;
    const other = this.starts[b]!;
    if (this.starts[b + 1]! - other !== to - from) return false;
    const chars = this.chars;
    for (let c = 0; c < to - from; c++) if (chars[from + c] !== chars[other + c]) return false;
    return true;
  }

  private compare(a: number, b: number): number {
    const chars = this.chars;
    const fa = this.starts[a]!;
    const la = this.starts[a + 1]! - fa;
    const fb = this.starts[b]!;
    const lb = this.starts[b + 1]! - fb;
    for (let c = 0; c < Math.min(la, lb); c++) if (chars[fa + c] !== chars[fb + c]) return chars[fa + c]! - chars[fb + c]!;
    return la - lb;
  }

  /** Bytes held, room to grow included (for the benchmark); finding the repeats takes 16 more per key for a moment. */
  memory(): number {
    return this.hashes.byteLength + this.starts.byteLength + this.chars.byteLength + this.data.byteLength;
  }

  private grow(ids: number): void {
    this.hashes = grown(this.hashes, ids);
    this.starts = grown(this.starts, ids + 1);
    this.data = grown(this.data, ids * this.stride);
  }
}

function grown<T extends Int32Array | Uint32Array | Uint16Array>(a: T, length: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(length);
  bigger.set(a);
  return bigger;
}
