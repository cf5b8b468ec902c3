import { byCodeUnit } from './compare.js';
import { parseAs, type AnyDocument } from '../parsers/documents.js';
import type { HostDocument } from '../host/document.js';
import type { ProbeDocument } from '../probe/transcript.js';
import { detached, SourceFile } from './source.js';
import { DirectiveReader, type Directive, type Range, type RuleNames } from './directives.js';
import { formatMessage, type AnyRule, type Report, type RuleContext, type RuleKind, type RuleSettings, type SuppressionUse } from './rule.js';
import { grown } from './typed-array.js';
import { mayBeAuthInfoLine, withoutPasswords } from './secrets.js';
import { SEVERITIES, severityRank, type FileKind, type Finding, type Severity, type Suppression } from './types.js';

/** An out-of-band suppression for a whole file, from `.mailharden.yaml` `ignores:`. */
export interface FileIgnore {
  rules: readonly string[];
  reason: string;
  source: string;
}

export interface LintOptions {
  /** The rules to run, in registry order. */
  rules: readonly AnyRule[];
  /** Ids of the rules that are switched on (after --select/--ignore and config). */
  enabled: ReadonlySet<string>;
  severity: ReadonlyMap<string, Severity>;
  settings: RuleSettings;
  inlineSuppressions: boolean;
  ignores: readonly FileIgnore[];
  /** `YYYY-MM-DD`, for `until=` dates in directives. */
  today: string;
}

/** Id and slug lookup over a rule list. */
const namesCache = new WeakMap<readonly AnyRule[], RuleNames & { byId: Map<string, AnyRule> }>();

export function ruleNames(rules: readonly AnyRule[]): RuleNames & { byId: Map<string, AnyRule> } {
  // Asked for once per file and per host finding, always with the same registry: build it once.
  const cached = namesCache.get(rules);
  if (cached) return cached;
  const byId = new Map<string, AnyRule>();
  const byName = new Map<string, string>();
  for (const r of rules) {
    byId.set(r.meta.id, r);
    byName.set(r.meta.id.toLowerCase(), r.meta.id);
    byName.set(r.meta.slug.toLowerCase(), r.meta.id);
  }
  const names: RuleNames & { byId: Map<string, AnyRule> } = {
    byId,
    resolve: (name) => byName.get(name.toLowerCase()),
    suppressible: (id) => byId.get(id)?.meta.suppressible !== false,
  };
  namesCache.set(rules, names);
  return names;
}

const MAX_SNIPPET = 500;

/** Turns a rule's report into a finding: message, severity override, a span of at least one character. */
function toFinding(meta: AnyRule['meta'], r: Report, opts: LintOptions, placement: Placement, part: SourceFile): Finding {
  const template = meta.messages[r.messageId];
  // Every finding covers at least one character (SARIF and editors need start < end).
  const { start } = r.span;
  const end = r.span.end.line > start.line || (r.span.end.line === start.line && r.span.end.column > start.column) ? r.span.end : { line: start.line, column: start.column + 1 };
  const finding: Finding = {
    ruleId: meta.id,
    slug: meta.slug,
    severity: opts.severity.get(meta.id) ?? r.severity ?? meta.severity,
    message: formatMessage(template ?? r.messageId, r.data),
    file: placement.file(r),
    line: start.line,
    column: start.column,
    endLine: end.line,
    endColumn: end.column,
    fix: r.fix === undefined ? meta.fix : detached(r.fix.length > MAX_FIX ? `${r.fix.slice(0, MAX_FIX - 1)}…` : r.fix),
    references: meta.references,
    tags: meta.tags,
    suppressed: false,
  };
  // Only a rule about what m4 builds (its kinds are the .mc and the cf, nothing else) judges one cause in
  // both; the engine's rules (parse errors, suppressions) are about each file's own text.
  if (meta.kinds.length === 2 && meta.kinds.includes('sendmail-mc') && meta.kinds.includes('sendmail-cf') && meta.phase !== 'post') finding.cause = r.cause === undefined ? causeOf(meta.id, r.data) : `${meta.id}\0${r.cause}`;
  if (r.subject !== undefined) finding.subject = r.subject;
  const text = r.quote === false ? undefined : placement.lineText(r, start.line, part);
  if (text !== undefined) attachSnippet(finding, text);
  return finding;
}

