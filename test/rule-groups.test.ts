import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inRange } from '../src/core/rule-group.js';
import { groups, rules } from '../rules/index.js';
import { RULES_DIR, ruleFiles } from './helpers/rule-files.js';

describe('rule groups: id ranges declared in rules/<group>/index.ts', () => {
  it('each range is well formed, and the groups are listed in range order without overlapping', () => {
    for (const g of groups) {
      assert.match(g.ids.from, /^MH\d{4}$/, `${g.name}: from`);
      assert.match(g.ids.to, /^MH\d{4}$/, `${g.name}: to`);
      assert.ok(g.ids.from <= g.ids.to, `${g.name}: ${g.ids.from}-${g.ids.to} is empty`);
      assert.ok(g.title.length > 0 && !g.title.includes('|'), `${g.name}: title`);
    }
    for (let i = 1; i < groups.length; i++) {
      const a = groups[i - 1]!;
      const b = groups[i]!;
      assert.ok(a.ids.to < b.ids.from, `${a.name} (${a.ids.from}-${a.ids.to}) and ${b.name} (${b.ids.from}-${b.ids.to}) overlap or are out of order`);
    }
  });

  it("every rule's id is inside its group's range, and its kinds are among the group's", () => {
    for (const g of groups) {
      assert.ok(g.rules.length > 0, `${g.name} has no rules`);
      for (const r of g.rules) {
        assert.ok(inRange(r.meta.id, g.ids), `${r.meta.id} is outside ${g.name}'s range ${g.ids.from}-${g.ids.to}`);
        for (const k of r.meta.kinds) assert.ok(g.kinds.includes(k), `${r.meta.id} applies to ${k}, which ${g.name} does not declare`);
      }
    }
  });

  it('the registry is the groups\' rules, each once, in id order', () => {
    const fromGroups = groups.flatMap((g) => g.rules.map((r) => r.meta.id));
    assert.equal(new Set(fromGroups).size, fromGroups.length, 'a rule is in two groups');
    assert.deepEqual(rules.map((r) => r.meta.id), [...fromGroups].sort());
  });

  it("every group is a folder of rules/, and every rule file lives in its group's folder", () => {
    const folders = readdirSync(RULES_DIR, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
    assert.deepEqual([...folders].sort(), groups.map((g) => g.name).sort());
    const groupOf = new Map(groups.flatMap((g) => g.rules.map((r) => [r.meta.id, g.name] as const)));
    const files = ruleFiles();
    for (const f of files) assert.equal(f.group, groupOf.get(f.id), `rules/${f.group}/${f.id}-${f.slug}.ts is registered in ${groupOf.get(f.id) ?? 'no group'}`);
    assert.equal(files.length, groupOf.size, 'every registered rule has its own file');
  });

  it('a rule outside its range is caught', () => {
    assert.ok(inRange('MH1030', { from: 'MH1030', to: 'MH1049' }));
    assert.ok(inRange('MH1049', { from: 'MH1030', to: 'MH1049' }));
    assert.ok(!inRange('MH1050', { from: 'MH1030', to: 'MH1049' }));
    assert.ok(!inRange('MH103', { from: 'MH1000', to: 'MH1999' }));
  });
});
