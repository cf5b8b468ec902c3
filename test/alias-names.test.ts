import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import { AliasNames } from '../src/model/alias-names.js';
import { parseAliases } from '../src/parsers/aliases.js';

it('AliasNames: the keys defined more than once, across parts, with each definition as written', () => {
  const first = new SourceFile('aliases', 'root: a\nRoot: b\n"bob": c\nstaff list: d\n');
  // The second part of the same file: its lines go on from the first's.
  const second = new SourceFile('aliases', 'bob: e\nroot: f,\n  g\n"staff list": h\n', 5);
  const names = new AliasNames();
  names.add(parseAliases(first));
  names.add(parseAliases(second));
  const found: string[] = [];
  names.repeats((r) => {
    const defs = Array.from({ length: r.count }, (_, j) => r.definition(j));
    found.push(defs.map((d) => `${d.name}@${d.line}:${d.span.start.line}.${d.span.start.column}-${d.span.end.column}`).join(' '));
  });
  assert.deepEqual(found.sort(), ['"bob"@3:3.1-6 bob@5:5.1-4', 'root@1:1.1-5 Root@2:2.1-5 root@6:6.1-5']);
});

it('AliasEntries.at returns the kept object of an entry with deliveries, so its targets are split once', () => {
  const doc = parseAliases(new SourceFile('aliases', 'a: b\nprog: "|/bin/x"\nc: d\n'));
  assert.equal(doc.withDeliveries.length, 1);
  const kept = doc.entries.at(1)!;
  assert.equal(kept, doc.withDeliveries[0]);
  assert.equal(kept.deliveries, doc.entries.at(1)!.deliveries);
  assert.deepEqual([...doc.entries].map((e) => e.name), ['a', 'prog', 'c']);
  assert.equal(doc.entries.nameIsKey(1), true, 'the kept flag leaves the name-is-key flag alone');
});
