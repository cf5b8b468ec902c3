import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KeyLog, radixSort } from '../src/core/duplicates.js';

/** The repeats a Map finds: ids of each key added more than once, in order of addition. */
function expected(keys: string[]): number[][] {
  const byKey = new Map<string, number[]>();
  keys.forEach((k, id) => byKey.set(k, [...(byKey.get(k) ?? []), id]));
  return [...byKey.values()].filter((ids) => ids.length > 1);
}

function repeatsOf(log: KeyLog): number[][] {
  const out: number[][] = [];
  log.repeats((ids) => out.push([...ids]));
  return out.sort((a, b) => a[0]! - b[0]!);
}

it('KeyLog finds every key added more than once, with its ids in order, across growth', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (const size of [0, 1, 2, 10, 1000, 50_000, 140_000]) {
    const log = new KeyLog(2);
    const keys: string[] = [];
    for (let i = 0; i < size; i++) {
      // Keys of every length, non-ASCII ones and keys that differ in one character.
      const n = Math.floor(rand() * size * 0.8);
      const key = n % 97 === 0 ? `ключ-${n}-${'x'.repeat(n % 300)}` : `k${n}`;
      assert.equal(log.add(key), i);
      log.dataOf(i)[log.dataAt(i) + 1] = i;
      keys.push(key);
    }
    assert.equal(log.size, size);
    assert.deepEqual(repeatsOf(log), expected(keys), `size ${size}`);
    for (let i = 0; i < size; i += 97) assert.equal(log.key(i), keys[i]);
    for (let i = 0; i < size; i++) assert.equal(log.dataOf(i)[log.dataAt(i) + 1], i, 'data kept through growth');
  }
});

it('KeyLog tells apart different keys that share a hash, however many there are', () => {
  // FNV-1a is not collision-resistant: "costarring" and "liquid" share a 32-bit hash, and so does any
  // pair of keys built from such pairs (the hash of a concatenation depends only on the parts' hashes
  // in order). 2^12 distinct keys of one hash (more than a comparison sort takes: the radix sort
  // runs), each added twice, and one of them thrice.
  const a = 'costarring';
  const b = 'liquid';
  const keys: string[] = [];
  for (let m = 0; m < 1 << 12; m++) keys.push(Array.from({ length: 12 }, (_, bit) => (m >> bit) & 1 ? a : b).join(''));
  const log = new KeyLog(1);
  const all = [...keys, ...keys.reverse(), keys[5]!];
  for (const k of all) log.add(k);
  assert.deepEqual(repeatsOf(log), expected(all));
  // Sorted, not compared pair by pair: n log n comparisons (about 110,000 here), not n²/2 (33 million).
  const bound = 4 * all.length * Math.log2(all.length);
  assert.ok(log.comparisons < bound, `${log.comparisons} comparisons for ${all.length} keys of one hash (at most ${Math.round(bound)})`);
});

it('KeyLog: the empty key, and a key of a million characters', () => {
  const log = new KeyLog(1);
  const long = 'x'.repeat(1_000_000);
  for (const k of ['', 'a', '', long, long.slice(1) + 'y', long]) log.add(k);
  assert.deepEqual(repeatsOf(log), [
    [0, 2],
    [3, 5],
  ]);
  assert.equal(log.key(3), long);
});

it('radixSort orders any 32-bit hashes stably, whatever CHUNK_BITS is', () => {
  // The sort has its own radix: this checks it alone, on hashes whose every bit varies (the highest
  // included), runs of equal hashes, and more ids than one chunk of the log holds.
  let seed = 11;
  const rand = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0);
  for (const n of [0, 1, 5000, 300_000]) {
    const hashes = new Uint32Array(n);
    for (let i = 0; i < n; i++) hashes[i] = i % 7 === 0 ? 0xffffffff - (rand() % 50) : rand();
    const ids = Uint32Array.from({ length: n }, (_, i) => i);
    const want = Array.from(ids).sort((a, b) => hashes[a]! - hashes[b]! || a - b);
    const [sortedHashes, sortedIds] = radixSort(hashes.slice(), ids);
    assert.deepEqual(Array.from(sortedIds), want, `n ${n}`);
    assert.deepEqual(Array.from(sortedHashes), want.map((id) => hashes[id]!), `n ${n}`);
  }
});
