import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exampleRoot } from './helpers/example.js';
import { ROOT, run } from './helpers/cli.js';
import { attributesWork } from './helpers/tree-spec.js';

interface JsonFinding {
  ruleId: string;
  severity: string;
  message: string;
  file: string;
  suppressed: boolean;
}

const lint = (args: string[]): JsonFinding[] => {
  const r = run(['lint', ...args, '--format', 'json', '--fail-on', 'none']);
  assert.equal(r.code, 0, r.stderr);
  return (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.filter((f) => !f.suppressed);
};

describe('the bundled example policy on the bundled example host', () => {
  it('apply leaves no lint finding above info', (t) => {
    const { root } = exampleRoot();
    const policy = join(ROOT, 'examples', 'policy.yaml');
    const chattr = attributesWork(root);
    try {
      const r = run(['apply', policy, '--root', root, ...(chattr ? ['--allow-chattr'] : ['--files-only'])]);
      assert.equal(r.code, 0, r.stderr);
      // The tree as lint --root reads it, and the aliases file the example keeps at /etc/aliases.
      const findings = [...lint(['--root', root]), ...lint([join(root, 'etc/aliases')])];
      const above = findings.filter((f) => f.severity !== 'info');
      assert.deepEqual(above.map((f) => `${f.file}: ${f.severity} ${f.ruleId}: ${f.message}`), []);
      const info = [...new Set(findings.map((f) => `${f.ruleId}: ${f.message}`))];
      t.diagnostic(`info left: ${info.join(' | ') || 'none'}`);
      // What is left is advice the policy has no key for (greet_pause), or immutability where chattr cannot run.
      for (const f of findings) assert.ok(['MH1025', ...(chattr ? [] : ['MH6007'])].includes(f.ruleId), `${f.ruleId}: ${f.message}`);
      assert.match(run(['apply', policy, '--root', root, '--dry-run']).stdout, /^No changes/m);
    } finally {
      if (chattr) spawnSync('chattr', ['-R', '-i', root]);
    }
  });
});
