/**
 * The library entry point: lint files or text with mailharden's rules, and format the result.
 * A composition root like the CLI: it is one of the two places that import the rule registry.
 */
import { lint as lintPaths, type LintRequest } from './lint/request.js';
import { lintText as lintTextWith } from './lint/text.js';
import type { LintReport } from './core/report.js';
import type { FileKind, Finding } from './core/types.js';
import { rules } from '../rules/index.js';
import { VERSION } from './paths.js';

export { rules };
export { formatText } from './formatters/text.js';
export { formatCompact } from './formatters/compact.js';
export { formatJson } from './formatters/json.js';
export { formatSarif } from './formatters/sarif.js';
export { formatGithub, githubStepSummary } from './formatters/github.js';
export { failsAt, summarize, type LintReport, type Summary } from './core/report.js';
export { UserError } from './core/errors.js';
export { defineRule, type Rule, type RuleMeta, type RuleContext, type AnyRule } from './core/rule.js';
export { SEVERITIES, FILE_KINDS, type Severity, type FileKind, type Finding, type Span, type Position } from './core/types.js';

/** Lints files and directories as `mailharden lint` does (configuration files included). */
export function lint(paths: string[], options: Omit<LintRequest, 'paths' | 'rules' | 'version'> & { rules?: LintRequest['rules'] } = {}): Promise<LintReport> {
  return lintPaths({ ...options, paths, rules: options.rules ?? rules, version: VERSION });
}

/** Lints a text as one file of the given kind with every rule. */
export function lintText(text: string, kind: FileKind, path?: string): Finding[] {
  return lintTextWith(text, kind, rules, path ? { path } : {});
}
