import { cached } from '../core/cache.js';
import { MAX_EXPANDED, type TcpAction, type TcpRule, type TcpRuleTable, type TcpRulesDocument } from '../parsers/tcprules.js';

/**
 * What tcpserver decides for a connection, from the rules a tcp.smtp file compiles to. tcprules writes
 * one cdb record per key (a range writes one per value), in line order; tcpserver looks the keys of a
 * connection up in a fixed order (rules.c of ucspi-tcp 0.88, confirmed with tcprulescheck):
 * `info@ip`, `info@=host`, `ip`, `=host`, the dotted prefixes of ip from longest to shortest, the
 * `=.suffix` keys of host from longest to shortest, `=`, and the empty key. The first key found decides,
 * so the most specific rule wins whatever the line order; of records with the same key the cdb returns
 * the first, so for identical keys the first line wins.
 */

/** One cdb record tcprules writes. */
export interface TcpRecord {
  key: string;
  line: number;
  rule: TcpRule;
  action: TcpAction;
  /** The variables in the order tcprules stores them (a name may repeat; tcpserver keeps the last). */
  env: readonly { name: string; value: string }[];
}

/** A connection as tcpserver sees it: TCPREMOTEIP, and TCPREMOTEHOST / TCPREMOTEINFO when known. */
export interface TcpQuery {
  ip: string;
  host?: string;
  info?: string;
}

/** The rule that decides a connection; `record` undefined means no key matched, and tcpserver allows it. */
export interface TcpDecision {
  query: TcpQuery;
  record?: TcpRecord;
}

/** The cdb keys tcpserver looks up for a connection, in order. */
export function lookupNames(q: TcpQuery): string[] {
  const names: string[] = [];
  if (q.info !== undefined) {
    names.push(`${q.info}@${q.ip}`);
    if (q.host !== undefined) names.push(`${q.info}@=${q.host}`);
  }
  names.push(q.ip);
  if (q.host !== undefined) names.push(`=${q.host}`);
  for (let n = q.ip.length; n > 0; n--) if (q.ip.charCodeAt(n - 1) === 46) names.push(q.ip.slice(0, n));
  if (q.host !== undefined) {
    for (let i = 0; i < q.host.length; i++) if (q.host.charCodeAt(i) === 46) names.push(`=${q.host.slice(i)}`);
    names.push('=');
  }
  names.push('');
  return names;
}

/** The model of a document, built once and shared by every rule that asks. */
export function modelOf(doc: TcpRulesDocument): TcpRulesModel {
  return cached(doc, 'tcprules.model', (d) => new TcpRulesModel(d));
}

/** The kinds of KeyShape, by the number the model keeps per record. */
export const KEY_KINDS = ['default', 'any-host', 'host', 'host-suffix', 'ip', 'prefix', 'info-ip', 'info-host', 'never'] as const;
export type KeyKind = (typeof KEY_KINDS)[number];
const KIND_NUMBER: Readonly<Record<KeyKind, number>> = { default: 0, 'any-host': 1, host: 2, 'host-suffix': 3, ip: 4, prefix: 5, 'info-ip': 6, 'info-host': 7, never: 8 };
export const K_DEFAULT = 0;
export const K_ANY_HOST = 1;
export const K_HOST = 2;
export const K_HOST_SUFFIX = 3;
export const K_IP = 4;
export const K_PREFIX = 5;
export const K_INFO_IP = 6;
export const K_INFO_HOST = 7;
export const K_NEVER = 8;

/**
 * The kind of the key `s[a..b)` when it is an address or a prefix written as tcpserver writes
 * addresses (the keys of almost every real line), without making a string; -1 for anything else, which
 * keyShape judges.
 */
function plainKindAt(s: Uint8Array | Uint16Array, a: number, b: number): number {
  return plainKindHashAt(s, a, b, 0);
}

/** The FNV-1a of the key plainKindHashAt last judged an address or a prefix (not finished). */
let plainHash = 0;

/**
 * plainKindAt, with the key's FNV-1a from `h` worked out in the same loop (left in plainHash) when the
 * kind is found; -1, and plainHash unset, when it is not (the caller hashes the key itself).
 */
