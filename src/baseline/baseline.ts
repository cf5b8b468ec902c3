/**
 * The baseline: findings accepted when mailharden is adopted on an existing fleet, kept in a JSON
 * file (`.mailharden-baseline.json`) so that lint reports only what is new. Entries are keyed by file,
 * rule and a semantic key, never by line number, so edits elsewhere in a file do not invalidate them;
 * two findings with the same key are counted (`count`), as ESLint's suppressions file does.
 */
import { dirname, relative, resolve, sep } from 'node:path';
import { byCodeUnit } from '../core/compare.js';
import { ruleMatcher } from '../core/glob.js';
import { UserError } from '../core/errors.js';
import { findingKey, type LintReport } from '../core/report.js';
import { FILE_KINDS, type FileKind, type Finding } from '../core/types.js';
import { parseYamlText, readConfigText, sortByPosition } from '../core/yaml-file.js';
import { PROFILES, type Profile } from '../host/layout.js';
import { shownPath } from '../lint/shown-path.js';

import { jsonSyntaxError, lineColumn } from './json-check.js';
import { BASELINE_FILE } from './name.js';

export { BASELINE_FILE };

export interface BaselineEntry {
  /** The finding's file relative to the baseline file's directory (absolute when outside it), with `/`. */
  file: string;
  rule: string;
  /** What the finding is about (findingKey). */
  key: string;
  /** How many findings with this file, rule and key are accepted. */
  count: number;
  /** Why they are accepted (written by hand; kept by `baseline write` and `prune`). */
  reason?: string;
  /** `YYYY-MM-DD`: after this day the entry accepts nothing and its findings are reported again. */
  until?: string;
}

/** What `baseline write` linted, so that `baseline prune` can lint the same without arguments. Paths are relative to the baseline file's directory. */
export interface BaselineRun {
  paths?: string[];
  root?: string;
  type?: FileKind;
  profile?: Profile;
  /** A configuration file, or false for --no-config; absent: searched from each file upwards. */
  config?: string | false;
}

export interface Baseline extends BaselineRun {
  version: 1;
  entries: BaselineEntry[];
}

/** A baseline read from disk, with where it is and where each entry is written. */
export interface LoadedBaseline {
  baseline: Baseline;
  abs: string;
  /** The path as the user gave it (for messages). */
  shown: string;
  /** The directory entry paths are relative to. */
  dir: string;
  /** `file:line` of entry i, for the suppression's source. */
  sourceOf(i: number): string;
}

const DATE = '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$';

/** The JSON Schema of the baseline file (validated with ajv, errors as file:line:col). */
export const BASELINE_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'mailharden baseline',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'entries'],
  properties: {
    version: { const: 1 },
    paths: { type: 'array', items: { type: 'string', minLength: 1 } },
    root: { type: 'string', minLength: 1 },
    type: { enum: [...FILE_KINDS] },
    profile: { enum: [...PROFILES] },
    config: { anyOf: [{ type: 'string', minLength: 1 }, { const: false }] },
    entries: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['file', 'rule', 'key', 'count'],
        properties: {
          file: { type: 'string', minLength: 1 },
          rule: { type: 'string', pattern: '^MH[0-9]{4}$' },
          key: { type: 'string' },
          count: { type: 'integer', minimum: 1 },
          reason: { type: 'string' },
          until: { type: 'string', pattern: DATE },
        },
      },
    },
  },
} as const;


/** A finding's file as the baseline names it: relative to the baseline's directory when inside it, else absolute. */
export function baselinePath(dir: string, cwd: string, file: string): string {
  return shownPath(dir, resolve(cwd, file));
}

const idOf = (e: Pick<BaselineEntry, 'file' | 'rule' | 'key'>): string => `${e.file}\0${e.rule}\0${e.key}`;

/** Rule ids whose findings nobody may silence (an open relay): never baselined either. */
export function unsuppressibleRules(report: LintReport): Set<string> {
  return new Set(report.rules.filter((r) => r.suppressible === false).map((r) => r.id));
}

/**
 * The entries for a report's unsuppressed findings, sorted by file, rule and key (so the file diffs
 * well). Reasons and dates of `previous` entries with the same file, rule and key are kept.
 * Findings of rules that cannot be suppressed are left out and returned apart.
 */
export function buildEntries(report: LintReport, cwd: string, dir: string, previous: readonly BaselineEntry[] = []): { entries: BaselineEntry[]; skipped: Finding[] } {
  const fixed = unsuppressibleRules(report);
  const counts = new Map<string, BaselineEntry>();
  const skipped: Finding[] = [];
  for (const f of report.findings) {
    if (f.suppressed) continue;
    if (fixed.has(f.ruleId)) {
      skipped.push(f);
      continue;
    }
    const entry = { file: baselinePath(dir, cwd, f.file), rule: f.ruleId, key: findingKey(f), count: 1 };
    const id = idOf(entry);
    const seen = counts.get(id);
    if (seen) seen.count++;
    else counts.set(id, entry);
  }
  const old = new Map<string, BaselineEntry>();
  for (const e of previous) if (!old.has(idOf(e))) old.set(idOf(e), e);
  const entries = [...counts.values()].map((e) => {
    const was = old.get(idOf(e));
    return { ...e, ...(was?.reason !== undefined ? { reason: was.reason } : {}), ...(was?.until !== undefined ? { until: was.until } : {}) };
  });
  return { entries: sortEntries(entries), skipped };
}

