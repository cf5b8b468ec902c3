import { summarize, type LintReport } from '../core/report.js';
import type { Finding } from '../core/types.js';
import { stringifyVisible } from '../core/visible.js';
import { collect, HOLE, mapped, writeJsonWithArray, type Sink } from './sink.js';

/**
 * The documented JSON shape (README, "Output formats"). Suppressed findings are included with
 * `"suppressed": true` and their reason (kind `baseline` for those the baseline accepts); the summary
 * counts them apart.
 */
export function formatJson(report: LintReport): string {
  return collect((out) => writeJson(report, out));
}

/** formatJson() into a sink, a finding at a time. */
export function writeJson(report: LintReport, out: Sink): void {
  // `baselined` (a part of `suppressed`) is there when a baseline was applied, so the shape without one stays as documented.
  const { baselined, ...summary } = summarize(report);
  // The same JSON, with no raw control or bidi character for a terminal or a viewer to act on.
  const doc = { tool: report.tool, findings: HOLE, summary: report.baseline !== undefined ? { ...summary, baselined } : summary };
  writeJsonWithArray(out, doc, mapped(report.findings, shown), stringifyVisible);
  out.write('\n');
}

function shown(f: Finding) {
  return {
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
  };
}