function plainKindHashAt(s: Uint8Array | Uint16Array, a: number, b: number, h: number): number {
  if (a === b) {
    plainHash = h;
    return KIND_NUMBER.default;
  }
  let parts = 0;
  let p = a;
  for (;;) {
    let q = p;
    let v = 0;
    while (q < b) {
      const u = s[q]!;
      const c = u - 48;
      if (c < 0 || c > 9) break;
      h = Math.imul(h ^ u, 0x01000193);
      v = v * 10 + c;
      q++;
    }
    const len = q - p;
    if (len === 0 || len > 3 || (len > 1 && s[p] === 48) || v > 255) return -1;
    parts++;
    if (q === b) {
      plainHash = h;
      return parts === 4 ? K_IP : -1;
    }
    if (s[q] !== 46 /* . */) return -1;
    h = Math.imul(h ^ 46, 0x01000193);
    q++;
    if (q === b) {
      plainHash = h;
      return parts <= 3 ? K_PREFIX : -1;
    }
    if (parts === 4) return -1;
    p = q;
  }
}

/**
 * The kind of the key `s[a..b)` that plainKindAt leaves (-1): a host, suffix or any-host key, or an
 * info@ key of an exact address or a host, judged as keyShape judges them; -1 for anything else
 * (which keyShape judges), and for every key holding a blank, a TAB or a CR.
 */
function hostKindAt(s: Uint8Array | Uint16Array, a: number, b: number): number {
  let at = -1;
  for (let k = a; k < b; k++) {
    const c = s[k]!;
    if (c === 32 || c === 9 || c === 13) return -1;
    if (c === 64 /* @ */) at = k;
  }
  if (b > a && s[a] === 61 /* = */) return b - a === 1 ? K_ANY_HOST : s[a + 1] === 46 /* . */ ? K_HOST_SUFFIX : K_HOST;
  if (at < 0) return -1;
  if (at + 1 < b && s[at + 1] === 61) return K_INFO_HOST;
  return at + 1 < b && plainKindAt(s, at + 1, b) === K_IP ? K_INFO_IP : -1;
}

