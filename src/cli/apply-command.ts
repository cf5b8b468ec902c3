import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { applyPolicy, type ApplyOptions } from '../apply/run.js';
import { ApplyJson } from '../apply/json.js';
import { VERSION } from '../paths.js';
import { loadPolicy } from '../policy/validate.js';
import { loadTemplates } from '../render/templates.js';
import { rules } from '../../rules/index.js';
import { rootDir } from './root-dir.js';
import { stringifyVisible, visibleControls } from '../core/visible.js';
import { keepCount } from './rollback-command.js';
import { writeStdout } from './stdout.js';

/** `mailharden apply POLICY`: flags → applyPolicy() → exit code (0, 1 pending with --exit-code, 2, 3, 4, 5). */
export async function runApply(policyPath: string, opts: Record<string, unknown>): Promise<ExitCode> {
  const policy = await loadPolicy(policyPath);
  const root = rootDir(opts.root);
  if (opts.exitCode && !opts.dryRun) throw new UserError('--exit-code needs --dry-run', EXIT.usage);
  if (opts.reload && (opts.dryRun || root !== '/')) throw new UserError('--reload acts on the running daemon: only for a real apply on / (no --dry-run, no --root)', EXIT.usage);
  const keep = keepCount(opts.keep);
  if (keep !== undefined && opts.backup === false) throw new UserError('--keep needs backups: it keeps the newest run directories, and --no-backup makes none', EXIT.usage);
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UserError(`--format: "${visibleControls(String(format))}" is not text or json`, EXIT.usage);
  // JSON: stdout is one document (schemas/apply-plan.json), written when the run ends, also when it
  // fails; the notes go to stderr as always, and into the document.
  const json = format === 'json' ? new ApplyJson(VERSION, policyPath, root, Boolean(opts.dryRun)) : undefined;
  const err = (s: string): void => {
    json?.note(s);
    process.stderr.write(visibleControls(s, 'layout'));
  };
  let code: ExitCode;
  try {
    code = await applyPolicy(policy, await options(policyPath, root, keep, opts, json, err));
  } catch (e) {
    if (json && e instanceof UserError) writeStdout(`${stringifyVisible(await json.report(e.exitCode, e.message))}\n`);
    throw e;
  }
  // The document quotes the files: bidi and other invisible characters are \u-escaped, as lint's JSON does.
  if (json) writeStdout(`${stringifyVisible(await json.report(code))}\n`);
  return code;
}

async function options(policyPath: string, root: string, keep: number | undefined, opts: Record<string, unknown>, json: ApplyJson | undefined, err: (s: string) => void): Promise<ApplyOptions> {
  return {
    root,
    dryRun: Boolean(opts.dryRun),
    diff: Boolean(opts.diff),
    exitCode: Boolean(opts.exitCode),
    ...(typeof opts.backupDir === 'string' ? { backupDir: opts.backupDir } : {}),
    backup: opts.backup !== false,
    ...(keep !== undefined ? { keep } : {}),
    validate: opts.validate !== false,
    allowChattr: Boolean(opts.allowChattr),
    postCommands: opts.postCommands !== false,
    filesOnly: Boolean(opts.filesOnly),
    reload: Boolean(opts.reload),
    ...(typeof opts.script === 'string' ? { script: opts.script } : {}),
    policyName: policyPath,
    rules,
    render: await loadTemplates(),
    // The diffs and notes quote the files: control characters reach the terminal escaped (TABs and
    // newlines stay, so a diff keeps its layout; the command lines escape their words themselves).
    out: json ? (s) => json.out(s) : (s) => writeStdout(visibleControls(s, 'layout')),
    err,
    ...(json ? { observe: json.observe } : {}),
  };
}
