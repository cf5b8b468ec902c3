import { existsSync } from 'node:fs';
import { writeOutputFile } from '../write-file.js';
import { dirname, resolve } from 'node:path';
import {
  applyBaseline,
  BASELINE_FILE,
  buildEntries,
  prunedEntries,
  readBaseline,
  relativeToBaseline,
  runScope,
  serializeBaseline,
  type Baseline,
  type BaselineRun,
} from '../baseline/baseline.js';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { today } from '../lint/text.js';
import type { FileKind } from '../core/types.js';
import type { Profile } from '../host/layout.js';
import { lint } from '../lint/request.js';
import { lintRequest } from './lint-command.js';
import { rules } from '../../rules/index.js';
import { writeStdout } from './stdout.js';

/**
 * `mailharden baseline write [PATHS...]`: lints like `mailharden lint` (same paths, --root, --type,
 * --config) and writes every unsuppressed finding into the baseline, with what was linted, so that
 * `baseline prune` can lint the same later. Reasons and until= dates of entries already in the file are kept.
 */
export async function runBaselineWrite(paths: string[], opts: Record<string, unknown>, version: string): Promise<ExitCode> {
  const cwd = process.cwd();
  const shown = typeof opts.output === 'string' ? opts.output : BASELINE_FILE;
  const abs = resolve(cwd, shown);
  const dir = dirname(abs);
  // An existing baseline is read first: a broken one stops here instead of being overwritten, and its reasons carry over.
  const previous = existsSync(abs) ? await readBaseline(abs, shown) : undefined;
  // No paths and no --root: the live system, as lint does.
  const root = typeof opts.root === 'string' ? opts.root : paths.length === 0 ? '/' : undefined;
  const run: BaselineRun = {
    ...(root !== undefined ? { root: relativeToBaseline(dir, resolve(cwd, root)) } : { paths: paths.map((p) => relativeToBaseline(dir, resolve(cwd, p))) }),
    ...(opts.type ? { type: opts.type as FileKind } : {}),
    ...(opts.profile ? { profile: opts.profile as Profile } : {}),
    ...(opts.config === false ? { config: false as const } : typeof opts.config === 'string' ? { config: relativeToBaseline(dir, resolve(cwd, opts.config)) } : {}),
  };
  const report = await lint(lintRequest(paths, root, opts, version));
  const { entries, skipped } = buildEntries(report, cwd, dir, previous?.baseline.entries);
  writeBaseline(abs, { version: 1, ...run, entries });
  const findings = entries.reduce((n, e) => n + e.count, 0);
  writeStdout(`${shown}: ${plural(entries.length, 'entry', 'entries')} for ${plural(findings, 'finding', 'findings')} in ${plural(report.files, 'file', 'files')}\n`);
  if (skipped.length) {
    const ids = [...new Set(skipped.map((f) => f.ruleId))].sort().join(', ');
    process.stderr.write(`mailharden: baseline: ${plural(skipped.length, 'finding', 'findings')} of rules that cannot be suppressed (${ids}) not baselined: they are always reported\n`);
  }
  return EXIT.ok;
}

/**
 * `mailharden baseline prune`: lints what the baseline says was linted and rewrites the file without
 * the entries that match nothing now (counts lowered to what still matches). Entries for files
 * outside those paths are kept.
 */
export async function runBaselinePrune(opts: Record<string, unknown>, version: string): Promise<ExitCode> {
  const cwd = process.cwd();
  const shown = typeof opts.output === 'string' ? opts.output : BASELINE_FILE;
  const abs = resolve(cwd, shown);
  if (!existsSync(abs)) throw new UserError(`${shown}: no such file (write one with \`mailharden baseline write\`)`);
  const loaded = await readBaseline(abs, shown);
  const b = loaded.baseline;
  const at = (p: string): string => resolve(loaded.dir, p);
  // A baseline without paths or root (written by hand) stands for the live system, as a bare `lint` does.
  const root = b.root !== undefined ? at(b.root) : b.paths?.length ? undefined : '/';
  const paths = root === undefined ? (b.paths ?? []).map(at) : [];
  // A path deleted since (the usual way a file's findings go) is not linted, and its entries, which
  // are in scope, match nothing and are pruned; the same for a deleted config file.
  const config = typeof b.config === 'string' && !existsSync(at(b.config)) ? false : b.config;
  const report = await lint({
    paths: paths.filter((p) => existsSync(p)),
    rules,
    version,
    ...(root !== undefined ? { root } : {}),
    ...(b.profile ? { profile: b.profile } : {}),
    ...(b.type ? { type: b.type } : {}),
    ...(config === false ? { config: false as const } : typeof config === 'string' ? { config: at(config) } : {}),
  });
  const outcome = applyBaseline(report, loaded, cwd, today(), runScope(report, root !== undefined ? { root, paths } : { paths }));
  const entries = prunedEntries(b.entries, outcome);
  const dropped = outcome.unmatched.length;
  const lowered = outcome.partial.length;
  if (dropped === 0 && lowered === 0) {
    writeStdout(`${shown}: nothing to prune (${plural(entries.length, 'entry', 'entries')})\n`);
    return EXIT.ok;
  }
  writeBaseline(abs, { ...b, entries });
  const what = [dropped ? `removed ${plural(dropped, 'entry that matches', 'entries that match')} nothing` : '', lowered ? `lowered the count of ${plural(lowered, 'entry', 'entries')}` : ''].filter(Boolean).join(', ');
  writeStdout(`${shown}: ${what}; ${plural(entries.length, 'entry', 'entries')} left\n`);
  return EXIT.ok;
}

/** Writes the baseline through a temp file and a rename, so a reader never sees half of it. */
function writeBaseline(abs: string, b: Baseline): void {
  try {
    writeOutputFile(abs, serializeBaseline(b), 0o644);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${abs}: cannot write: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.runtime);
  }
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}
