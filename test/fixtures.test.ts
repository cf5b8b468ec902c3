import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lintText } from '../src/lint/text.js';
import { rules } from '../rules/index.js';
import { loadFixtures } from './helpers/fixtures.js';
import { needs, SENDMAIL, M4, DEBIAN_MC, sendmailCheckOnDebian } from './helpers/real.js';

const fixtures = loadFixtures();

describe('fixtures: findings match the expectations written in each file', () => {
  it('has fixtures', () => assert.ok(fixtures.length > 0));
  for (const f of fixtures) {
    it(f.path, () => {
      const settings = { localOnly: f.settings.localOnly === 'true' };
      const findings = lintText(f.text, f.kind, rules, { path: f.path, settings });
      const lineCount = Math.max(f.text.split('\n').length, 1);
      for (const x of findings) {
        assert.ok(x.line >= 1 && x.line <= lineCount && x.column >= 1, `${x.ruleId} at ${x.line}:${x.column} lies outside the file`);
        assert.ok(x.endLine > x.line || (x.endLine === x.line && x.endColumn > x.column), `${x.ruleId} at ${x.line}:${x.column} has an empty or reversed span`);
      }
      const considered = findings.filter((x) => !x.suppressed && (!f.rules || f.rules.includes(x.ruleId)));
      const actual = new Map<number, string[]>();
      for (const x of considered) {
        // `# expect: MH1042:medium` also checks the severity of that finding.
        const withSeverity = (f.expected.get(x.line) ?? []).some((e) => e.startsWith(`${x.ruleId}:`));
        actual.set(x.line, [...(actual.get(x.line) ?? []), withSeverity ? `${x.ruleId}:${x.severity}` : x.ruleId].sort());
      }
      const show = (m: Map<number, string[]>) => [...m].sort((a, b) => a[0] - b[0]).map(([l, ids]) => `${l}: ${ids.join(',')}`);
      assert.deepEqual(show(actual), show(f.expected), `findings differ from the expect markers\n${considered.map((x) => `  ${x.line}:${x.column} ${x.ruleId} ${x.message}`).join('\n')}`);
    });
  }
});

describe('fixtures: what real sendmail does with each cf fixture that claims it', () => {
  for (const f of fixtures.filter((x) => x.sendmail)) {
    it(`${f.path} → sendmail ${f.sendmail}`, (t) => {
      if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
      // The fixture's statements go after Debian's stock cf; its V line is left out (the stock one holds).
      const body = f.text.split('\n').filter((l) => !/^V\d/.test(l)).join('\n');
      const r = sendmailCheckOnDebian(body);
      if (f.sendmail === 'refuses') assert.notEqual(r.status, 0, `sendmail accepted it: ${r.output}`);
      else assert.equal(r.status, 0, `sendmail refused it: ${r.output}`);
      if (f.sendmail === 'warns') assert.notEqual(r.output.trim(), '', 'sendmail printed no warning');
      if (f.sendmail === 'accepts') assert.equal(r.output.trim(), '', `sendmail printed: ${r.output}`);
    });
  }
});
