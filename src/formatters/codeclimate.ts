import { createHash } from 'node:crypto';
import type { LintReport } from '../core/report.js';
import type { Severity } from '../core/types.js';
import { stringifyVisible } from '../core/visible.js';

/** mailharden severity → Code Climate severity (info, minor, major, critical, blocker), in the same order. */
export const CODECLIMATE_SEVERITY: Record<Severity, string> = { info: 'info', low: 'minor', medium: 'major', high: 'critical', critical: 'blocker' };

/**
 * A GitLab Code Quality report: a JSON array of Code Climate issues, of which GitLab reads
 * `description`, `check_name`, `fingerprint`, `severity`, `location.path` and `location.lines.begin`.
 * Paths are as the other CI formats give them (relative to the repository). Suppressed findings are
 * left out. The fingerprint hashes the rule, the path, the message and the finding's rank among
 * identical ones, not the line, so that the merge request widget does not show a finding as fixed and
 * new again when lines above it move.
 */
export function formatCodeclimate(report: LintReport): string {
  const seen = new Map<string, number>();
  const issues = [];
  for (const f of report.findings) {
    if (f.suppressed) continue;
    const key = [f.ruleId, f.file, f.message].join('\0');
    const rank = seen.get(key) ?? 0;
    seen.set(key, rank + 1);
    const body = [`Fix: ${f.fix}`, ...(f.references.length ? [`References: ${f.references.join(', ')}`] : [])].join('\n\n');
    issues.push({
      type: 'issue',
      engine_name: 'mailharden',
      check_name: `${f.ruleId}/${f.slug}`,
      description: `${f.message} [${f.ruleId}]`,
      content: { body },
      categories: ['Security'],
      severity: CODECLIMATE_SEVERITY[f.severity],
      fingerprint: createHash('md5').update(`${key}\0${rank}`).digest('hex'),
      location: { path: f.file, lines: { begin: f.line, end: Math.max(f.line, f.endLine) } },
    });
  }
  return `${stringifyVisible(issues, 2)}\n`;
}
