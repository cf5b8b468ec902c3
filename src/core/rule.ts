import type { FileKind, Severity, Span } from './types.js';
import type { DocumentFor } from '../parsers/documents.js';
import type { HostDocument } from '../host/document.js';
import { detached, type SourceFile } from './source.js';
import type { ProbeDocument } from '../probe/transcript.js';
import { visibleControls } from './visible.js';

/**
 * What a rule looks at: one file of a kind, (`host`) a whole system tree under `--root`, or
 * (`probe`) the transcript of an SMTP dialogue with a running server.
 */
export type RuleKind = FileKind | 'host' | 'probe';

/** The document a rule of a kind receives. */
export type RuleDocumentFor<K extends RuleKind> = K extends FileKind ? DocumentFor<K> : K extends 'host' ? HostDocument : ProbeDocument;

/** Static description of a rule: everything the docs, SARIF and `mailharden rules` show. */
export interface RuleMeta<M extends string = string> {
  /** `MHnnnn`, never reused. */
  id: string;
  /** kebab-case alias accepted wherever an id is. */
  slug: string;
  kinds: readonly RuleKind[];
  /** One sentence: what the rule finds. */
  description: string;
  severity: Severity;
  tags: readonly string[];
  /** Benchmark items covered, as `SOURCE:ITEM` (e.g. `DISA-STIG:GEN004660`, `CIS:2.1.21`). */
  references: readonly string[];
  /** Message templates by id; `{name}` is replaced from the report's data. */
  messages: Record<M, string>;
  /** Default remedy, one sentence; a report may give a more specific one. */
  fix: string;
  /** False for findings nobody may silence (an open relay). Defaults to true. */
  suppressible?: boolean;
  /**
   * `post` rules run after all others and see how suppressions were used (unused-suppression rule).
   * Defaults to `main`.
   */
  phase?: 'main' | 'post';
}

/** One problem reported by a rule. */
export interface Report<M extends string = string> {
  messageId: M;
  data?: Record<string, string | number>;
  span: Span;
  /** Overrides meta.fix for this finding. */
  fix?: string;
  /** Overrides meta.severity for this finding (rules whose severity depends on what they found). */
  severity?: Severity;
  /** Host rules: the path in the tree the finding is about (the span is then a position in that file). */
  path?: string;
  /**
   * What the report judges, for a rule that reads both a .mc and a cf and words one cause differently in
   * each: a .mc finding and a cf finding with the same cause are one (default: the message's data).
   */
  cause?: string;
  /**
   * What the finding is about, when the message words it in a way that varies with things that are no
   * change of the problem (a count, "entry" or "entries", a list of flags that grows or shrinks): apply's
   * gate takes a finding with the same rule and subject as the one the file already had (default: the
   * message without its numbers, findingKey).
   */
  subject?: string;
  /**
   * false: the finding shows no source line (a file of passwords, as the DefaultAuthInfo file, whose
   * every line is a secret or names one; core/secrets.ts redacts the AuthInfo entries of the maps).
   */
  quote?: false;
}

/** Settings that change what some rules require, from `.mailharden.yaml` `settings:`. */
export interface RuleSettings {
  /** Require the MTA to listen on loopback only (CIS 2.1.21 local-only mode). */
  localOnly: boolean;
  /** The programs the smrsh directory may hold (paths or names); unset: no allowlist to check. */
  smrshAllow?: readonly string[];
}

/** The part of a file a rule is looking at (RuleContext.part). */
export interface FilePart {
  readonly first: boolean;
  readonly last: boolean;
  /** This rule's state for the whole file: made by `init` in the first part, the same object in every later one. */
  state<T>(init: () => T): T;
}

/** Suppression bookkeeping handed to post-phase rules. */
export interface SuppressionUse {
  span: Span;
  ids: readonly string[];
  used: boolean;
}

