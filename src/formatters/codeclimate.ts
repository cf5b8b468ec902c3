import { createHash } from 'node:crypto';
import type { LintReport } from '../core/report.js';
import type { Finding, Severity } from '../core/types.js';
import { stringifyVisible } from '../core/visible.js';
import { collect, HOLE, mapped, writeJsonWithArray, type Sink } from './sink.js';

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
  return collect((out) => writeCodeclimate(report, out));
}

/** formatCodeclimate() into a sink, a finding at a time. */
export function writeCodeclimate(report: LintReport, out: Sink): void {
  const seen = new Map<string, number>();
  const issue = (f: Finding) => {
    if (f.suppressed) return null;
    const key = [f.ruleId, f.file, f.message].join('\0');
    const rank = seen.get(key) ?? 0;
    seen.set(key, rank + 1);
    const body = [`Fix: ${f.fix}`, ...(f.references.length ? [`References: ${f.references.join(', ')}`] : [])].join('\n\n');
    return {
      type: 'issue',
      engine_name: 'mailharden',
      check_name: `${f.ruleId}/${f.slug}`,
      description: `${f.message} [${f.ruleId}]`,
      content: { body },
      categories: ['Security'],
      severity: CODECLIMATE_SEVERITY[f.severity],
      fingerprint: createHash('md5').update(`${key}\0${rank}`).digest('hex'),
      location: { path: f.file, lines: { begin: f.line, end: Math.max(f.line, f.endLine) } },
    };
  };
  writeJsonWithArray(out, HOLE, mapped(report.findings, issue), stringifyVisible);
  out.write('\n');
}
