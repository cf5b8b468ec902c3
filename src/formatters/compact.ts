import type { LintReport } from '../core/report.js';
import { visibleControls } from '../core/visible.js';
import { locationText } from './location.js';

/** One line per finding, `file:line:col: severity: message [MHnnnn]`, for editors and problem matchers (control characters escaped; a live probe's location: `smtp://host:port (transcript line:col)`). */
export function formatCompact(report: LintReport): string {
  return report.findings
    .filter((f) => !f.suppressed)
    .map((f) => `${locationText(f)}: ${f.severity}: ${visibleControls(f.message)} [${f.ruleId}]\n`)
    .join('');
}
