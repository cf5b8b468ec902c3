import type { LintReport } from '../core/report.js';
import { visibleControls } from '../core/visible.js';
import { locationText } from './location.js';
import { collect, type Sink } from './sink.js';

/** One line per finding, `file:line:col: severity: message [MHnnnn]`, for editors and problem matchers (control characters escaped; a live probe's location: `smtp://host:port (transcript line:col)`). */
export function formatCompact(report: LintReport): string {
  return collect((out) => writeCompact(report, out));
}

/** formatCompact() into a sink, a finding at a time. */
export function writeCompact(report: LintReport, out: Sink): void {
  for (const f of report.findings) if (!f.suppressed) out.write(`${locationText(f)}: ${f.severity}: ${visibleControls(f.message)} [${f.ruleId}]\n`);
}