/** FNV-1a over `s[a..b)`, continuing from `h`. */
function fnv(h: number, s: string, a: number, b: number): number {
  for (let i = a; i < b; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h;
}

/** fnv over code units (the table's `codes`). */
function fnvAt(h: number, s: Uint8Array | Uint16Array, a: number, b: number): number {
  for (let i = a; i < b; i++) h = Math.imul(h ^ s[i]!, 0x01000193);
  return h;
}

/**
 * FNV-1a starts from a value drawn per process, not the published one: a tcp.smtp of 2^k keys made to
 * share one hash under the published start (k pairs of colliding blocks, a second each to find) put
 * every key in one partition and one run of slots, each entered after a walk of all the keys before it
 * (8,192 such keys took 0.78 s against 0.13 s, 32,768 a quarter of a minute, the 64 MiB limit hours).
 * With a start nobody knows, keys collide by chance only.
 */
// Math.random, seeded by V8 from the system's entropy per process (node:crypto is kept out of the start-up).
const FNV_START = (0x811c9dc5 ^ Math.floor(Math.random() * 0x100000000)) | 0;

/** The hash a key is entered and found with: FNV-1a, its bits mixed (murmur3's finaliser), so partitions and slots depend on all of them. */
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** The hash of a key as the model enters it (this process's). */
export function tcpKeyHash(key: string): number {
  return finish(fnv(FNV_START, key, 0, key.length));
}

/** Model line note: a record's key never matches, or the line's range writes no key. */
const NOTE_NEVER = 1;
/** Model line note: a record's key is an earlier record's. */
const NOTE_REPEAT = 2;

/** Lines of the table, by what MH5004 and MH5005 look for on them (see TcpRulesModel.noted). */
export interface TcpModelNotes {
  readonly never: Int32Array;
  readonly repeats: Int32Array;
}

/** Records per partition of the hash table that the model is built in (a partition's slots, 32 KiB, stay in the L1/L2 cache). */
const PART_RECORDS = 2048;

/**
 * The records of the lines tcprules accepts, and the lookup over them, as numbers: a record is the
 * index of its line in the document's table and which key of the line it is (a range writes one per
 * value). For each record the model keeps the kind of its key and the first record of the same key
 * (the one the cdb returns), found with an open-addressing hash table of record numbers; nothing is
 * kept per record as an object, and no string is made for an address key.
 *
 * The hash table is cut into partitions by the high bits of the hash (about 2,048 records each, with
 * slots for at least one and a half times as many): the records are first hashed in file order, then
 * sorted by partition (a stable counting sort), and each partition is filled on its own, in record
 * order, so the first record of a key is entered first as in one big table. A million records in one
 * table of 16 MB cost a cache and TLB miss per record; a partition's 16 to 32 KiB stay in the cache
 * while it is filled.
 */
export class TcpRulesModel {
  /** How many records tcprules writes. */
  readonly count: number;
  private readonly table: TcpRuleTable;
  /** Per line of the table: its first record, or -1 when tcprules writes none for it. */
  private readonly lineFirst: Int32Array;
  private readonly recLine: Int32Array;
  private readonly recIndex: Uint8Array;
  private readonly kinds: Uint8Array;
  private readonly firsts: Int32Array;
  /** The hash table: pairs of (1 + the first record of a key, the key's hash), so a probe reads one cache line. */
  private readonly slots: Int32Array;
  /** Partition p (by the hash's top `partBits` bits) has its slots from partStart[p], partMask[p] + 1 of them. */
  private readonly partStart: Int32Array;
  private readonly partMask: Int32Array;
  private readonly partShift: number;
  private recordObjects?: TcpRecord[];
  /** Per line of the table: NOTE_NEVER, NOTE_REPEAT (set while the model is built, read by noted()). */
  private readonly lineNotes: Uint8Array;
  private notedLines?: TcpModelNotes;
  /**
   * Two keys spelt for comparing (a key a range expands to is at most MAX_EXPANDED long), of the
   * table's code units' type, so that the loops reading them see one type of array.
   */
  private readonly keyA: Uint8Array | Uint16Array;
  private readonly keyB: Uint8Array | Uint16Array;

  /** Builds the model from the lines tcprules accepts; refused lines are left out (see `doc.refusedAt`). */
  constructor(private readonly doc: TcpRulesDocument) {
    const t = (this.table = doc.table);
    this.keyA = t.codes instanceof Uint8Array ? new Uint8Array(MAX_EXPANDED + 8) : new Uint16Array(MAX_EXPANDED + 8);
    this.keyB = t.codes instanceof Uint8Array ? new Uint8Array(MAX_EXPANDED + 8) : new Uint16Array(MAX_EXPANDED + 8);
    const lineFirst = (this.lineFirst = new Int32Array(t.count));
    this.lineNotes = new Uint8Array(t.count);
    const { flags, refusal, rangeRef, rTop, rBot, start, colonAt } = t;
    let n = 0;
    for (let i = 0; i < t.count; i++) {
      if (refusal[i] !== 0 || (flags[i]! & 3) === 0) {
        lineFirst[i] = -1;
        continue;
      }
      lineFirst[i] = n;
      const r = rangeRef[i]!;
      n += r !== 0 && colonAt[i]! - start[i]! <= MAX_EXPANDED ? Math.max(0, rTop[r - 1]! - rBot[r - 1]! + 1) : 1;
    }
    this.count = n;
    this.recLine = new Int32Array(n);
    this.recIndex = new Uint8Array(n);
    this.kinds = new Uint8Array(n);
    this.firsts = new Int32Array(n);
    // The hash of each record's key (FNV-1a), kept only while the model is built.
    const hashes = new Int32Array(n);
    // In blocks, so that V8 optimises the function by its calls rather than by replacing it in the middle of one loop.
    for (let i = 0; i < t.count; i += 4096) this.hashLines(i, Math.min(t.count, i + 4096), hashes);
    let bits = 0;
    while (bits < 16 && PART_RECORDS << bits < n) bits++;
    this.partShift = 32 - bits;
    const parts = 1 << bits;
    // Records per partition, then each partition's place in `order` and in the slots.
    const counts = new Int32Array(parts + 1);
    const shift = this.partShift;
    if (bits > 0) for (let rec = 0; rec < n; rec++) counts[hashes[rec]! >>> shift]!++;
    else counts[0] = n;
    const partStart = (this.partStart = new Int32Array(parts));
    const partMask = (this.partMask = new Int32Array(parts));
    const orderAt = new Int32Array(parts);
    let slotsTotal = 0;
    let placed = 0;
    for (let p = 0; p < parts; p++) {
      // At most two thirds full: a partition is probed in the cache, so a longer run costs little.
      let size = 16;
      while (size < counts[p]! + (counts[p]! >> 1)) size *= 2;
      partStart[p] = slotsTotal;
      partMask[p] = size - 1;
      slotsTotal += size;
      orderAt[p] = placed;
      placed += counts[p]!;
    }
    this.slots = new Int32Array(slotsTotal * 2);
    // The records by partition, each with its hash, so a partition is read in one sweep.
    let order = new Int32Array(0);
    let orderHash = hashes;
    if (bits > 0) {
      order = new Int32Array(n);
      orderHash = new Int32Array(n);
      const fill = orderAt.slice();
      for (let rec = 0; rec < n; rec++) {
        const h = hashes[rec]!;
        const o = fill[h >>> shift]!++;
        order[o] = rec;
        orderHash[o] = h;
      }
    }
    for (let p = 0; p < parts; p++) this.fill(order, orderHash, p, orderAt[p]!, orderAt[p]! + counts[p]!, bits > 0);
  }

  /** Works out the line, index, kind and hash of the records of table lines `from` to `to`. */
  private hashLines(from: number, to: number, hashes: Int32Array): void {
    const t = this.table;
    const text = this.doc.file.text;
    const codes = t.codes;
    const { start, colonAt, rangeRef, rLeft, rRight, rBot } = t;
    const { lineFirst, recLine, recIndex, kinds } = this;
    for (let i = from; i < to; i++) {
      const first = lineFirst[i]!;
      if (first < 0) continue;
      const a = start[i]!;
      const b = colonAt[i]!;
      const r = rangeRef[i]!;
      if (r === 0 || b - a > MAX_EXPANDED) {
        recLine[first] = i;
        // An address or a prefix (almost every line) is judged and hashed in one loop over its key.
        let kind = plainKindHashAt(codes, a, b, FNV_START);
        if (kind >= 0) hashes[first] = finish(plainHash);
        else {
          kind = hostKindAt(codes, a, b);
          hashes[first] = finish(fnvAt(FNV_START, codes, a, b));
        }
        const k = (kinds[first] = kind >= 0 ? kind : KIND_NUMBER[keyShape(text.slice(a, b)).kind]);
        if (k === K_NEVER || (r !== 0 && t.rBot[r - 1]! > t.rTop[r - 1]!)) this.lineNotes[i] = NOTE_NEVER;
        continue;
      }
      const keys = t.keyCount(i);
      const left = rLeft[r - 1]!;
      const right = rRight[r - 1]!;
      const bot = rBot[r - 1]!;
      if (keys === 0) {
        this.lineNotes[i] = NOTE_NEVER;
        continue;
      }
      const head = fnvAt(FNV_START, codes, a, left);
      // The value is an octet as tcpserver writes one (0-255, no leading zero), so every key of the range has the kind of the first.
      // The first key is spelt into a buffer (it is at most MAX_EXPANDED long): no string unless keyShape must judge it.
      recLine[first] = i;
      recIndex[first] = 0;
      const len0 = this.keyLength(first);
      this.keyInto(first, this.keyA);
      const kind0 = plainKindAt(this.keyA, 0, len0);
      const kind = kind0 >= 0 ? kind0 : KIND_NUMBER[keyShape(t.key(i, 0)).kind];
      if (kind === K_NEVER) this.lineNotes[i] = NOTE_NEVER;
      for (let k = 0; k < keys; k++) {
        const rec = first + k;
        recLine[rec] = i;
        recIndex[rec] = k;
        kinds[rec] = kind;
        const v = bot + k;
        let h = head;
        if (v >= 100) h = Math.imul(h ^ (48 + Math.floor(v / 100)), 0x01000193);
        if (v >= 10) h = Math.imul(h ^ (48 + (Math.floor(v / 10) % 10)), 0x01000193);
        h = Math.imul(h ^ (48 + (v % 10)), 0x01000193);
        hashes[rec] = finish(fnvAt(h, codes, right, b));
      }
    }
  }

  /**
   * Enters the records of partition `p` (order[from..to), in record order, their hashes in
   * orderHash; every record, with `hashes`, when there is one partition and no order): the first
   * record of each key takes a slot, a later one points at it.
   */
  private fill(order: Int32Array, orderHash: Int32Array, p: number, from: number, to: number, ordered: boolean): void {
    const slots = this.slots;
    const firsts = this.firsts;
    const base = this.partStart[p]!;
    const mask = this.partMask[p]!;
    for (let o = from; o < to; o++) {
      const rec = ordered ? order[o]! : o;
      const h = orderHash[o]!;
      for (let j = h & mask; ; j = (j + 1) & mask) {
        const s = 2 * (base + j);
        const at = slots[s]!;
        if (at === 0) {
          slots[s] = rec + 1;
          slots[s + 1] = h;
          firsts[rec] = rec;
          break;
        }
        if (slots[s + 1] === h && this.sameKey(at - 1, rec)) {
          firsts[rec] = at - 1;
          this.lineNotes[this.recLine[rec]!]! |= NOTE_REPEAT;
          break;
        }
      }
    }
  }

  private sameKey(x: number, y: number): boolean {
    const t = this.table;
    const i = this.recLine[x]!;
    const j = this.recLine[y]!;
    const ri = t.rangeRef[i]!;
    const rj = t.rangeRef[j]!;
    if (ri === 0 && rj === 0) return this.sameText(t.start[i]!, t.colonAt[i]!, t.start[j]!, t.colonAt[j]!);
    // Two ranges with the same value, head and tail (a file that repeats a range) are compared without making their keys.
    if (ri !== 0 && rj !== 0 && t.expands(i) && t.expands(j) && t.rBot[ri - 1]! + this.recIndex[x]! === t.rBot[rj - 1]! + this.recIndex[y]!) {
      if (this.sameText(t.start[i]!, t.rLeft[ri - 1]!, t.start[j]!, t.rLeft[rj - 1]!) && this.sameText(t.rRight[ri - 1]!, t.colonAt[i]!, t.rRight[rj - 1]!, t.colonAt[j]!)) return true;
    }
    // A range's key against an exact one (or another range's), spelt into two buffers rather than two strings.
    if (!t.expands(i) && !t.expands(j)) return this.sameText(t.start[i]!, t.colonAt[i]!, t.start[j]!, t.colonAt[j]!);
    const n = this.keyLength(x);
    if (n !== this.keyLength(y)) return false;
    const ka = this.keyA;
    const kb = this.keyB;
    if (n > ka.length) return this.keyOf(x) === this.keyOf(y);
    this.keyInto(x, ka);
    this.keyInto(y, kb);
    for (let k = 0; k < n; k++) if (ka[k] !== kb[k]) return false;
    return true;
  }

  /**
   * The lines that MH5004 and MH5005 look at closer, found in one pass on first use (each list in
   * line order, perhaps with lines the rule then passes over): `never`, the accepted lines with a key
   * that never matches or a range that writes no key; `repeats`, those with a key an earlier record has.
   */
  noted(): TcpModelNotes {
    if (this.notedLines) return this.notedLines;
    const notes = this.lineNotes;
    let never = 0;
    let repeats = 0;
    for (let i = 0; i < notes.length; i++) {
      const f = notes[i]!;
      if (f & NOTE_NEVER) never++;
      if (f & NOTE_REPEAT) repeats++;
    }
    const out = { never: new Int32Array(never), repeats: new Int32Array(repeats) };
    never = 0;
    repeats = 0;
    if (out.never.length + out.repeats.length > 0) {
      for (let i = 0; i < notes.length; i++) {
        const f = notes[i]!;
        if (f & NOTE_NEVER) out.never[never++] = i;
        if (f & NOTE_REPEAT) out.repeats[repeats++] = i;
      }
    }
    this.notedLines = out;
    return out;
  }

  /** The length of record `rec`'s key. */
  private keyLength(rec: number): number {
    const t = this.table;
    const i = this.recLine[rec]!;
    if (!t.expands(i)) return t.colonAt[i]! - t.start[i]!;
    const v = t.rangeBot(i) + this.recIndex[rec]!;
    return t.rangeLeft(i) - t.start[i]! + (v >= 100 ? 3 : v >= 10 ? 2 : 1) + t.colonAt[i]! - t.rangeRight(i);
  }

  /** Spells record `rec`'s key into `buf` (keyLength(rec) code units, which must fit). */
  private keyInto(rec: number, buf: Uint8Array | Uint16Array): void {
    const t = this.table;
    const codes = t.codes;
    const i = this.recLine[rec]!;
    let n = 0;
    if (!t.expands(i)) {
      for (let k = t.start[i]!; k < t.colonAt[i]!; k++) buf[n++] = codes[k]!;
      return;
    }
    for (let k = t.start[i]!; k < t.rangeLeft(i); k++) buf[n++] = codes[k]!;
    const v = t.rangeBot(i) + this.recIndex[rec]!;
    if (v >= 100) buf[n++] = 48 + Math.floor(v / 100);
    if (v >= 10) buf[n++] = 48 + (Math.floor(v / 10) % 10);
    buf[n++] = 48 + (v % 10);
    for (let k = t.rangeRight(i); k < t.colonAt[i]!; k++) buf[n++] = codes[k]!;
  }

  /** Whether the text from a to b equals the text from c to d. */
  private sameText(a: number, b: number, c: number, d: number): boolean {
    if (b - a !== d - c) return false;
    const codes = this.table.codes;
    for (let k = 0; k < b - a; k++) if (codes[a + k] !== codes[c + k]) return false;
    return true;
  }

  /** The record the cdb returns for `key` (the first one written), or -1. */
  findId(key: string): number {
    const h = tcpKeyHash(key);
    const slots = this.slots;
    const p = this.partShift === 32 ? 0 : h >>> this.partShift;
    const base = this.partStart[p]!;
    const mask = this.partMask[p]!;
    for (let j = h & mask; ; j = (j + 1) & mask) {
      const at = slots[2 * (base + j)]!;
      if (at === 0) return -1;
      if (slots[2 * (base + j) + 1] === h && this.keyOf(at - 1) === key) return at - 1;
    }
  }

  /** The records of line `i` of the table: from `recordsFrom(i)`, `doc.table.keyCount(i)` of them (none when it is refused). */
  recordsFrom(i: number): number {
    return this.lineFirst[i]!;
  }

  /** The line (index in the table) that wrote record `rec`. */
  lineOf(rec: number): number {
    return this.recLine[rec]!;
  }

  keyOf(rec: number): string {
    return this.table.key(this.recLine[rec]!, this.recIndex[rec]!);
  }

  /** The kind of record `rec`'s key, as a number (KEY_KINDS). */
  kindOf(rec: number): number {
    return this.kinds[rec]!;
  }

  /** The first record of the key of `rec`: the one the cdb returns (`rec` itself when it is the first). */
  firstOf(rec: number): number {
    return this.firsts[rec]!;
  }

  /** Every record as an object, in the order tcprules writes them (duplicate keys included): for small files. */
  get records(): TcpRecord[] {
    if (!this.recordObjects) {
      const rules = this.doc.rules;
      const out: TcpRecord[] = [];
      const envs = new Map<number, readonly { name: string; value: string }[]>();
      for (let rec = 0; rec < this.count; rec++) {
        const i = this.recLine[rec]!;
        const rule = rules[i]!;
        let env = envs.get(i);
        if (!env) envs.set(i, (env = rule.variables.map((v) => ({ name: v.name, value: v.value }))));
        out.push({ key: this.keyOf(rec), line: rule.line, rule, action: rule.action!, env });
      }
      this.recordObjects = out;
    }
    return this.recordObjects;
  }

  /** The record the cdb returns for a key: the first one written. */
  find(key: string): TcpRecord | undefined {
    const id = this.findId(key);
    return id < 0 ? undefined : this.records[id];
  }

  /** What a key matches (keyShape; the model keeps only its kind per record). */
  shape(key: string): KeyShape {
    return keyShape(key);
  }

  /** The rule tcpserver applies to a connection. */
  decide(query: TcpQuery): TcpDecision {
    for (const name of lookupNames(query)) {
      const id = this.findId(name);
      if (id >= 0) return { query, record: this.records[id]! };
    }
    return { query };
  }
}

/** The environment tcpserver sets for an allowed connection: later items of the same name win (as run with tcpserver). */
export function effectiveEnv(record: TcpRecord | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  if (!record || record.action === 'deny') return env;
  for (const v of record.env) env[v.name] = v.value;
  return env;
}

// ---------------------------------------------------------------------------------------------------
// Keys and the address space they cover.

/** An IPv4 block: `net` as an unsigned 32-bit number, `bits` the prefix length. */
export interface Block {
  net: number;
  bits: number;
}

/** What a key matches. */
export type KeyShape =
  | { kind: 'default' }
  | { kind: 'any-host' }
  | { kind: 'host'; host: string }
  | { kind: 'host-suffix'; suffix: string }
  | { kind: 'ip'; block: Block }
  | { kind: 'prefix'; block: Block }
  | { kind: 'info-ip' }
  | { kind: 'info-host' }
  | { kind: 'never'; reason: string; fix?: string };

const CANONICAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;

/** `a.b.c.d` exactly as tcpserver writes an address: four octets 0–255, no leading zeros. */
export function isCanonicalIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => CANONICAL_OCTET.test(p) && Number(p) <= 255);
}