/** A rule's report of the same values in a .mc and in its cf is one cause (src/lint/same-cause.ts). */
function causeOf(id: string, data: Report['data']): string {
  if (!data) return id;
  return `${id}\0${Object.keys(data)
    .sort()
    .map((k) => `${k}=${String(data[k])}`)
    .join('\0')}`;
}

/** Sets a finding's source line from the text of its first line (a window of a long line, around the column). */
export function attachSnippet(finding: Finding, line: string): void {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  // An AuthInfo entry's password is not shown (core/secrets.ts), whatever file holds it.
  if (text.length <= MAX_SNIPPET) {
    finding.sourceLine = shared(withoutPasswords(text));
    return;
  }
  // A long line: only its start and the window are looked at, not all of it once per finding (a line of
  // many megabytes holds as many findings as a rule reports). A window inside a long entry may begin
  // inside a password, so such a finding shows no line.
  const from = Math.max(0, Math.min(finding.column - 1 - 100, text.length - MAX_SNIPPET));
  const secret = mayBeAuthInfoLine(text);
  if (secret && from > 0) return;
  const window = text.slice(from, from + MAX_SNIPPET);
  finding.sourceLine = shared(secret ? withoutPasswords(window) : window);
  if (from > 0) finding.sourceColumn = from + 1;
}

/** The last snippet copied, so that the findings of one line share one copy of it. */
let lastSnippet = '';

function shared(text: string): string {
  if (text !== lastSnippet) lastSnippet = detached(text);
  return lastSnippet;
}

/** The order findings of one kind are returned in (each kind keeps the order it always had). */
export type FindingOrder = (a: Finding, b: Finding) => number;

/** A file's findings: by line, column, rule id. */
export const FILE_ORDER: FindingOrder = (a, b) => a.line - b.line || a.column - b.column || byCodeUnit(a.ruleId, b.ruleId);
/** Host findings: by the file they are about, line, rule id. */
export const HOST_ORDER: FindingOrder = (a, b) => byCodeUnit(a.file, b.file) || a.line - b.line || byCodeUnit(a.ruleId, b.ruleId);
/** Probe findings: by transcript line, rule id. */
export const PROBE_ORDER: FindingOrder = (a, b) => a.line - b.line || byCodeUnit(a.ruleId, b.ruleId);

/** Where a report's finding points: the file it names, and that file's lines (for the snippet). */
export interface Placement {
  file(r: Report): string;
  /** The text of a line of the report's file, when at hand; `part` is the document's text being checked. */
  lineText(r: Report, line: number, part: SourceFile): string | undefined;
}

/** How a runner runs: the kind its rules are for, the options, where findings point, their order. */
export interface RunnerSetup {
  kind: RuleKind;
  opts: LintOptions;
  placement: Placement;
  order: FindingOrder;
  /** Findings kept of one rule; past this only each report's line and severity are (see `omitted`). Unlimited when absent. */
  maxPerRule?: number;
}

/** The suppression bookkeeping a rule sees: empty but for post-phase file rules. */
export interface PhaseInput {
  problems: RuleContext['directiveProblems'];
  uses: readonly SuppressionUse[];
}

const NO_PHASE_INPUT: PhaseInput = { problems: [], uses: [] };

/**
 * The one rule runner, for file, host and probe rules alike: takes the enabled rules of its kind, runs
 * the main-phase rules and then (when asked) the post-phase ones, builds each rule's context (one state
 * per rule for all parts), turns reports into findings (severity overrides, a snippet when the line is
 * at hand, at most `maxPerRule` findings of a rule) and sorts them in its kind's order.
 */
