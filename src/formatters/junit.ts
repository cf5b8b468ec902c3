import { byCodeUnit } from '../core/compare.js';
import { docUrl, type LintReport } from '../core/report.js';
import type { Finding } from '../core/types.js';
import { locationText } from './location.js';
import { collect, type Sink } from './sink.js';
import { xmlAttrs, xmlText } from './xml.js';

/** A test case: a rule on a file, passed (no finding), failed (one finding) or skipped (a suppressed one). */
interface Case {
  rule: string;
  slug: string;
  finding?: Finding;
}

/**
 * JUnit XML as the GitLab and Jenkins parsers read it: `testsuites` › one `testsuite` a file (or a
 * `--root` tree, for its host rules) › a `testcase` for each rule that judged the file. A rule with
 * no finding there is one passing test case; a rule with findings is one failing test case a finding
 * (one `failure` each: GitLab takes a test case's `failure` as its text, and two would be a list), named
 * by the rule and the line. A suppressed or baselined finding is a `skipped` test case with the reason.
 * `classname` is the rule, `file` the path (repository-relative, as GitLab links it). Everything from a
 * file is escaped for XML, control characters shown as `\xNN` (XML 1.0 cannot hold most of them).
 */
export function formatJunit(report: LintReport): string {
  return collect((out) => writeJunit(report, out));
}

/** formatJunit() into a sink: the counts first (the findings are kept as they are, not rendered), then a test case at a time. */
export function writeJunit(report: LintReport, out: Sink): void {
  const slugOf = new Map(report.rules.map((m) => [m.id, m.slug]));
  const suites = new Map<string, Case[]>();
  const ruleSets = new Map<string, Set<string>>();
  // A host rule judges the tree, and its findings name the paths they are about: such a rule passes
  // on the tree only when it found nothing anywhere.
  const anywhere = new Set(report.findings.map((f) => f.ruleId));
  for (const c of report.checked ?? []) {
    const ids = c.kind === 'host' ? c.rules.filter((id) => !anywhere.has(id)) : c.rules;
    ruleSets.set(c.file, new Set([...(ruleSets.get(c.file) ?? []), ...ids]));
    if (!suites.has(c.file)) suites.set(c.file, []);
  }
  const failed = new Map<string, Set<string>>();
  for (const f of report.findings) {
    if (!suites.has(f.file)) suites.set(f.file, []);
    suites.get(f.file)!.push({ rule: f.ruleId, slug: f.slug, finding: f });
    if (!failed.has(f.file)) failed.set(f.file, new Set());
    failed.get(f.file)!.add(f.ruleId);
  }
  for (const [file, ids] of ruleSets) {
    for (const id of ids) if (!failed.get(file)?.has(id)) suites.get(file)!.push({ rule: id, slug: slugOf.get(id) ?? '' });
  }
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  const counts = new Map<string, { failures: number; skipped: number }>();
  for (const [file, cases] of suites) {
    cases.sort((a, b) => byCodeUnit(a.rule, b.rule) || (a.finding?.line ?? 0) - (b.finding?.line ?? 0) || (a.finding?.column ?? 0) - (b.finding?.column ?? 0));
    const nFail = cases.filter((c) => c.finding && !c.finding.suppressed).length;
    const nSkip = cases.filter((c) => c.finding?.suppressed).length;
    tests += cases.length;
    failures += nFail;
    skipped += nSkip;
    counts.set(file, { failures: nFail, skipped: nSkip });
  }
  out.push('<?xml version="1.0" encoding="UTF-8"?>', `<testsuites${xmlAttrs({ name: `${report.tool.name} lint`, tests, failures, errors: 0, skipped })}>`);
  for (const [file, cases] of suites) {
    const n = counts.get(file)!;
    out.push(`  <testsuite${xmlAttrs({ name: file, tests: cases.length, failures: n.failures, errors: 0, skipped: n.skipped })}>`);
    for (const c of cases) out.push(...testcase(file, c));
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
}

function testcase(file: string, c: Case): string[] {
  const f = c.finding;
  const name = f ? `${c.rule} ${c.slug} (line ${f.line}, column ${f.column})` : `${c.rule} ${c.slug}`;
  const open = `    <testcase${xmlAttrs({ name, classname: `mailharden.${c.rule}`, file })}`;
  if (!f) return [`${open}/>`];
  if (f.suppressed) {
    const why = f.suppression ? `${f.suppression.kind === 'baseline' ? 'baselined' : 'suppressed'}: ${f.suppression.reason}` : 'suppressed';
    return [`${open}>`, `      <skipped${xmlAttrs({ message: why })}/>`, '    </testcase>'];
  }
  const body = [
    `${locationText(f)}: ${f.severity} ${f.message} [${f.ruleId}/${f.slug}]`,
    ...(f.sourceLine !== undefined ? [`  ${f.line} | ${f.sourceLine}`] : []),
    `fix: ${f.fix}`,
    ...(f.references.length ? [`references: ${f.references.join(', ')}`] : []),
    `docs: ${docUrl(f.ruleId)}`,
  ];
  return [
    `${open}>`,
    `      <failure${xmlAttrs({ message: f.message, type: f.severity })}>${body.map((l) => xmlText(l)).join('\n')}</failure>`,
    '    </testcase>',
  ];
}
