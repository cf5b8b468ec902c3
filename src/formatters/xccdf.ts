import { docUrl, HOMEPAGE, type LintReport } from '../core/report.js';
import type { RuleMeta } from '../core/rule.js';
import type { Finding, Severity } from '../core/types.js';
import { withStigIds } from '../core/stig.js';
import { locationText } from './location.js';
import { collect, type Sink } from './sink.js';
import { xmlAttrs, xmlText } from './xml.js';

/** The reverse-DNS name XCCDF 1.2 ids carry (`xccdf_<name>_rule_<id>`, §6.2.3 of NIST IR 7275 rev 4). */
const NS = 'io.github.mailharden';
const XCCDF = 'http://checklists.nist.gov/xccdf/1.2';

/** XCCDF severities are unknown, info, low, medium, high: critical is high. */
const SEVERITY: Record<Severity, string> = { critical: 'high', high: 'high', medium: 'medium', low: 'low', info: 'info' };
/** A finding's severity as a rule-result message's (error, warning, info). */
const MESSAGE: Record<Severity, string> = { critical: 'error', high: 'error', medium: 'warning', low: 'info', info: 'info' };

export const ruleIdOf = (id: string): string => `xccdf_${NS}_rule_${id}`;

/**
 * Where the references of a rule go: an item of a published catalogue with its own identifier
 * (a STIG item, a CVE, a CWE, a CCI) is an `ident` with the catalogue's system URI; the rest
 * (CIS and other benchmark sections, RFCs, the sendmail and qmail documents) a `reference`.
 */
const IDENT_SYSTEMS: Record<string, string> = {
  CVE: 'http://cve.mitre.org',
  CWE: 'http://cwe.mitre.org',
  // DISA's own system for CCIs, as its STIG benchmarks write them.
  CCI: 'http://iase.disa.mil/cci',
  'DISA-STIG-V': 'https://public.cyber.mil/stigs/',
  'DISA-STIG-SV': 'https://public.cyber.mil/stigs/',
  'DISA-STIG': 'https://public.cyber.mil/stigs/',
  'RHEL-06-STIG': 'https://public.cyber.mil/stigs/',
  'RHEL-08-STIG': 'https://public.cyber.mil/stigs/',
  'RHEL-09-STIG': 'https://public.cyber.mil/stigs/',
  'SOL11-STIG': 'https://public.cyber.mil/stigs/',
  'AIX7-STIG': 'https://public.cyber.mil/stigs/',
  'EX16-STIG': 'https://public.cyber.mil/stigs/',
};

function splitRef(ref: string): { source: string; item: string } {
  const i = ref.indexOf(':');
  return i < 0 ? { source: ref, item: ref } : { source: ref.slice(0, i), item: ref.slice(i + 1) };
}

/** Options of a result: the system checked and when (the formatter reads no clock and no host name). */
export interface XccdfRun {
  /** What was checked: the host name, or the tree or repository linted. */
  target: string;
  /** ISO 8601 date and time of the end of the run. */
  endTime: string;
}

/**
 * An XCCDF 1.2 Benchmark of every rule: a `Rule` a rule (title, description, severity, the fix as
 * `fixtext`, references as `ident` and `reference`, a STIG item with its V- and SV- ids and CCIs as
 * idents and its NIST SP 800-53 controls as references: core/stig.ts), as `mailharden rules --format xccdf` prints it,
 * and with a run's `TestResult` (`lint -f xccdf`): for each rule `fail` (an open finding, each one a
 * `message`), `informational` (only suppressed or baselined findings), `pass` (it judged a file and
 * found nothing), `notselected` (switched off for the files of its kind), `notapplicable` (no file
 * of its kind was checked) or `notchecked` (a run that does not say what it checked). Valid for
 * `oscap xccdf validate`; `oscap xccdf generate report` renders the results.
 */
export function formatXccdf(rules: readonly RuleMeta[], version: string, result?: { report: LintReport; run: XccdfRun }): string {
  return collect((out) => writeXccdf(rules, version, out, result));
}