export class RuleRunner {
  /** The findings so far, in report order (sorted by `sorted()`). */
  readonly findings: Finding[] = [];
  /** Findings reported at a line not at hand (outside the part checked): their source line is still to come. */
  readonly unsnipped: Finding[] = [];
  /** What each rule reported past `maxPerRule`, by rule id. */
  readonly omitted = new Map<string, Omitted>();
  private readonly main: AnyRule[];
  private readonly post: AnyRule[];
  private readonly states = new Map<string, unknown>();
  /** Findings kept of each rule so far. */
  private readonly kept = new Map<string, number>();

  constructor(private readonly setup: RunnerSetup) {
    const { kind, opts } = setup;
    ({ main: this.main, post: this.post } = phasesOf(opts, kind));
    this.ctx = this.makeContext();
  }

  /** Runs the main-phase rules over a document (a part of a file, or all of it). */
  runMain(doc: RuleDocument, file: SourceFile, where: { first: boolean; last: boolean }): void {
    for (const rule of this.main) this.check(rule, doc, file, where, NO_PHASE_INPUT);
  }

  /** Runs the post-phase rules, after every main-phase rule has looked. */
  runPost(doc: RuleDocument, file: SourceFile, where: { first: boolean; last: boolean }, input: PhaseInput = NO_PHASE_INPUT): void {
    for (const rule of this.post) this.check(rule, doc, file, where, input);
  }

  /** Both phases over something judged whole (a host tree, a probe transcript); the findings sorted. */
  runWhole(doc: RuleDocument, file: SourceFile): Finding[] {
    this.runMain(doc, file, WHOLE);
    this.runPost(doc, file, WHOLE);
    return this.sorted();
  }

  /** The findings in the kind's order. */
  sorted(): Finding[] {
    return this.findings.sort(this.setup.order);
  }

  /** The rule being checked: the one context below reports and keeps state for it. */
  private current: AnyRule['meta'] | undefined;
  /** One context for every rule of this runner (the rule being checked is `current`), not one a rule and file. */
  private readonly ctx: { file: SourceFile; directiveProblems: PhaseInput['problems']; suppressionUses: PhaseInput['uses']; part: { first: boolean; last: boolean } } & RuleContext;

  private makeContext(): RuleRunner['ctx'] {
    const { states, findings, unsnipped, kept, omitted } = this;
    const { kind, opts, placement, maxPerRule = Infinity } = this.setup;
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const runner = this;
    const ctx: RuleRunner['ctx'] = {
      file: new SourceFile('', ''),
      kind,
      settings: opts.settings,
      directiveProblems: NO_PHASE_INPUT.problems,
      suppressionUses: NO_PHASE_INPUT.uses,
      part: {
        first: true,
        last: true,
        state<T>(init: () => T): T {
          const id = runner.current!.id;
          if (!states.has(id)) states.set(id, init());
          return states.get(id) as T;
        },
      },
      report(r: Report) {
        const meta = runner.current!;
        const n = kept.get(meta.id) ?? 0;
        if (n >= maxPerRule) {
          // Past the limit only a line and a severity are kept (5 bytes), so a rule firing on every
          // line of a huge file costs memory in proportion to its lines, not to whole findings.
          let o = omitted.get(meta.id);
          if (!o) omitted.set(meta.id, (o = new Omitted(meta, r.span.start.line, r.span.start.column)));
          o.add(r.span.start.line, opts.severity.get(meta.id) ?? r.severity ?? meta.severity);
          return;
        }
        kept.set(meta.id, n + 1);
        const f = toFinding(meta, r, opts, placement, ctx.file);
        if (f.sourceLine === undefined && f.line >= 1 && r.quote !== false) unsnipped.push(f);
        findings.push(f);
      },
    };
    return ctx;
  }

  private check(rule: AnyRule, doc: RuleDocument, file: SourceFile, where: { first: boolean; last: boolean }, input: PhaseInput): void {
    const { ctx } = this;
    ctx.file = file;
    ctx.directiveProblems = input.problems;
    ctx.suppressionUses = input.uses;
    ctx.part.first = where.first;
    ctx.part.last = where.last;
    const outer = this.current;
    this.current = rule.meta;
    try {
      rule.check(doc, ctx);
    } finally {
      this.current = outer;
    }
  }
}

