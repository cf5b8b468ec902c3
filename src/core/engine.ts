import { byCodeUnit } from './compare.js';
import { parseAs } from '../parsers/documents.js';
import { readDirectives, type Directive, type RuleNames } from './directives.js';
import { formatMessage, type AnyRule, type Report, type RuleSettings } from './rule.js';
import type { SourceFile } from './source.js';
import type { FileKind, Finding, Severity, Span } from './types.js';

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
export function ruleNames(rules: readonly AnyRule[]): RuleNames & { byId: Map<string, AnyRule> } {
  const byId = new Map<string, AnyRule>();
  const byName = new Map<string, string>();
  for (const r of rules) {
    byId.set(r.meta.id, r);
    byName.set(r.meta.id.toLowerCase(), r.meta.id);
    byName.set(r.meta.slug.toLowerCase(), r.meta.id);
  }
  return {
    byId,
    resolve: (name) => byName.get(name.toLowerCase()),
    suppressible: (id) => byId.get(id)?.meta.suppressible !== false,
  };
}

const MAX_SNIPPET = 500;

/**
 * Lints one file of a known kind: parse, read directives, run every enabled rule for the kind, apply
 * suppressions, then run the post-phase rules (which judge the suppressions themselves).
 */
export function lintFile(file: SourceFile, kind: FileKind, opts: LintOptions): Finding[] {
  const names = ruleNames(opts.rules);
  const doc = parseAs(kind, file);
  const { directives, problems } = opts.inlineSuppressions ? readDirectives(file, kind, names, opts.today) : { directives: [], problems: [] };
  const findings: Finding[] = [];
  const applicable = opts.rules.filter((r) => r.meta.kinds.includes(kind) && opts.enabled.has(r.meta.id));

  const run = (rule: AnyRule, uses: { span: Span; ids: string[]; used: boolean }[]): void => {
    const meta = rule.meta;
    const ctx = {
      file,
      kind,
      settings: opts.settings,
      directiveProblems: problems,
      suppressionUses: uses,
      report(r: Report) {
        const template = meta.messages[r.messageId];
        const severity = opts.severity.get(meta.id) ?? r.severity ?? meta.severity;
        const sourceLine = file.line(r.span.start.line).replace(/\r$/, '');
        // Every finding covers at least one character (SARIF and editors need start < end).
        const { start } = r.span;
        const end = r.span.end.line > start.line || (r.span.end.line === start.line && r.span.end.column > start.column) ? r.span.end : { line: start.line, column: start.column + 1 };
        findings.push({
          ruleId: meta.id,
          slug: meta.slug,
          severity,
          message: formatMessage(template ?? r.messageId, r.data),
          file: file.path,
          line: start.line,
          column: start.column,
          endLine: end.line,
          endColumn: end.column,
          fix: r.fix ?? meta.fix,
          references: meta.references,
          tags: meta.tags,
          suppressed: false,
          sourceLine: sourceLine.length > MAX_SNIPPET ? sourceLine.slice(0, MAX_SNIPPET) : sourceLine,
        });
      },
    };
    rule.check(doc, ctx);
  };

  for (const rule of applicable) if (rule.meta.phase !== 'post') run(rule, []);
  for (const f of findings) suppress(f, directives, opts.ignores, names.suppressible(f.ruleId), file.path);
  const uses = directives.map((d) => ({ span: d.span, ids: d.ids, used: d.used }));
  const before = findings.length;
  for (const rule of applicable) if (rule.meta.phase === 'post') run(rule, uses);
  for (const f of findings.slice(before)) suppress(f, [], opts.ignores, names.suppressible(f.ruleId), file.path);
  return findings.sort((a, b) => a.line - b.line || a.column - b.column || byCodeUnit(a.ruleId, b.ruleId));
}

function suppress(f: Finding, directives: Directive[], ignores: readonly FileIgnore[], suppressible: boolean, path: string): void {
  if (!suppressible) return;
  for (const d of directives) {
    if (d.ids.includes(f.ruleId) && f.line >= d.fromLine && f.line <= d.toLine) {
      d.used = true;
      f.suppressed = true;
      f.suppression = { kind: 'inline', reason: d.reason, source: `${path}:${d.span.start.line}` };
      return;
    }
  }
  for (const ig of ignores) {
    if (ig.rules.includes(f.ruleId)) {
      f.suppressed = true;
      f.suppression = { kind: 'config', reason: ig.reason, source: ig.source };
      return;
    }
  }
}
