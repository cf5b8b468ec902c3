import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lintHost } from '../src/core/engine.js';
import { defineRule, type AnyRule, type RuleKind } from '../src/core/rule.js';
import type { Finding } from '../src/core/types.js';
import { LAYOUTS, readAccounts } from '../src/host/layout.js';
import { HostTree } from '../src/host/tree.js';
import { lintOptions, lintText } from '../src/lint/text.js';
import { probeFindings } from '../src/probe/findings.js';
import { parseTranscript } from '../src/probe/transcript.js';

/** A report of the test rules: where, and (host rules) about which tree path. */
interface At {
  line: number;
  column: number;
  path?: string;
}

/**
 * Two rules of a kind, the post-phase one first in the list: each notes when it ran, so a test sees
 * that the main phase ran before the post phase whatever the registry order.
 */
function phasedRules(kind: RuleKind, main: At[], post: At[]): { rules: AnyRule[]; ran: string[] } {
  const ran: string[] = [];
  const rule = (id: string, phase: 'main' | 'post', at: At[]) =>
    defineRule({
      meta: { id, slug: `test-${phase}`, kinds: [kind], description: `A ${phase}-phase rule`, severity: 'low', tags: [], references: [], messages: { here: 'here' }, fix: 'nothing', phase },
      check(_doc, ctx) {
        ran.push(phase);
        for (const a of at) ctx.report({ messageId: 'here', span: { start: { line: a.line, column: a.column }, end: { line: a.line, column: a.column + 1 } }, ...(a.path ? { path: a.path } : {}) });
      },
    });
  return { rules: [rule('MH9901', 'post', post), rule('MH9902', 'main', main)], ran };
}

const where = (f: Finding[]) => f.map((x) => `${x.file}:${x.line}:${x.column} ${x.ruleId}`);

describe('the one rule runner: phases and each kind\'s order', () => {
  it('file rules: main phase, then post; findings by line, column, rule id', () => {
    const { rules, ran } = phasedRules('aliases', [{ line: 2, column: 1 }, { line: 1, column: 9 }], [{ line: 1, column: 5 }, { line: 1, column: 2 }]);
    const findings = lintText('a: b\nc: d\n', 'aliases', rules, { path: 'aliases' });
    assert.deepEqual(ran, ['main', 'post']);
    assert.deepEqual(where(findings), ['aliases:1:2 MH9901', 'aliases:1:5 MH9901', 'aliases:1:9 MH9902', 'aliases:2:1 MH9902']);
    assert.equal(findings[0]!.sourceLine, 'a: b');
  });

  it('probe rules honour the phase too; findings by line, rule id (a line\'s findings of one rule in report order)', () => {
    const { rules, ran } = phasedRules('probe', [{ line: 2, column: 1 }, { line: 1, column: 9 }], [{ line: 1, column: 5 }, { line: 1, column: 2 }]);
    const findings = probeFindings(parseTranscript('S: 220 mx.example.test ESMTP\nC: QUIT\n', 't.smtp'), rules);
    assert.deepEqual(ran, ['main', 'post']);
    assert.deepEqual(where(findings), ['t.smtp:1:5 MH9901', 't.smtp:1:2 MH9901', 't.smtp:1:9 MH9902', 't.smtp:2:1 MH9902']);
    assert.equal(findings[0]!.sourceLine, 'S: 220 mx.example.test ESMTP');
  });

  it('host rules: main phase, then post; findings by the file they are about, line, rule id', () => {
    const root = mkdtempSync(join(tmpdir(), 'mh-runner-'));
    try {
      const { rules, ran } = phasedRules('host', [{ line: 1, column: 1, path: '/b' }, { line: 2, column: 1, path: '/a' }], [{ line: 1, column: 3, path: '/a' }]);
      const tree = new HostTree(root, () => new Map());
      const host = { kind: 'host' as const, tree, layout: LAYOUTS.debian, accounts: readAccounts(tree), files: [], fileOf: () => undefined };
      const findings = lintHost(host, { ...lintOptions(rules), show: (p) => `root${p}` });
      assert.deepEqual(ran, ['main', 'post']);
      assert.deepEqual(where(findings), ['root/a:1:3 MH9901', 'root/a:2:1 MH9902', 'root/b:1:1 MH9902']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
