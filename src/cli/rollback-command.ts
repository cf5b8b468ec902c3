import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { rollback } from '../apply/rollback.js';
import { rootDir } from './root-dir.js';
import { visibleControls } from '../core/visible.js';
import { writeStdout } from './stdout.js';

/** `mailharden rollback [RUN]` and `rollback --list`: flags → rollback() → exit code (0, 2, 3, 5, 6). */
export async function runRollback(run: string | undefined, opts: Record<string, unknown>): Promise<ExitCode> {
  const root = rootDir(opts.root);
  if (opts.list && (run !== undefined || opts.dryRun || opts.force || opts.allowChattr)) throw new UserError('--list takes no RUN, --dry-run, --force or --allow-chattr', EXIT.usage);
  return rollback({
    root,
    ...(typeof opts.backupDir === 'string' ? { backupDir: opts.backupDir } : {}),
    ...(run !== undefined ? { run } : {}),
    list: Boolean(opts.list),
    dryRun: Boolean(opts.dryRun),
    force: Boolean(opts.force),
    allowChattr: Boolean(opts.allowChattr),
    // Paths and link texts come from the host: shown escaped (each message escapes its own parts too).
    out: (s) => writeStdout(visibleControls(s, 'lines')),
    err: (s) => process.stderr.write(visibleControls(s, 'lines')),
  });
}

/** `apply --keep N`: a whole number of at least 1. */
export function keepCount(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !/^[1-9]\d{0,5}$/.test(v)) throw new UserError(`--keep ${visibleControls(String(v))}: a number of runs, at least 1`, EXIT.usage);
  return Number(v);
}