/** formatXccdf() into a sink, a rule and a rule's result at a time. */
export function writeXccdf(rules: readonly RuleMeta[], version: string, out: Sink, result?: { report: LintReport; run: XccdfRun }): void {
  out.push(
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<Benchmark${xmlAttrs({ xmlns: XCCDF, id: `xccdf_${NS}_benchmark_mailharden`, resolved: 'true', 'xml:lang': 'en' })}>`,
    '  <status>draft</status>',
    '  <title>mailharden: sendmail and qmail hardening rules</title>',
    `  <description>The rules mailharden checks sendmail and qmail configuration, files and running servers with, each tied to the published benchmark items it covers. ${xmlText(HOMEPAGE)}</description>`,
    `  <version>${xmlText(version)}</version>`,
    `  <metadata><dc:creator xmlns:dc="http://purl.org/dc/elements/1.1/">mailharden</dc:creator><dc:source xmlns:dc="http://purl.org/dc/elements/1.1/">${xmlText(HOMEPAGE)}</dc:source></metadata>`,
  );
  for (const m of rules) out.push(...ruleXml(m));
  if (result) testResult(rules, version, result.report, result.run, out);
  out.push('</Benchmark>');
}

function ruleXml(m: RuleMeta): string[] {
  const refs = withStigIds(m.references).map(splitRef);
  const idents = refs.filter((r) => IDENT_SYSTEMS[r.source]);
  const others = refs.filter((r) => !IDENT_SYSTEMS[r.source]);
  return [
    `  <Rule${xmlAttrs({ id: ruleIdOf(m.id), selected: 'true', severity: SEVERITY[m.severity] })}>`,
    `    <title>${xmlText(`${m.id} ${m.slug}`)}</title>`,
    `    <description>${xmlText(m.description)}</description>`,
    `    <reference${xmlAttrs({ href: docUrl(m.id) })}>${xmlText(`mailharden ${m.id}`)}</reference>`,
    ...others.map((r) => `    <reference>${xmlText(`${r.source}:${r.item}`)}</reference>`),
    ...idents.map((r) => `    <ident${xmlAttrs({ system: IDENT_SYSTEMS[r.source] })}>${xmlText(r.item)}</ident>`),
    `    <fixtext>${xmlText(m.fix)}</fixtext>`,
    checkXml(m.id, '    '),
    '  </Rule>',
  ];
}

/** The check behind a rule: mailharden's own (the rule's page names what it reads and how it judges). */
function checkXml(id: string, indent: string): string {
  return `${indent}<check${xmlAttrs({ system: HOMEPAGE })}><check-content-ref${xmlAttrs({ href: docUrl(id), name: id })}/></check>`;
}

type Outcome = 'pass' | 'fail' | 'informational' | 'notselected' | 'notapplicable' | 'notchecked';

function outcome(m: RuleMeta, findings: readonly Finding[], report: LintReport): Outcome {
  if (findings.some((f) => !f.suppressed)) return 'fail';
  if (findings.length) return 'informational';
  if (!report.checked) return 'notchecked';
  if (report.checked.some((c) => c.rules.includes(m.id))) return 'pass';
  return report.checked.some((c) => m.kinds.includes(c.kind)) ? 'notselected' : 'notapplicable';
}

function testResult(rules: readonly RuleMeta[], version: string, report: LintReport, run: XccdfRun, out: Sink): void {
  const byRule = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const list = byRule.get(f.ruleId);
    if (list) list.push(f);
    else byRule.set(f.ruleId, [f]);
  }
  out.push(
    `  <TestResult${xmlAttrs({ id: `xccdf_${NS}_testresult_lint`, 'end-time': run.endTime, 'test-system': `cpe:/a:mailharden:mailharden:${version}`, version })}>`,
    `    <title>${xmlText(`mailharden lint of ${run.target}`)}</title>`,
    `    <target>${xmlText(run.target)}</target>`,
  );
  let passed = 0;
  let failed = 0;
  for (const m of rules) {
    const found = byRule.get(m.id) ?? [];
    const result = outcome(m, found, report);
    if (result === 'pass') passed++;
    if (result === 'fail') failed++;
    out.push(`    <rule-result${xmlAttrs({ idref: ruleIdOf(m.id), severity: SEVERITY[m.severity] })}>`, `      <result>${result}</result>`);
    for (const f of found) {
      const why = f.suppressed ? ` (${f.suppression?.kind === 'baseline' ? 'baselined' : 'suppressed'}: ${f.suppression?.reason ?? ''})` : '';
      out.push(`      <message${xmlAttrs({ severity: MESSAGE[f.severity] })}>${xmlText(`${locationText(f)}: ${f.message}${why}`)}</message>`);
    }
    out.push(checkXml(m.id, '      '), '    </rule-result>');
  }
  // The default model's score for rules of equal weight: the share of the rules that passed among those that passed or failed.
  const score = passed + failed ? (100 * passed) / (passed + failed) : 100;
  out.push(`    <score${xmlAttrs({ system: 'urn:xccdf:scoring:default', maximum: '100' })}>${score.toFixed(2)}</score>`, '  </TestResult>');
}
