import { UserError } from '../core/errors.js';
import { rulesFor, type CheckedFile, type LintReport } from '../core/report.js';
import type { AnyRule } from '../core/rule.js';
import { SEVERITIES, type FileKind, type Finding, type Severity } from '../core/types.js';
import type { Profile } from '../host/layout.js';
import { collect } from './collect.js';
import { optionFinder } from './options.js';
import { lintTarget } from './read.js';
import { joinSameCause } from './same-cause.js';

/** A lint job: the files (or the system under `root`), the rules, and the flags that choose among them. */
export interface LintRequest {
  paths: string[];
  rules: readonly AnyRule[];
  type?: FileKind;
  /** An explicit config file, `false` for none, undefined to search from each file upwards. */
  config?: string | false;
  select?: string[];
  ignore?: string[];
  inlineSuppressions?: boolean;
  /** Base for the paths shown in findings (default: the current directory). */
  cwd?: string;
  /** Lint the system laid out under this directory (as '/') instead of paths. */
  root?: string;
  /** The system layout under --root; detected from the tree when absent. */
  profile?: Profile;
  /** A file given by name whose kind cannot be told is skipped (and listed) instead of an error (pre-commit passes such files). */
  skipUnknown?: boolean;
  /** Called after each file with the number done and the total (for a progress line). */
  onProgress?: (done: number, total: number) => void;
  version: string;
}

/** Runs the lint job: find the files, read them, apply the configuration, run the rules. */
export async function lint(req: LintRequest): Promise<LintReport> {
  const cwd = req.cwd ?? process.cwd();
  const options = await optionFinder(req, cwd);
  const findings: Finding[] = [];
  // Not push(...spread): a file can have more findings than the call stack has room for arguments.
  const add = (list: readonly Finding[]): void => {
    for (const f of list) findings.push(f);
  };
  let files: number;
  const skipped: string[] = [];
  const metas = req.rules.map((r) => r.meta);
  let checked: CheckedFile[];
  if (req.root !== undefined) {
    if (req.paths.length) throw new UserError('--root lints the system under its directory; give either --root or paths, not both');
    // Loaded only for --root: the host tree runs lsattr through node:child_process, which linting files does not load.
    const { lintRoot } = await import('./root.js');
    checked = await lintRoot(req.root, req.profile, req.type, cwd, options, add, metas);
    // The host rules judge paths that are not mail files (the queue directory, aliases.db, a program
    // an alias runs): `files` counts every distinct path read or named by a finding (README, JSON).
    files = new Set([...checked.filter((c) => c.kind !== 'host').map((c) => c.file), ...findings.map((f) => f.file)]).size;
  } else {
    const targets = collect(req, cwd, skipped);
    let done = 0;
    checked = [];
    for (const t of targets) {
      const opts = await options(t.abs);
      checked.push({ file: t.shown, kind: t.kind, rules: rulesFor(metas, t.kind, opts.enabled) });
      add(lintTarget(t, opts));
      req.onProgress?.(++done, targets.length);
    }
    files = targets.length;
  }
  joinSameCause(findings);
  return { tool: { name: 'mailharden', version: req.version }, findings, files, rules: metas, checked, ...(skipped.length ? { skipped } : {}) };
}

/** Parses a severity name (for --fail-on). */
export function parseFailOn(value: string): Severity | 'none' {
  if (value === 'none' || (SEVERITIES as readonly string[]).includes(value)) return value as Severity | 'none';
  throw new UserError(`--fail-on: expected one of ${[...SEVERITIES, 'none'].join(', ')}, got "${value}"`);
}
