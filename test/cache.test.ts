import assert from 'node:assert/strict';
import { it } from 'node:test';
import { cached } from '../src/core/cache.js';

it('cached works a value out once per document and key, undefined included', () => {
  const a = {};
  const b = {};
  let calls = 0;
  const count = (doc: object): number => (calls++, doc === a ? 1 : 2);
  assert.equal(cached(a, 'test.count', count), 1);
  assert.equal(cached(a, 'test.count', count), 1);
  assert.equal(cached(b, 'test.count', count), 2);
  assert.equal(calls, 2, 'each document computes once');
  assert.equal(cached(a, 'test.other', () => 'x'), 'x', 'another key of the same document is its own value');
  let none = 0;
  const nothing = (): undefined => void none++;
  cached(a, 'test.none', nothing);
  cached(a, 'test.none', nothing);
  assert.equal(none, 1, 'an undefined value is kept too');
});
