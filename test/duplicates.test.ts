import assert from 'node:assert/strict';
import { it } from 'node:test';
import { KeyTable } from '../src/core/duplicates.js';

it('KeyTable gives each distinct key one id, in order of first sight, across growth and rehashing', () => {
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (const size of [0, 1, 2, 10, 1000, 50_000]) {
    const table = new KeyTable(2);
    const ids = new Map<string, number>();
    for (let i = 0; i < size; i++) {
      // Keys of every length, non-ASCII ones and keys that differ in one character.
      const n = Math.floor(rand() * size * 0.8);
      const key = n % 97 === 0 ? `ключ-${n}-${'x'.repeat(n % 300)}` : `k${n}`;
      if (i % 1000 === 0) table.reserve(i % 3000);
      const id = table.add(key);
      assert.equal(table.added, !ids.has(key), `size ${size}: ${key}`);
      if (table.added) ids.set(key, id);
      assert.equal(id, ids.get(key));
      table.data[id * 2 + 1] = i;
    }
    assert.equal(table.size, ids.size);
    // Each key again: found, with its own id (a key stored wrongly would be added anew).
    for (const [key, id] of ids) assert.equal(table.add(key), id);
    assert.equal(table.size, ids.size);
  }
});

it('KeyTable keeps the data of every id when it grows', () => {
  const table = new KeyTable(3);
  for (let i = 0; i < 5000; i++) {
    const id = table.add(`name${i}`);
    table.data.set([i, -i - 1, i * 2], id * 3);
  }
  for (let i = 0; i < 5000; i++) {
    const id = table.add(`name${i}`);
    assert.equal(table.added, false);
    assert.deepEqual([...table.data.subarray(id * 3, id * 3 + 3)], [i, -i - 1, i * 2]);
  }
  const empty = table.add('');
  assert.equal(table.added, true);
  assert.equal(table.add(''), empty);
  assert.equal(table.added, false);
});
