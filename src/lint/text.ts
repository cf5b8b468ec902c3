import { lintFile, type LintOptions } from '../core/engine.js';
import type { AnyRule, RuleSettings } from '../core/rule.js';
import { SourceFile } from '../core/source.js';
import type { FileKind, Finding } from '../core/types.js';

export const DEFAULT_SETTINGS: RuleSettings = { localOnly: false };

/** Today's date as `YYYY-MM-DD` (UTC). */
export function today(): string {
  // As toISOString().slice(0, 10) for the years 0 to 9999, without its first call's cost at start-up.
  const d = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  return `${String(d.getUTCFullYear()).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/** Lints a text as one file of a known kind with every given rule on; the simplest entry point. */
export function lintText(text: string, kind: FileKind, rules: readonly AnyRule[], opts: Partial<Omit<LintOptions, 'rules'>> & { path?: string } = {}): Finding[] {
  return lintFile(new SourceFile(opts.path ?? `input.${kind}`, text), kind, lintOptions(rules, opts));
}

/** Lint options with every given rule on, and the defaults for what `opts` does not say. */
export function lintOptions(rules: readonly AnyRule[], opts: Partial<Omit<LintOptions, 'rules'>> = {}): LintOptions {
  return {
    rules,
    enabled: opts.enabled ?? new Set(rules.map((r) => r.meta.id)),
    severity: opts.severity ?? new Map(),
    settings: opts.settings ?? DEFAULT_SETTINGS,
    inlineSuppressions: opts.inlineSuppressions ?? true,
    ignores: opts.ignores ?? [],
    today: opts.today ?? today(),
  };
}
