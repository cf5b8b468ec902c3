import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { lint, parseFailOn, type LintRequest } from '../lint/request.js';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { failsAt } from '../core/report.js';
import type { FileKind } from '../core/types.js';
import type { Profile } from '../host/layout.js';
import { rules } from '../../rules/index.js';
import { BASELINE_FILE } from '../baseline/name.js';
import { emit, parseFormatSpec, useColor } from './output.js';
import { visibleControls } from '../core/visible.js';
import { writeStdout, stdoutIsTTY } from './stdout.js';

/** The lint request the flags shared by `lint` and `baseline write` describe (paths or --root, kinds, config, rule selection). */
export function lintRequest(paths: string[], root: string | undefined, opts: Record<string, unknown>, version: string): LintRequest {
  return {
    paths,
    rules,
    version,
    ...(root !== undefined ? { root } : {}),
    ...(opts.profile ? { profile: opts.profile as Profile } : {}),
    ...(opts.type ? { type: opts.type as FileKind } : {}),
    ...(opts.config === false ? { config: false as const } : typeof opts.config === 'string' ? { config: opts.config } : {}),
    ...(opts.select ? { select: opts.select as string[] } : {}),
    ...(opts.ignore ? { ignore: opts.ignore as string[] } : {}),
  };
}

/** `mailharden lint`: flags → lint() → formatters → exit code (0 clean, 1 findings at --fail-on). */
export async function runLint(paths: string[], opts: Record<string, unknown>, version: string): Promise<ExitCode> {
  const failOn = parseFailOn(String(opts.failOn));
  const specs = ((opts.format as string[] | undefined) ?? ['text']).map(parseFormatSpec);
  // Only text on stdout is coloured: stdout is asked whether it is a terminal only then (src/cli/stdout.ts).
  const toTerminal = specs.some((s) => s.format === 'text' && !s.file);
  const color = useColor(String(opts.color), () => toTerminal && stdoutIsTTY(), process.env);
  // No paths and no --root: the live system, as `--root /`.
  const root = typeof opts.root === 'string' ? opts.root : paths.length === 0 ? '/' : undefined;
  // A progress line for long runs, on a terminal only, and never mixed into machine output on stdout.
  const machine = specs.some((s) => !s.file && s.format !== 'text');
  const progress = !machine && process.stderr.isTTY ? progressLine(process.stderr) : undefined;
  // The baseline is read first, so that a broken one stops the run before the files are linted.
  const baseline = await loadBaselineFor(opts.baseline);
  const report = await lint({
    ...(progress ? { onProgress: progress.update } : {}),
    ...lintRequest(paths, root, opts, version),
    inlineSuppressions: opts.inlineSuppressions !== false,
    ...(opts.skipUnknown ? { skipUnknown: true } : {}),
  });
  progress?.clear();
  // The live system is this host; a tree or files are named as given.
  if (paths.length) report.target = paths.join(' ');
  else if (root !== undefined && resolve(root) !== '/') report.target = root;
  let notes: string[] = [];
  if (baseline) {
    const { applyBaseline, outcomeNotes, runScope } = baseline.module;
    const { today } = await import('../lint/text.js');
    const cwd = process.cwd();
    // Only the entries this run could match can be "fixed": a lint of one file says nothing of the others.
    const scope = runScope(report, {
      paths: paths.map((p) => resolve(cwd, p)),
      ...(root !== undefined ? { root: resolve(cwd, root) } : {}),
      ...(opts.select ? { select: opts.select as string[] } : {}),
      ...(opts.ignore ? { ignore: opts.ignore as string[] } : {}),
    });
    notes = outcomeNotes(applyBaseline(report, baseline.loaded, cwd, today(), scope), baseline.loaded);
    report.baseline = baseline.loaded.shown;
  }
  await emit(report, specs, color, process.env, (s) => writeStdout(s));
  for (const note of notes) process.stderr.write(`${visibleControls(note, 'lines')}\n`);
  if (report.skipped?.length) process.stderr.write(`mailharden: skipped, no kind mailharden reads: ${report.skipped.map((p) => visibleControls(p)).join(', ')}\n`);
  return failsAt(report, failOn) ? EXIT.findings : EXIT.ok;
}

/**
 * The baseline for `--baseline FILE` (which must exist), `--no-baseline` (none), or by default
 * `.mailharden-baseline.json` in the current directory when there is one. The module is imported
 * only when a baseline is used.
 */
async function loadBaselineFor(flag: unknown) {
  if (flag === false) return undefined;
  const shown = typeof flag === 'string' ? flag : existsSync(BASELINE_FILE) ? BASELINE_FILE : undefined;
  if (shown === undefined) return undefined;
  const module = await import('../baseline/baseline.js');
  if (!existsSync(shown)) throw new UserError(`--baseline: ${shown}: no such file (write one with \`mailharden baseline write -o ${shown}\`)`);
  return { module, loaded: await module.readBaseline(resolve(shown), shown) };
}

/** "files 120/10000" on one terminal line, shown once a run has taken a second, updated at most ten times a second. */
function progressLine(out: NodeJS.WriteStream): { update: (done: number, total: number) => void; clear: () => void } {
  const start = Date.now();
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - start < 1000 || now - last < 100) return;
      last = now;
      shown = true;
      out.write(`\rmailharden: files ${done}/${total}\x1b[K`);
    },
    clear() {
      if (shown) out.write('\r\x1b[K');
    },
  };
}
