import type { RuleMeta } from './rule.js';
import { SEVERITIES, severityRank, type Finding, type Severity } from './types.js';

/** Everything a formatter needs: the findings plus what they came from. */
export interface LintReport {
  tool: { name: string; version: string };
  findings: Finding[];
  /** Files read. */
  files: number;
  /** Metadata of every rule that ran (SARIF lists them). */
  rules: readonly RuleMeta[];
  /** The baseline file applied to the findings (lint --baseline), as shown to the user. */
  baseline?: string;
  /** Files given by name and skipped because their kind could not be told (lint --skip-unknown). */
  skipped?: string[];
}

export interface Summary {
  files: number;
  findings: number;
  bySeverity: Record<Severity, number>;
  /** Every suppressed finding, baselined ones included. */
  suppressed: number;
  /** Of the suppressed findings, those accepted by the baseline. */
  baselined: number;
}

/** Counts of unsuppressed findings by severity, and of suppressed (and of those, baselined) ones. */
export function summarize(report: LintReport): Summary {
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  let suppressed = 0;
  let baselined = 0;
  for (const f of report.findings) {
    if (f.suppressed) {
      suppressed++;
      if (f.suppression?.kind === 'baseline') baselined++;
    } else bySeverity[f.severity]++;
  }
  const findings = report.findings.length - suppressed;
  return { files: report.files, findings, bySeverity, suppressed, baselined };
}

/** Whether any unsuppressed finding is at or above the threshold (`none` never fails). */
export function failsAt(report: LintReport, threshold: Severity | 'none'): boolean {
  if (threshold === 'none') return false;
  const min = severityRank(threshold);
  return report.findings.some((f) => !f.suppressed && severityRank(f.severity) >= min);
}

/** Where each rule's documentation lives, relative to the project home. */
export const HOMEPAGE = 'https://github.com/mailharden/mailharden';
export function docUrl(id: string): string {
  return `${HOMEPAGE}/blob/main/docs/rules/${id}.md`;
}
