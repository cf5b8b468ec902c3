import { summarize, type LintReport } from '../core/report.js';
import type { Severity } from '../core/types.js';
import { visibleControls } from '../core/visible.js';
import { isUri, locationText } from './location.js';
import { collect, type Sink } from './sink.js';

const COMMAND: Record<Severity, 'error' | 'warning' | 'notice'> = { critical: 'error', high: 'error', medium: 'warning', low: 'notice', info: 'notice' };

// Control characters are escaped (the log viewer acts on ANSI sequences, a CR or LF would end the
// command and start another), so of GitHub's own encoding of a command's data only % is left to do;
// properties also encode : and ,.
const escapeData = (s: string): string => visibleControls(s).replace(/%/g, '%25');
const escapeProperty = (s: string): string => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/** GitHub workflow commands, one annotation per unsuppressed finding. */
export function formatGithub(report: LintReport): string {
  return collect((out) => writeGithub(report, out));
}

/** formatGithub() into a sink, a finding at a time. */
export function writeGithub(report: LintReport, out: Sink): void {
  for (const f of report.findings) {
    if (f.suppressed) continue;
    const props = [`file=${escapeProperty(f.file)}`, `line=${f.line}`, `col=${f.column}`, `endLine=${f.endLine}`, `endColumn=${f.endColumn}`, `title=${escapeProperty(`${f.ruleId}/${f.slug} (${f.severity})`)}`];
    out.write(`::${COMMAND[f.severity]} ${props.join(',')}::${escapeData(`${f.message} — fix: ${f.fix}`)}\n`);
  }
}

/**
 * A Markdown step summary: counts and a table of every finding. GitHub shows at most 10 error and 10
 * warning annotations per step, so the summary is where the whole list is.
 */
export function githubStepSummary(report: LintReport): string {
  return collect((out) => writeGithubStepSummary(report, out));
}

/** githubStepSummary() into a sink, a row at a time. */
export function writeGithubStepSummary(report: LintReport, out: Sink): void {
  const s = summarize(report);
  const cell = (t: string): string => visibleControls(t).replace(/\|/g, '\\|');
  out.push('## mailharden lint', '', `${s.findings} finding(s) in ${s.files} file(s), ${s.suppressed - s.baselined} suppressed${s.baselined ? `, ${s.baselined} baselined` : ''}.`, '');
  const counts = (Object.entries(s.bySeverity) as [Severity, number][]).filter(([, n]) => n > 0);
  if (counts.length) out.push(counts.map(([sev, n]) => `**${sev}**: ${n}`).join(' · '), '');
  if (report.findings.some((f) => !f.suppressed)) {
    out.push('| Severity | Rule | Location | Message |', '|---|---|---|---|');
    for (const f of report.findings) if (!f.suppressed) out.push(`| ${f.severity} | ${f.ruleId} ${f.slug} | \`${isUri(f.file) ? cell(locationText(f)) : `${cell(f.file)}:${f.line}`}\` | ${cell(f.message)} |`);
  }
}
