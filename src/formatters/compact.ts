import type { LintReport } from '../core/report.js';
import { visibleControls } from '../core/visible.js';

/** One line per finding, `file:line:col: severity: message [MHnnnn]`, for editors and problem matchers (control characters escaped). */
export function formatCompact(report: LintReport): string {
  return report.findings
    .filter((f) => !f.suppressed)
    .map((f) => `${visibleControls(f.file)}:${f.line}:${f.column}: ${f.severity}: ${visibleControls(f.message)} [${f.ruleId}]\n`)
    .join('');
}