/** The enabled rules of a kind by phase, per rule list and set of enabled rules (files share their options). */
const phaseCache = new WeakMap<readonly AnyRule[], WeakMap<ReadonlySet<string>, Map<RuleKind, { main: AnyRule[]; post: AnyRule[] }>>>();

function phasesOf(opts: LintOptions, kind: RuleKind): { main: AnyRule[]; post: AnyRule[] } {
  let byEnabled = phaseCache.get(opts.rules);
  if (!byEnabled) phaseCache.set(opts.rules, (byEnabled = new WeakMap()));
  let byKind = byEnabled.get(opts.enabled);
  if (!byKind) byEnabled.set(opts.enabled, (byKind = new Map()));
  let phases = byKind.get(kind);
  if (!phases) {
    const applicable = opts.rules.filter((r) => r.meta.kinds.includes(kind) && opts.enabled.has(r.meta.id));
    phases = { main: applicable.filter((r) => r.meta.phase !== 'post'), post: applicable.filter((r) => r.meta.phase === 'post') };
    byKind.set(kind, phases);
  }
  return phases;
}

/** Any document a rule receives. */
type RuleDocument = AnyDocument | HostDocument | ProbeDocument;

/** The one part of something judged whole (host trees, probe transcripts). */
const WHOLE = { first: true, last: true };

/**
 * Lints one file of a known kind: parse, read directives, run every enabled rule for the kind, apply
 * suppressions, then run the post-phase rules (which judge the suppressions themselves).
 */
export function lintFile(file: SourceFile, kind: FileKind, opts: LintOptions): Finding[] {
  return lintParsed(file, kind, parseAs(kind, file), opts);
}

/** lintFile for a document parsed already (the --root run keeps documents for the host rules). */
export function lintParsed(file: SourceFile, kind: FileKind, doc: AnyDocument, opts: LintOptions): Finding[] {
  const linter = new PartLinter(file.path, kind, opts);
  linter.part(file, true, doc);
  return linter.finish().findings;
}

/** A file's findings point into the file, with the source line when the part being checked holds it. */
const inPart = (path: string): Placement => ({
  file: () => path,
  lineText: (_r, line, part) => (part.has(line) ? part.line(line) : undefined),
});

/**
 * Lints a file given in parts, in order (a large file read a piece at a time, or a whole file as one
 * part): each part is parsed and the main rules run on it, so nothing of a part outlives it but its
 * findings and what whole-file rules keep in their state. Suppressions are applied when all parts
 * are in, since a `disable` may be closed parts later; then the post-phase rules run.
 */
export class PartLinter {
  private readonly runner: RuleRunner;
  private readonly names: ReturnType<typeof ruleNames>;
  private readonly directives: DirectiveReader | undefined;
  private parts = 0;
  private lastDoc: AnyDocument | undefined;
  private lastFile: SourceFile | undefined;

  constructor(
    private readonly path: string,
    private readonly kind: FileKind,
    private readonly opts: LintOptions,
  ) {
    this.names = ruleNames(opts.rules);
    this.runner = new RuleRunner({ kind, opts, placement: inPart(path), order: FILE_ORDER, maxPerRule: MAX_PER_RULE });
    this.directives = opts.inlineSuppressions ? new DirectiveReader(kind, this.names, opts.today) : undefined;
  }

  /** Parses (unless given the document) and lints one part; `last` for the file's last part. */
  part(file: SourceFile, last: boolean, doc: AnyDocument = parseAs(this.kind, file)): void {
    const first = this.parts++ === 0;
    // The part before is no longer needed: let it go while this one is linted.
    this.lastDoc = undefined;
    this.lastFile = undefined;
    this.directives?.feed(file);
    this.runner.runMain(doc, file, { first, last });
    this.lastDoc = doc;
    this.lastFile = file;
  }