function blockOf(octets: readonly number[]): Block {
  let net = 0;
  for (let i = 0; i < 4; i++) net = net * 256 + (octets[i] ?? 0);
  return { net, bits: octets.length * 8 };
}

/** What a key written by tcprules can match, or why no connection ever looks it up. */
export function keyShape(key: string): KeyShape {
  if (key === '') return { kind: 'default' };
  if (/[ \t\r]/.test(key)) return { kind: 'never', reason: 'the key holds a blank, which tcprules keeps and no address or host name has', fix: `write the key without blanks: "${key.replace(/[ \t\r]+/g, '')}"` };
  if (key.startsWith('=')) {
    if (key === '=') return { kind: 'any-host' };
    if (key.startsWith('=.')) return { kind: 'host-suffix', suffix: key.slice(1) };
    return { kind: 'host', host: key.slice(1) };
  }
  const at = key.lastIndexOf('@');
  if (at >= 0) {
    const rest = key.slice(at + 1);
    if (rest.startsWith('=')) return { kind: 'info-host' };
    if (isCanonicalIPv4(rest)) return { kind: 'info-ip' };
    return { kind: 'never', reason: `an info@ rule matches one exact address or =host after the "@", and "${rest}" is neither (no prefixes, ranges or CIDR there)` };
  }
  if (key.includes('=')) return { kind: 'never', reason: '"=" makes a host rule only at the start of the key (or right after info@)' };
  if (key.includes('/')) {
    const cidr = parseCidr(key);
    return { kind: 'never', reason: 'tcprules has no CIDR notation: it stores the text as it stands', ...(cidr ? { fix: `write ${JSON.stringify(cidrToTcpRules(cidr))} for ${formatCidr(cidr)}` } : {}) };
  }
  if (key.includes('-')) return { kind: 'never', reason: 'only the first range of a line is expanded, so this key keeps the "-" as text' };
  const m = /^([0-9]+(?:\.[0-9]+)*)(\.?)$/.exec(key);
  if (!m) {
    const reason = 'it is neither an address, a prefix ending in ".", nor a host rule (a host name needs "=" in front)';
    return /[A-Za-z]/.test(key) ? { kind: 'never', reason, fix: `write "=${key}" for that host, or "=.${key.replace(/^\./, '')}" for every host under it` } : { kind: 'never', reason };
  }
  const parts = m[1]!.split('.');
  const dot = m[2] === '.';
  if (parts.some((p) => Number(p) > 255)) return { kind: 'never', reason: 'an octet is above 255' };
  if (parts.some((p) => !CANONICAL_OCTET.test(p))) return { kind: 'never', reason: 'tcpserver writes addresses without leading zeros', fix: `write "${parts.map((p) => String(Number(p))).join('.')}${dot ? '.' : ''}"` };
  if (parts.length > 4 || (parts.length === 4 && dot)) return { kind: 'never', reason: 'an address has four octets, and a prefix at most three followed by "."' };
  if (parts.length === 4) return { kind: 'ip', block: blockOf(parts.map(Number)) };
  if (!dot) return { kind: 'never', reason: `a prefix needs its trailing dot: "${key}" is compared with whole addresses and never equals one`, fix: `write "${key}."` };
  return { kind: 'prefix', block: blockOf(parts.map(Number)) };
}

