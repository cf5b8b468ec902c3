import assert from 'node:assert/strict';
import { it } from 'node:test';
import { duplicateGroups } from '../src/core/duplicates.js';

/** The obvious implementation, to compare against. */
function reference(keys: string[]): number[][] {
  const m = new Map<string, number[]>();
  keys.forEach((k, i) => m.set(k, [...(m.get(k) ?? []), i]));
  return [...m.values()].filter((g) => g.length > 1).sort((a, b) => a[0]! - b[0]!);
}

it('duplicateGroups finds exactly the groups of equal keys, in index order', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (const size of [0, 1, 2, 10, 1000, 50_000]) {
    const keys = Array.from({ length: size }, () => `k${Math.floor(rand() * size * 0.8)}`);
    assert.deepEqual(duplicateGroups(keys), reference(keys), `size ${size}`);
  }
  assert.deepEqual(duplicateGroups(['a', 'b', 'a', 'c', 'b', 'a']), [[0, 2, 5], [1, 4]]);
});
