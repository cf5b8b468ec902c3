import type { RuleKind, RuleMeta } from './rule.js';
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
  /**
   * What was checked, as findings name it, with the ids of the rules that judged it (on for it and
   * made for its kind): the files read, and for `--root` the tree itself (its host rules). The reports
   * that list passed checks (junit, xccdf, html) need it; absent, only what failed can be told.
   */
  checked?: readonly CheckedFile[];
  /** What the run checked, for the reports that name it (xccdf, html): the paths, the tree, the server. */
  target?: string;
}

/** A file (or a `--root` tree) that was checked, and the rules that judged it. */
export interface CheckedFile {
  file: string;
  /** The file's kind, or `host` for a tree under --root. */
  kind: RuleKind;
  rules: readonly string[];
}

/** The ids of the rules of `all` that judge a file of `kind` when `enabled` are on; files with the same share one list. */
export function rulesFor(all: readonly RuleMeta[], kind: RuleKind, enabled: ReadonlySet<string>): readonly string[] {
  // Files that share their options share the set of enabled rules: the list is worked out once for them.
  let byEnabled = listCache.get(all);
  if (!byEnabled) listCache.set(all, (byEnabled = new WeakMap()));
  let byKind = byEnabled.get(enabled);
  if (!byKind) byEnabled.set(enabled, (byKind = new Map()));
  const cached = byKind.get(kind);
  if (cached) return cached;
  const list = listFor(all, kind, enabled);
  byKind.set(kind, list);
  return list;
}
const listCache = new WeakMap<readonly RuleMeta[], WeakMap<ReadonlySet<string>, Map<RuleKind, readonly string[]>>>();

function listFor(all: readonly RuleMeta[], kind: RuleKind, enabled: ReadonlySet<string>): readonly string[] {
  const ids = all.filter((m) => m.kinds.includes(kind) && enabled.has(m.id)).map((m) => m.id);
  const key = `${kind}\0${ids.join(',')}`;
  const known = ruleLists.get(key);
  if (known) return known;
  // A bound, so that a tree with a configuration in every directory cannot grow the table without end.
  if (ruleLists.size < 1000) ruleLists.set(key, ids);
  return ids;
}
const ruleLists = new Map<string, readonly string[]>();

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

/**
 * The semantic key of a finding: its message, with every number outside double quotes replaced by `#`.
 *
 * Why the message and not the text under the finding's span: rule messages name what the finding is
 * about (the option, the alias, the access or tcprules key, the path, the missing flag), while the
 * span text often is not stable. A finding about something absent points at an arbitrary anchor (the
 * first line of the file, which a new comment at the top replaces; the first statement, shared by
 * five MH1023 findings that only the message tells apart); and the PrivacyOptions findings point at
 * the whole flag list, which changes when one of the missing flags is added, so fixing one baselined
 * finding would bring back the others as new.
 *
 * Why numbers outside quotes go: they are line numbers of other lines ("continues the comment on
 * line 7"), counts of lines and timestamps, which change with unrelated edits. Only whole numbers:
 * digits that are part of a word stay (`m4`, `cfhead.m4`). Numbers inside quotes
 * stay: there they are part of a quoted name or value (`"Connect:10"`, `"O LogLevel=9"`), and keep
 * the findings about two different keys apart. Keys that still coincide are counted, not merged away.
 *
 * The cost: a later mailharden version that rewords a message makes its entries match nothing
 * (`baseline write` again after an upgrade).
 */
export function findingKey(f: Pick<Finding, 'message'>): string {
  return f.message.replace(/"[^"]*"|\b\d+\b/g, (m) => (m.startsWith('"') ? m : '#'));
}