/** Blocks outside the public address space (RFC 6890): no client from the Internet connects from them. */
const SPECIAL: readonly { block: Block; space: string }[] = [
  { block: { net: 0x00000000, bits: 8 }, space: 'this network' },
  { block: { net: 0x0a000000, bits: 8 }, space: 'private' },
  { block: { net: 0x64400000, bits: 10 }, space: 'shared (CGN)' },
  { block: { net: 0x7f000000, bits: 8 }, space: 'loopback' },
  { block: { net: 0xa9fe0000, bits: 16 }, space: 'link-local' },
  { block: { net: 0xac100000, bits: 12 }, space: 'private' },
  { block: { net: 0xc0000200, bits: 24 }, space: 'documentation' },
  { block: { net: 0xc0a80000, bits: 16 }, space: 'private' },
  { block: { net: 0xc6120000, bits: 15 }, space: 'benchmarking' },
  { block: { net: 0xc6336400, bits: 24 }, space: 'documentation' },
  { block: { net: 0xcb007100, bits: 24 }, space: 'documentation' },
  { block: { net: 0xe0000000, bits: 4 }, space: 'multicast' },
  { block: { net: 0xf0000000, bits: 4 }, space: 'reserved' },
];

export const blockSize = (b: Block): number => 2 ** (32 - b.bits);

