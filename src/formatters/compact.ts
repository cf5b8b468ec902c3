import type { LintReport } from '../core/report.js';

/** One line per finding, `file:line:col: severity: message [MHnnnn]`, for editors and problem matchers. */
export function formatCompact(report: LintReport): string {
  return report.findings
    .filter((f) => !f.suppressed)
    .map((f) => `${f.file}:${f.line}:${f.column}: ${f.severity}: ${f.message} [${f.ruleId}]\n`)
    .join('');
}
