import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { lint } from '../src/lint/request.js';
import { rules } from '../rules/index.js';
import type { Profile } from '../src/host/layout.js';
import { buildTree, loadTreeFixtures } from './helpers/tree-spec.js';
import { needsRoot } from './helpers/real.js';

/**
 * Every tree under fixtures/roots/ is built in a temporary directory (modes and owners set here, since
 * git keeps neither) and linted with --root; the findings, as `rule path`, must equal the fixture's
 * `# expect:` lines for the rules it names.
 */
describe('fixtures/roots: lint --root finds what each tree expects', () => {
  for (const fx of loadTreeFixtures()) {
    it(fx.name, async (t) => {
      if (!needsRoot(t, 'building trees with other owners needs root')) return;
      const root = buildTree(fx);
      const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, ...(fx.profile ? { profile: fx.profile as Profile } : {}) });
      const got = report.findings
        .filter((f) => !f.suppressed && (!fx.rules || fx.rules.includes(f.ruleId)))
        .map((f) => `${f.ruleId} /${relative(root, `${root}/${f.file}`)}`)
        .sort();
      assert.deepEqual(got, [...fx.expected].sort(), report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.message}`).join('\n'));
    });
  }
});

describe('lint --root with a configuration in the tree', () => {
  it('settings.smrsh-allow makes MH6005 report smrsh entries outside the allowlist', async (t) => {
    if (!needsRoot(t, 'building trees with other owners needs root')) return;
    const { parseTree } = await import('./helpers/tree-spec.js');
    const fx = parseTree('allowlist', [
      'dir /etc/mail/smrsh 0755 root root',
      'file /usr/libexec/sendmail/mail.local 0755 root root',
      'file /usr/bin/procmail 0755 root root',
      'link /etc/mail/smrsh/mail.local /usr/libexec/sendmail/mail.local',
      'link /etc/mail/smrsh/procmail /usr/bin/procmail',
      'file /.mailharden.yaml 0644 root root settings:\\n  smrsh-allow: [/usr/libexec/sendmail/mail.local]\\n',
    ].join('\n'));
    const root = buildTree(fx);
    const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, select: ['MH6005'], profile: 'debian' });
    assert.deepEqual(report.findings.map((f) => `${f.file} ${f.message}`), ['etc/mail/smrsh/procmail /etc/mail/smrsh/procmail is not on the smrsh allowlist (mail.local): aliases and .forward files can run it']);
  });
});
