/** Shared vocabulary of the engine: severities, file kinds, positions and findings. */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Rank of a severity: critical is 4, info is 0. */
export function severityRank(s: Severity): number {
  return SEVERITIES.length - 1 - SEVERITIES.indexOf(s);
}

export const FILE_KINDS = ['sendmail-cf', 'sendmail-mc', 'aliases', 'access', 'tcp-rules', 'qmail-control', 'qmail-run'] as const;
export type FileKind = (typeof FILE_KINDS)[number];

/** 1-based line and column; columns count UTF-16 code units, as editors and SARIF do. */
export interface Position {
  line: number;
  column: number;
}

/** A source range; `end` is exclusive. */
export interface Span {
  start: Position;
  end: Position;
}

/** A problem found while reading a file, kept as data and reported by the parse-error rule. */
export interface ParseProblem {
  message: string;
  span: Span;
}

/** How a finding was suppressed, when it was: a directive, `.mailharden.yaml` ignores, or the baseline of accepted findings. */
export interface Suppression {
  kind: 'inline' | 'config' | 'baseline';
  reason: string;
  /** Where the directive, config entry or baseline entry lives, as `file:line`. */
  source: string;
}

/** One reported problem, ready for the formatters. */
export interface Finding {
  ruleId: string;
  slug: string;
  severity: Severity;
  message: string;
  /** Path as given on the command line or relative to the --root tree. */
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** What to do about it, one sentence. */
  fix: string;
  references: readonly string[];
  tags: readonly string[];
  suppressed: boolean;
  suppression?: Suppression;
  /** The text of the first line of the span, for snippets: at most 500 characters around the column. */
  sourceLine?: string;
  /** The column of sourceLine's first character, when a long line was cut before it (default 1). */
  sourceColumn?: number;
  /** Other places that show the same cause: the line of the cf built from the .mc line reported. */
  related?: RelatedLocation[];
  /**
   * What makes two findings one cause, for rules that read both a .mc and a cf: the rule and the values
   * it judged (its report's data). Not output; the lint job joins a cf's finding to its .mc's by it.
   */
  cause?: string;
  /** What the finding is about, for comparing a file before and after an edit (Report.subject). Not output. */
  subject?: string;
}

/** A place related to a finding (SARIF relatedLocations). */
export interface RelatedLocation {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** What the place is, for a reader: "the same in the cf built from it". */
  message: string;
}