  /** Applies suppressions, runs the post-phase rules; findings sorted, and those still without a source line. */
  finish(): { findings: Finding[]; unsnipped: Finding[] } {
    const file = this.lastFile ?? new SourceFile(this.path, '');
    const doc = this.lastDoc ?? parseAs(this.kind, file);
    const { directives, problems } = this.directives?.finish() ?? { directives: [], problems: [] };
    const { runner, opts, names } = this;
    const { findings } = runner;
    const ranges = indexRanges(directives);
    for (const f of findings) suppress(f, ranges, opts.ignores, names.suppressible(f.ruleId));
    this.summarise(ranges);
    // A directive for rules that are all switched off (--ignore, config) is not "unused".
    const uses = directives.map((d) => ({ span: d.span, ids: d.ids, used: d.used || d.ids.every((id) => !opts.enabled.has(id)) }));
    const before = findings.length;
    runner.runPost(doc, file, { first: this.parts <= 1, last: true }, { problems, uses });
    for (let k = before; k < findings.length; k++) suppress(findings[k]!, new Map(), opts.ignores, names.suppressible(findings[k]!.ruleId));
    return { findings: runner.sorted(), unsnipped: runner.unsnipped };
  }

  /**
   * One finding for what each rule reported past its limit: at the first omitted place, with the
   * highest severity and the number of the omitted reports that no suppression covers (so the exit
   * code is what all of them would give); suppressed itself only when every omitted report is.
   */
  private summarise(ranges: RangeIndex): void {
    const { opts, names, path, lastFile } = this;
    const { findings, unsnipped, omitted } = this.runner;
    for (const [id, o] of omitted) {
      const suppressible = names.suppressible(id);
      let open = 0;
      let worst: Severity | undefined;
      let firstSuppression: Suppression | undefined;
      for (let k = 0; k < o.count; k++) {
        const s = suppression(id, path, o.lines[k]!, ranges, opts.ignores, suppressible);
        if (s) {
          firstSuppression ??= s;
          continue;
        }
        open++;
        const sev = SEVERITIES[o.severities[k]!]!;
        if (worst === undefined || severityRank(sev) > severityRank(worst)) worst = sev;
      }
      const meta = o.meta;
      const f: Finding = {
        ruleId: meta.id,
        slug: meta.slug,
        severity: worst ?? SEVERITIES[o.severities[0]!]!,
        message: `${open || o.count} more ${meta.id} findings in this file are not listed: mailharden lists the first ${MAX_PER_RULE.toLocaleString('en-US')} of a rule in one file`,
        file: path,
        line: o.line,
        column: o.column,
        endLine: o.line,
        endColumn: o.column + 1,
        fix: meta.fix,
        references: meta.references,
        tags: meta.tags,
        suppressed: open === 0,
      };
      if (open === 0 && firstSuppression) f.suppression = firstSuppression;
      if (lastFile?.has(o.line)) attachSnippet(f, lastFile.line(o.line));
      else if (o.line >= 1) unsnipped.push(f);
      findings.push(f);
    }
  }
}

/**
 * Runs the host rules once over a system tree. Each report names the tree path it is about; the
 * finding's file is that path as shown to the user (`show`), and config ignores match it.
 */
export function lintHost(host: HostDocument, opts: LintOptions & { show: (treePath: string) => string }): Finding[] {
  const sources = new Map<string, SourceFile | undefined>();
  const lineOf = (path: string | undefined, line: number): string | undefined => {
    if (path === undefined) return undefined;
    if (!sources.has(path)) {
      const text = host.tree.read(path, 1 << 20);
      sources.set(path, text === undefined ? undefined : new SourceFile(path, text));
    }
    // A binary file's "line" (a .db, which holds a map's values, AuthInfo passwords too) is not shown.
    const text = sources.get(path)?.line(line);
    return text?.includes('\0') ? undefined : text;
  };
  const placement: Placement = { file: (r) => opts.show(r.path ?? '/'), lineText: (r, line) => lineOf(r.path, line) };
  // Post-phase host rules (the one reporting unreadable paths) run last, after every other rule has looked.
  return new RuleRunner({ kind: 'host', opts, placement, order: HOST_ORDER }).runWhole(host, new SourceFile('', ''));
}

