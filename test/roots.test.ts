import assert from 'node:assert/strict';
import { relative } from 'node:path';
import { describe, it } from 'node:test';
import { lint } from '../src/lint.js';
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
