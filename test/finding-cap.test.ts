import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_PER_RULE } from '../src/core/engine.js';
import { lintText } from '../src/lint/text.js';
import { rules } from '../rules/index.js';

/**
 * A rule lists at most MAX_PER_RULE findings in one file; one more finding stands for the rest, with
 * their count, their highest severity and their suppressions, so the exit code and the unused-directive
 * check are what listing all of them would give.
 */
const programs = (from: number, to: number): string => {
  let text = '';
  for (let k = from; k < to; k++) text += `p${k}: "|/usr/bin/prog${k}"\n`;
  return text;
};

const ofRule = (id: string, findings: ReturnType<typeof lintText>) => findings.filter((f) => f.ruleId === id);

describe('a rule firing on every line of a huge file', () => {
  it(`lists ${MAX_PER_RULE.toLocaleString('en-US')} findings, then one with the count of the rest not suppressed`, () => {
    // Ten more than the limit; three of them inside a disable/enable pair.
    const text = `${programs(0, MAX_PER_RULE + 2)}# mailharden-disable MH2013 -- generated test programs\n${programs(MAX_PER_RULE + 2, MAX_PER_RULE + 5)}# mailharden-enable MH2013\n${programs(MAX_PER_RULE + 5, MAX_PER_RULE + 10)}`;
    const findings = lintText(text, 'aliases', rules, { path: 'aliases' });
    const listed = ofRule('MH2013', findings);
    assert.equal(listed.length, MAX_PER_RULE + 1);
    const summary = listed.find((f) => /more MH2013 findings/.test(f.message))!;
    assert.equal(summary.message, `7 more MH2013 findings in this file are not listed: mailharden lists the first ${MAX_PER_RULE.toLocaleString('en-US')} of a rule in one file`);
    // At the first one not listed: line MAX_PER_RULE + 1 holds entry number MAX_PER_RULE.
    assert.equal(summary.line, MAX_PER_RULE + 1);
    assert.equal(summary.sourceLine, `p${MAX_PER_RULE}: "|/usr/bin/prog${MAX_PER_RULE}"`);
    assert.equal(summary.severity, 'info');
    assert.equal(summary.suppressed, false);
    // The directive suppressed findings that are not listed: it is used, so no MH0003.
    assert.deepEqual(ofRule('MH0003', findings), []);
  });

  it('is suppressed itself when every report it stands for is, and carries a severity override', () => {
    const text = `${programs(0, MAX_PER_RULE)}# mailharden-disable MH2013 -- generated test programs\n${programs(MAX_PER_RULE, MAX_PER_RULE + 4)}`;
    const findings = lintText(text, 'aliases', rules, { path: 'aliases', severity: new Map([['MH2013', 'high']]) });
    const summary = ofRule('MH2013', findings).find((f) => /more MH2013 findings/.test(f.message))!;
    assert.match(summary.message, /^4 more MH2013 findings/);
    assert.equal(summary.suppressed, true);
    assert.equal(summary.suppression?.kind, 'inline');
    assert.equal(summary.severity, 'high');
    assert.deepEqual(ofRule('MH0003', findings), []);
  });

  it('is not there when a rule stays within the limit', () => {
    const findings = lintText(programs(0, MAX_PER_RULE), 'aliases', rules, { path: 'aliases' });
    const listed = ofRule('MH2013', findings);
    assert.equal(listed.length, MAX_PER_RULE);
    assert.ok(listed.every((f) => !/more MH2013 findings/.test(f.message)));
  });
});