/** Whether block `inner` lies within block `outer`. */
export function contains(outer: Block, inner: Block): boolean {
  return outer.bits <= inner.bits && Math.floor(inner.net / blockSize(outer)) === Math.floor(outer.net / blockSize(outer));
}

/** How many addresses of a block are public (outside every special-purpose block). */
export function publicAddresses(b: Block): number {
  let n = blockSize(b);
  for (const s of SPECIAL) {
    if (contains(s.block, b)) return 0;
    if (contains(b, s.block)) n -= blockSize(s.block);
  }
  return n;
}

/** The kind of space a block lies in, for messages: `private`, `loopback`, `public`, `mostly public`, `mixed`. */
export function spaceOf(blocks: readonly Block[]): string {
  const spaces = new Set<string>();
  for (const b of blocks) {
    const inside = SPECIAL.find((s) => contains(s.block, b));
    if (inside) spaces.add(inside.space);
    else spaces.add(publicAddresses(b) === blockSize(b) ? 'public' : 'mostly public');
  }
  return spaces.size === 1 ? [...spaces][0]! : 'mixed';
}

export function formatCidr(b: Block): string {
  return `${[24, 16, 8, 0].map((s) => Math.floor(b.net / 2 ** s) % 256).join('.')}/${b.bits}`;
}

