/**
 * The distinct keys of a file, each with a dense id, for finding those that occur again; kept across
 * the parts of a large file. A Map over millions of fresh strings costs seconds of garbage collection in
 * V8 (the collector walks every string on each full collection), so this is an open-addressing table of
 * FNV-1a hashes in typed arrays, and the keys' characters live in one growing array: strings are
 * compared only when their hashes are equal. Each id also has `stride` integers of data for the caller.
 */
export class KeyTable {
  private slots = new Int32Array(1 << 12).fill(-1);
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

  /** Whether the last `add` added its key. */
  added = false;

  /** Makes room for `more` keys beyond those held (saves growing step by step). */
  reserve(more: number): void {
    const want = this.size + more;
    if (want * 2 > this.slots.length) {
      // Four times at a time: each growth walks every key again.
      let size = this.slots.length * 4;
      while (want * 2 > size) size *= 2;
      this.rehash(size);
    }
    if (want + 1 > this.hashes.length) this.grow(Math.max(want + 1, this.hashes.length * 2));
  }

  /** The id of `key`, adding it when new (`added` then says so). */
  add(key: string): number {
    const n = key.length;
    let h = 0x811c9dc5;
    for (let c = 0; c < n; c++) h = Math.imul(h ^ key.charCodeAt(c), 0x01000193);
    h >>>= 0;
    const slots = this.slots;
    const hashes = this.hashes;
    const mask = slots.length - 1;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const id = slots[s]!;
      if (id < 0) break;
      if (hashes[id] === h && this.equals(id, key)) {
        this.added = false;
        return id;
      }
    }
    // New: its characters go to the end of `chars`.
    const id = this.size++;
    if (id + 1 >= this.hashes.length) this.grow(this.hashes.length * 2);
    const from = this.starts[id]!;
    if (from + n > this.chars.length) this.chars = grown(this.chars, Math.max(this.chars.length * 2, from + n));
    const chars = this.chars;
    for (let c = 0; c < n; c++) chars[from + c] = key.charCodeAt(c);
    this.hashes[id] = h;
    this.starts[id + 1] = from + n;
    let s = h & mask;
    while (slots[s]! >= 0) s = (s + 1) & mask;
    slots[s] = id;
    if (this.size * 2 > slots.length) this.rehash(slots.length * 4);
    this.added = true;
    return id;
  }

  private equals(id: number, key: string): boolean {
    const from = this.starts[id]!;
    if (this.starts[id + 1]! - from !== key.length) return false;
    const chars = this.chars;
    for (let c = 0; c < key.length; c++) if (chars[from + c] !== key.charCodeAt(c)) return false;
    return true;
  }

  /** Bytes held, room to grow included (for the benchmark). */
  memory(): number {
    return this.slots.byteLength + this.hashes.byteLength + this.starts.byteLength + this.chars.byteLength + this.data.byteLength;
  }

  private grow(ids: number): void {
    this.hashes = grown(this.hashes, ids);
    this.starts = grown(this.starts, ids + 1);
    this.data = grown(this.data, ids * this.stride);
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size).fill(-1);
    const mask = slots.length - 1;
    for (let id = 0; id < this.size; id++) {
      let s = this.hashes[id]! & mask;
      while (slots[s]! >= 0) s = (s + 1) & mask;
      slots[s] = id;
    }
    this.slots = slots;
  }
}


function grown<T extends Int32Array | Uint32Array | Uint16Array>(a: T, length: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(length);
  bigger.set(a);
  return bigger;
}
