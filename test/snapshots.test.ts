import { after, describe, it } from 'node:test';
import { formatJson } from '../src/formatters/json.js';
import { formatText } from '../src/formatters/text.js';
import { formatJunit } from '../src/formatters/junit.js';
import { formatCodeclimate } from '../src/formatters/codeclimate.js';
import { formatXccdf } from '../src/formatters/xccdf.js';
import { formatHtml } from '../src/formatters/html.js';
import { lintText } from '../src/lint/text.js';
import { lint } from '../src/lint/request.js';
import { rulesFor, type LintReport } from '../src/core/report.js';
import type { Profile } from '../src/host/layout.js';
import { probeFindings } from '../src/probe/findings.js';
import { parseTranscript } from '../src/probe/transcript.js';
import type { FileKind, Finding } from '../src/core/types.js';
import { rules } from '../rules/index.js';
import { loadFixtures, loadProbeFixtures } from './helpers/fixtures.js';
import { needsRoot } from './helpers/real.js';
import { checkOrphans, findingDetails, matchSnapshot } from './helpers/snapshots.js';
import { buildTree, loadTreeFixtures } from './helpers/tree-spec.js';

/**
 * Every fixture's whole output, as a user sees it, against a stored snapshot: the text output (place,
 * severity, message, rule, source line with the caret under the span, fix, references), then each
 * finding's exact span and the suppressed ones. A change in any message, column or fix, or a rule that
 * starts firing on a fixture it was not written for, shows in the diff of test/snapshots/.
 * `UPDATE_SNAPSHOTS=1 npm test` writes them anew.
 */

/** A fixed date, so that `until=` dates in fixtures give the same output whatever day the tests run. */
const TODAY = '2026-06-01';

const report = (findings: Finding[]): LintReport => ({ tool: { name: 'mailharden', version: 'snapshot' }, findings, files: 1, rules: [] });
const snapshotOf = (findings: Finding[]): string => formatText(report(findings), { color: false }) + findingDetails(findings);

/** The fixtures whose JSON output is kept as well (one of each shape: file, suppressed, host, probe). */
const JSON_TOO = new Set(['fixtures/aliases/MH2002-dangerous-program.aliases', 'fixtures/qmail-run/MH0003-suppression-in-run-script.sh', 'MH6008-helpfile-unsafe-dir.tree', 'fixtures/probe/debian-stock.smtp']);

/**
 * The fixtures whose output in the report formats is kept too (one with a suppressed finding): the
 * JUnit XML, the Code Quality JSON, the XCCDF results and the HTML report, made with a fixed time and
 * target, and with the rules of the fixture's kind only (the XCCDF lists every rule it is given).
 */
const FORMATS_TOO = new Set(['fixtures/aliases/MH2002-dangerous-program.aliases', 'fixtures/qmail-run/MH0003-suppression-in-run-script.sh']);

function checkFormats(name: string, path: string, kind: FileKind, findings: Finding[]): void {
  const metas = rules.map((r) => r.meta).filter((m) => m.kinds.includes(kind));
  const r: LintReport = { ...report(findings), rules: metas, checked: [{ file: path, kind, rules: rulesFor(metas, kind, new Set(metas.map((m) => m.id))) }], target: path };
  const outputs: [string, string][] = [
    ['junit.xml', formatJunit(r)],
    ['codeclimate.json', formatCodeclimate(r)],
    ['xccdf.xml', formatXccdf(metas, 'snapshot', { report: r, run: { target: path, endTime: '2026-06-01T12:00:00Z' } })],
    ['html', formatHtml(r, { generated: '2026-06-01T12:00:00Z' })],
  ];
  for (const [ext, text] of outputs) {
    asked.add(`formats/${name}.${ext}`);
    matchSnapshot(`formats/${name}.${ext}`, text);
  }
}

const asked = new Set<string>();
/** Fixtures whose snapshot was checked: the orphan check needs all of them (not a --test-name-pattern run). */
let checked = 0;
const check = (name: string, findings: Finding[], key: string): void => {
  checked++;
  asked.add(`${name}.txt`);
  matchSnapshot(`${name}.txt`, snapshotOf(findings));
  if (JSON_TOO.has(key)) {
    asked.add(`${name}.json`);
    matchSnapshot(`${name}.json`, formatJson(report(findings)));
  }
};

describe('snapshots: the whole output of every fixture', () => {
  const fixtures = loadFixtures();
  const probes = loadProbeFixtures();
  const trees = loadTreeFixtures();
  for (const f of fixtures) {
    it(f.path, () => {
      const settings = { localOnly: f.settings.localOnly === 'true' };
      const findings = lintText(f.text, f.kind, rules, { path: f.path, settings, today: TODAY });
      check(f.path.replace(/^fixtures\//, ''), findings, f.path);
      if (FORMATS_TOO.has(f.path)) checkFormats(f.path.replace(/^fixtures\//, ''), f.path, f.kind, findings);
    });
  }

  for (const f of probes) {
    it(f.path, () => check(f.path.replace(/^fixtures\//, ''), probeFindings(parseTranscript(f.text, f.path), rules), f.path));
  }

  for (const fx of trees) {
    it(`roots/${fx.name}`, async (t) => {
      if (!needsRoot(t, 'building trees with other owners needs root')) return;
      const root = buildTree(fx);
      const r = await lint({ paths: [], root, rules, version: 'snapshot', cwd: root, config: false, ...(fx.profile ? { profile: fx.profile as Profile } : {}) });
      // The tree is built in a new temporary directory each run, its times relative to then: the path
      // is shown as <root>, a time as <time>.
      const shown = (s: string): string => s.split(root).join('<root>').replace(/\b\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\b/g, '<time> UTC');
      const findings = r.findings.map((x) => ({ ...x, message: shown(x.message), fix: shown(x.fix), ...(x.sourceLine !== undefined ? { sourceLine: shown(x.sourceLine) } : {}) }));
      check(`roots/${fx.name}`, findings, fx.name);
    });
  }

  after(() => {
    // Orphans can be told only when every snapshot was made (the tree fixtures need root; a run may pick tests by name).
    if (checked === fixtures.length + probes.length + trees.length) checkOrphans(asked);
  });
});