export function sortEntries(entries: BaselineEntry[]): BaselineEntry[] {
  return entries.sort((a, b) => byCodeUnit(a.file, b.file) || byCodeUnit(a.rule, b.rule) || byCodeUnit(a.key, b.key));
}

/**
 * The file's text: fixed key order, one entry per line (a changed entry is a one-line diff), a
 * newline at the end. The same baseline always gives the same bytes.
 */
export function serializeBaseline(b: Baseline): string {
  const lines = ['{', '  "version": 1,'];
  if (b.paths !== undefined) lines.push(`  "paths": [${b.paths.map((p) => JSON.stringify(p)).join(', ')}],`);
  if (b.root !== undefined) lines.push(`  "root": ${JSON.stringify(b.root)},`);
  if (b.type !== undefined) lines.push(`  "type": ${JSON.stringify(b.type)},`);
  if (b.profile !== undefined) lines.push(`  "profile": ${JSON.stringify(b.profile)},`);
  if (b.config !== undefined) lines.push(`  "config": ${JSON.stringify(b.config)},`);
  if (b.entries.length === 0) lines.push('  "entries": []');
  else {
    lines.push('  "entries": [');
    b.entries.forEach((e, i) => {
      const ordered = { file: e.file, rule: e.rule, key: e.key, count: e.count, ...(e.reason !== undefined ? { reason: e.reason } : {}), ...(e.until !== undefined ? { until: e.until } : {}) };
      lines.push(`    ${JSON.stringify(ordered)}${i < b.entries.length - 1 ? ',' : ''}`);
    });
    lines.push('  ]');
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * Reads and validates a baseline file: strict JSON first, then the YAML reader (JSON is YAML), which
 * keeps positions for the schema check. A syntax error or a schema violation is a UserError (exit 2)
 * with `file:line:col`.
 */
export async function readBaseline(abs: string, shown: string): Promise<LoadedBaseline> {
  const text = readConfigText(abs, shown);
  const syntax = jsonSyntaxError(text);
  if (syntax) {
    const at = lineColumn(text, syntax.offset);
    throw new UserError(`${shown}:${at.line}:${at.column}: invalid JSON: ${syntax.message} (${shown} is a mailharden baseline: fix it, or write it again with \`mailharden baseline write\`)`);
  }
  const file = await parseYamlText(text, shown, BASELINE_SCHEMA);
  const errors = [...file.errors];
  const data = file.data as Baseline;
  if (errors.length === 0) {
    data.entries.forEach((e, i) => {
      if (!isRealDate(e.until)) errors.push(`${file.at(['entries', i, 'until'])}: /entries/${i}/until: no such day "${e.until}"`);
    });
  }
  if (errors.length) throw UserError.lines([...sortByPosition(errors), `(${shown} is a mailharden baseline: fix it, or write it again with \`mailharden baseline write\`)`]);
  return {
    baseline: data,
    abs,
    shown,
    dir: dirname(abs),
    sourceOf: (i) => file.at(['entries', i]).replace(/:\d+$/, ''),
  };
}

function isRealDate(d: string | undefined): boolean {
  if (d === undefined) return true;
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().slice(0, 10) === d;
}

/** What applying a baseline did. */
export interface BaselineOutcome {
  /** Findings marked as baselined. */
  baselined: number;
  /** Per entry index: how many findings it matched (expired entries count too, though they accept nothing). */
  matched: number[];
  /** Indexes of entries in scope that match no finding: fixed, or gone. */
  unmatched: number[];
  /** Indexes of entries that match fewer findings than their count (some fixed). */
  partial: number[];
  /** Indexes of expired entries that still match findings (now reported again). */
  expired: number[];
}

/**
 * Marks the report's findings that the baseline accepts as suppressed (kind `baseline`), each entry
 * up to its count, in report order. Findings already suppressed and findings of rules that cannot be
 * suppressed are left alone. `inScope` says which entries this run could have matched (a lint of one
 * file must not call the entries of every other file fixed; see runScope); by default all.
 */
export function applyBaseline(report: LintReport, loaded: LoadedBaseline, cwd: string, today: string, inScope: (abs: string, rule: string) => boolean = () => true): BaselineOutcome {
  const entries = loaded.baseline.entries;
  const byId = new Map<string, number[]>();
  entries.forEach((e, i) => {
    const list = byId.get(idOf(e));
    if (list) list.push(i);
    else byId.set(idOf(e), [i]);
  });
  const matched = entries.map(() => 0);
  const fixed = unsuppressibleRules(report);
  let baselined = 0;
  for (const f of report.findings) {
    if (f.suppressed || fixed.has(f.ruleId)) continue;
    const list = byId.get(idOf({ file: baselinePath(loaded.dir, cwd, f.file), rule: f.ruleId, key: findingKey(f) }));
    if (!list) continue;
    // Entries still in force first, so an expired duplicate does not hide a live one.
    const live = list.find((i) => !expired(entries[i]!, today) && matched[i]! < entries[i]!.count);
    if (live !== undefined) {
      matched[live]!++;
      const e = entries[live]!;
      f.suppressed = true;
      f.suppression = { kind: 'baseline', reason: e.reason ?? 'accepted in the baseline', source: loaded.sourceOf(live) };
      baselined++;
      continue;
    }
    const old = list.find((i) => expired(entries[i]!, today) && matched[i]! < entries[i]!.count);
    if (old !== undefined) matched[old]!++;
  }
  const unmatched: number[] = [];
  const partial: number[] = [];
  const expiredList: number[] = [];
  entries.forEach((e, i) => {
    if (!inScope(resolve(loaded.dir, e.file), e.rule)) return;
    if (matched[i] === 0) unmatched.push(i);
    else if (expired(e, today)) expiredList.push(i);
    else if (matched[i]! < e.count) partial.push(i);
  });
  return { baselined, matched, unmatched, partial, expired: expiredList };
}

function expired(e: BaselineEntry, today: string): boolean {
  return e.until !== undefined && e.until < today;
}

/** The entries without those that match nothing, and with counts lowered to what they match. */
export function prunedEntries(entries: readonly BaselineEntry[], outcome: BaselineOutcome): BaselineEntry[] {
  const gone = new Set(outcome.unmatched);
  const lower = new Set(outcome.partial);
  return entries.flatMap((e, i) => (gone.has(i) ? [] : lower.has(i) ? [{ ...e, count: outcome.matched[i]! }] : [e]));
}

/** Whether an absolute path is one of `scopes` or below one of them (a lint of these paths looks at it). */
export function under(scopes: readonly string[]): (abs: string) => boolean {
  return (abs) => scopes.some((s) => abs === s || abs.startsWith(s.endsWith(sep) ? s : `${s}${sep}`));
}

/**
 * Which entries a lint run could have matched, so that only those can be called fixed: files under
 * the paths (or the --root) it linted, rules that --select and --ignore left on, and, without
 * --root, no rule that only looks at a system tree (host) or a server (probe). Rules switched off in
 * `.mailharden.yaml` are not known here: their entries do match nothing, and prune drops them.
 */
export function runScope(report: LintReport, run: { root?: string; paths: readonly string[]; select?: readonly string[]; ignore?: readonly string[] }): (abs: string, rule: string) => boolean {
  const inside = under(run.root !== undefined ? [run.root] : run.paths);
  const metas = new Map(report.rules.map((r) => [r.id, r]));
  const selected = run.select ? ruleMatcher(run.select) : () => true;
  const ignored = ruleMatcher(run.ignore ?? []);
  return (abs, rule) => {
    if (!inside(abs)) return false;
    const meta = metas.get(rule);
    // A rule this version does not have can match nothing anywhere: its entries are stale.
    if (!meta) return true;
    if (!selected(meta.id, meta.slug) || ignored(meta.id, meta.slug)) return false;
    return run.root !== undefined || meta.kinds.some((k) => k !== 'host' && k !== 'probe');
  };
}

/** A path for the baseline file: relative to its directory, with `/`, or absolute when outside it. */
export function relativeToBaseline(dir: string, abs: string): string {
  const rel = relative(dir, abs);
  if (rel === '') return '.';
  return shownPath(dir, abs);
}

/**
 * The stderr lines for a lint with a baseline: entries that match nothing (fixed?), that match fewer
 * findings than their count, that expired with findings still there. None of them is a failure.
 */
export function outcomeNotes(outcome: BaselineOutcome, loaded: LoadedBaseline): string[] {
  const notes: string[] = [];
  const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
  const stale: string[] = [];
  if (outcome.unmatched.length) stale.push(`${n(outcome.unmatched.length, 'entry matches', 'entries match')} nothing now`);
  if (outcome.partial.length) stale.push(`${n(outcome.partial.length, 'entry matches', 'entries match')} fewer findings than its count`);
  if (stale.length) notes.push(`mailharden: baseline: ${stale.join(', ')} (fixed?): run \`mailharden baseline prune${loaded.shown === BASELINE_FILE ? '' : ` -o ${loaded.shown}`}\``);
  if (outcome.expired.length) {
    const count = outcome.expired.reduce((s, i) => s + outcome.matched[i]!, 0);
    notes.push(`mailharden: baseline: ${n(outcome.expired.length, 'entry has', 'entries have')} expired (until=), so ${n(count, 'finding is', 'findings are')} reported again: ${outcome.expired.map((i) => loaded.sourceOf(i)).join(', ')}`);
  }
  return notes;
}
