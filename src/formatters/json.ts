import { summarize, type LintReport } from '../core/report.js';
import { stringifyVisible } from '../core/visible.js';

/**
 * The documented JSON shape (README, "Output formats"). Suppressed findings are included with
 * `"suppressed": true` and their reason (kind `baseline` for those the baseline accepts); the summary
 * counts them apart.
 */
export function formatJson(report: LintReport): string {
  const findings = report.findings.map((f) => ({
    ruleId: f.ruleId,
    slug: f.slug,
    severity: f.severity,
    message: f.message,
    file: f.file,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    fix: f.fix,
    references: f.references,
    ...(f.related?.length ? { related: f.related } : {}),
    suppressed: f.suppressed,
    ...(f.suppression ? { suppression: f.suppression } : {}),
  }));
  // `baselined` (a part of `suppressed`) is there when a baseline was applied, so the shape without one stays as documented.
  const { baselined, ...summary } = summarize(report);
  // The same JSON, with no raw control or bidi character for a terminal or a viewer to act on.
  return `${stringifyVisible({ tool: report.tool, findings, summary: report.baseline !== undefined ? { ...summary, baselined } : summary }, 2)}\n`;
}