/** Runs the probe rules over an SMTP transcript; findings point at transcript lines (the server's words). */
export function lintProbe(doc: ProbeDocument, opts: LintOptions): Finding[] {
  const placement: Placement = { file: () => doc.file.path, lineText: (_r, line) => doc.file.line(line) };
  return new RuleRunner({ kind: 'probe', opts, placement, order: PROBE_ORDER }).runWhole(doc, doc.file);
}

/** Applies `.mailharden.yaml` ignores to a finding made outside lintFile (host rules). */
export function applyIgnores(f: Finding, ignores: readonly FileIgnore[], rules: readonly AnyRule[]): void {
  suppress(f, new Map(), ignores, ruleNames(rules).suppressible(f.ruleId));
}

/**
 * Inline suppression ranges by rule id, each list sorted by first line, with the largest last line
 * of the ranges up to each one (so a finding no range covers stops looking at once).
 */
type RangeIndex = Map<string, { list: Range[]; reach: Float64Array }>;

function indexRanges(directives: readonly Directive[]): RangeIndex {
  const lists = new Map<string, Range[]>();
  for (const d of directives) {
    for (const r of d.ranges) {
      const list = lists.get(r.id);
      if (list) list.push(r);
      else lists.set(r.id, [r]);
    }
  }
  const index: RangeIndex = new Map();
  for (const [id, list] of lists) {
    list.sort((a, b) => a.from - b.from);
    const reach = new Float64Array(list.length);
    let max = 0;
    list.forEach((r, k) => (reach[k] = max = Math.max(max, r.to)));
    index.set(id, { list, reach });
  }
  return index;
}

function suppress(f: Finding, ranges: RangeIndex, ignores: readonly FileIgnore[], suppressible: boolean): void {
  const s = suppression(f.ruleId, f.file, f.line, ranges, ignores, suppressible);
  if (!s) return;
  f.suppressed = true;
  f.suppression = s;
}

/** What suppresses a report of rule `id` at `line` of `file` (marking the directive used), if anything does. */
function suppression(id: string, file: string, line: number, ranges: RangeIndex, ignores: readonly FileIgnore[], suppressible: boolean): Suppression | undefined {
  if (!suppressible) return undefined;
  const entry = ranges.get(id);
  if (entry) {
    const { list, reach } = entry;
    // The last range starting at or before the line, then back while ranges may still reach it.
    let lo = 0;
    let hi = list.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.from <= line) lo = mid + 1;
      else hi = mid - 1;
    }
    for (let k = hi; k >= 0 && reach[k]! >= line; k--) {
      const r = list[k]!;
      if (r.to >= line) {
        r.directive.used = true;
        return { kind: 'inline', reason: r.directive.reason, source: `${file}:${r.directive.span.start.line}` };
      }
    }
  }
  for (const ig of ignores) {
    if (ig.rules.includes(id)) return { kind: 'config', reason: ig.reason, source: ig.source };
  }
  return undefined;
}

/** The longest fix a finding keeps (a rule's fix may quote a value of the file: a megabyte, once a finding). */
const MAX_FIX = 1000;

/**
 * Findings of one rule in one file past which only their lines and severities are kept (and one
 * finding says how many more there were). A real file has a handful; this many means a generated or
 * hostile file, whose every line would otherwise cost a finding of about a kilobyte.
 */
export const MAX_PER_RULE = 20_000;

/** The lines and severities of a rule's reports past MAX_PER_RULE, in typed arrays that double. */
class Omitted {
  lines = new Int32Array(1024);
  severities = new Uint8Array(1024);
  count = 0;

  constructor(
    readonly meta: AnyRule['meta'],
    /** Where the first omitted report is. */
    readonly line: number,
    readonly column: number,
  ) {}

  add(line: number, severity: Severity): void {
    if (this.count === this.lines.length) {
      this.lines = grown(this.lines, this.lines.length * 2);
      this.severities = grown(this.severities, this.severities.length * 2);
    }
    this.lines[this.count] = line;
    this.severities[this.count++] = SEVERITIES.indexOf(severity);
  }
}