/** `10.0.0.0/8` → its block, or undefined for anything else. */
export function parseCidr(s: string): Block | undefined {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(s);
  if (!m) return undefined;
  const parts = m[1]!.split('.');
  const bits = Number(m[2]);
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]{1,3}$/.test(p) || Number(p) > 255) || bits > 32) return undefined;
  const net = blockOf(parts.map(Number)).net;
  const size = 2 ** (32 - bits);
  return { net: Math.floor(net / size) * size, bits };
}

/**
 * The tcprules address for a CIDR block (FORMATS.md §7): the octets before the one where the boundary
 * falls, that octet as `lo-hi` (or `lo`), and a final `.` unless it is the fourth. /0 is the empty key.
 */
export function cidrToTcpRules(b: Block): string {
  if (b.bits === 0) return '';
  const k = Math.floor((b.bits - 1) / 8);
  const octets = [24, 16, 8, 0].map((s) => Math.floor(b.net / 2 ** s) % 256);
  const span = 2 ** (8 * (k + 1) - b.bits);
  const lo = octets[k]! - (octets[k]! % span);
  const hi = lo + span - 1;
  return `${[...octets.slice(0, k), lo === hi ? `${lo}` : `${lo}-${hi}`].join('.')}${k < 3 ? '.' : ''}`;
}

/** The fewest CIDR blocks that cover exactly the given blocks. */
export function summarize(blocks: readonly Block[]): Block[] {
  const ranges = blocks.map((b) => [b.net, b.net + blockSize(b)] as [number, number]).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const out: Block[] = [];
  for (const [start, end] of merged) {
    let at = start;
    while (at < end) {
      let bits = 32;
      while (bits > 0 && at % 2 ** (33 - bits) === 0 && at + 2 ** (33 - bits) <= end) bits--;
      out.push({ net: at, bits });
      at += 2 ** (32 - bits);
    }
  }
  return out;
}