export interface RuleContext<M extends string = string> {
  /** The linted file; for host rules, an empty stand-in (reports name their path). */
  readonly file: SourceFile;
  readonly kind: RuleKind;
  readonly settings: RuleSettings;
  /** Problems with suppression directives found while reading the file (for engine rules). */
  readonly directiveProblems: readonly { code: 'unknown-id' | 'no-reason' | 'not-suppressible' | 'unclosed' | 'malformed' | 'expired'; message: string; span: Span }[];
  /** Only in the post phase: every inline suppression and whether it silenced anything. */
  readonly suppressionUses: readonly SuppressionUse[];
  /**
   * Which part of the file the document holds. A large file of a kind that can be cut (aliases) is
   * linted in parts, each parsed alone; most rules judge what they see and need not care. A rule that
   * judges the whole file keeps what it learns in `state` and reports when `last` is true. A file
   * read whole is one part, first and last.
   */
  readonly part: FilePart;
  report(r: Report<M>): void;
}

export interface Rule<K extends RuleKind = RuleKind, M extends string = string> {
  meta: RuleMeta<M> & { kinds: readonly K[] };
  check(doc: RuleDocumentFor<K>, ctx: RuleContext<M>): void;
}

/** Typed constructor for a rule: message ids and the document type follow from the metadata. */
export function defineRule<K extends RuleKind, M extends string>(rule: Rule<K, M>): Rule<K, M> {
  return rule;
}

/** Any rule, as the registry holds them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyRule = Rule<any, string>;

/**
 * Under the test runner (or with MAILHARDEN_STRICT_MESSAGES=1) a placeholder the data does not fill is
 * an error, so a rule whose report lacks a name its message uses fails its tests; in use the message
 * keeps `{name}` as written rather than losing the finding.
 */
const STRICT_MESSAGES = process.env.NODE_TEST_CONTEXT !== undefined || process.env.MAILHARDEN_STRICT_MESSAGES === '1';

/** Expands `{name}` placeholders in a message template. */
export function formatMessage(template: string, data: Record<string, string | number> = {}): string {
  // Values can hold a newline or TAB from a continued line; a message stays one line (compact output),
  // and a value quoted from a very long line is shortened.
  const parts = templateParts(template);
  let out = parts[0]!;
  for (let k = 1; k < parts.length; k += 2) {
    const key = parts[k]!;
    if (!(key in data) && STRICT_MESSAGES) throw new Error(`message "${template}" has a placeholder {${key}} that the report's data does not fill`);
    out += (key in data ? shown(String(data[key])) : `{${key}}`) + parts[k + 1]!;
  }
  // A copy: the values are often slices of a file's text or of a longer value, and the joined message
  // would keep all of that alive for as long as the finding (a 20,000-character variable quoted by
  // 20,000 findings held 547 MB).
  return parts.length > 1 ? detached(out) : out;
}

/** Templates split once into text and placeholder names (text, name, text, …): a large file has tens of thousands of findings. */
const splitTemplates = new Map<string, string[]>();

function templateParts(template: string): string[] {
  let parts = splitTemplates.get(template);
  if (parts) return parts;
  parts = [];
  let last = 0;
  for (const m of template.matchAll(/\{(\w+)\}/g)) {
    parts.push(template.slice(last, m.index), m[1]!);
    last = m.index + m[0].length;
  }
  parts.push(template.slice(last));
  // Templates come from the rules' metadata: a bounded set, but the cache stays bounded whatever comes.
  if (splitTemplates.size < 10_000) splitTemplates.set(template, parts);
  return parts;
}

const MAX_VALUE = 200;

/**
 * A value as a message shows it: escaped, then shortened. Only its first MAX_VALUE + 1 characters are
 * escaped (escaping never shortens, so what is cut could not be shown): a value of megabytes quoted
 * by thousands of findings is not scanned whole for each.
 */
function shown(raw: string): string {
  return clipValue(visibleControls(raw.length > MAX_VALUE + 1 ? raw.slice(0, MAX_VALUE + 1) : raw));
}

/** A value shortened to MAX_VALUE characters. */
function clipValue(s: string): string {
  return s.length > MAX_VALUE ? `${s.slice(0, MAX_VALUE - 1)}…` : s;
}
