import { lstatSync, statSync, writeFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { writeOutputFile } from '../write-file.js';
import type { Profile } from '../host/layout.js';
import { derivePolicy, starterPolicy } from '../policy/init/index.js';
import { policyFromText } from '../policy/validate.js';
import { loadTemplates } from '../render/templates.js';
import { rootDir } from './root-dir.js';
import { writeStdout } from './stdout.js';

/**
 * `mailharden init [--from-system [--root DIR] [--profile P]] [-o FILE [--force]]`: a starter policy,
 * or one derived from the files in force, on stdout or in FILE. The text is checked with the policy
 * validator before it is shown or written; FILE is never overwritten without --force.
 */
export async function runInit(opts: Record<string, unknown>): Promise<ExitCode> {
  const output = typeof opts.output === 'string' ? opts.output : undefined;
  const fromSystem = Boolean(opts.fromSystem);
  if (!fromSystem && (opts.root !== undefined || opts.profile !== undefined)) throw new UserError('--root and --profile need --from-system', EXIT.usage);
  if (opts.force && output === undefined) throw new UserError('--force needs -o FILE', EXIT.usage);
  if (output !== undefined && !opts.force && exists(output)) throw new UserError(`${output} exists: not overwritten (use --force to replace it)`, EXIT.usage);

  let text: string;
  let summary = '';
  if (fromSystem) {
    const root = rootDir(opts.root);
    const derived = derivePolicy({
      root,
      ...(typeof opts.profile === 'string' ? { profile: opts.profile as Profile } : {}),
      render: await loadTemplates(),
      ...(output !== undefined ? { policyName: output } : {}),
    });
    text = derived.text;
    summary = derived.applyError
      ? `; apply would stop on this tree: ${derived.applyError.split('\n')[0]}`
      : derived.dayOne.length === 0
        ? '; on day one apply changes nothing'
        : `; on day one apply would make ${derived.dayOne.length} change${derived.dayOne.length === 1 ? '' : 's'} (listed at the top of the file)`;
  } else {
    text = starterPolicy();
  }
  await selfCheck(text);

  if (output === undefined) {
    writeStdout(text);
    return EXIT.ok;
  }
  writePolicy(output, text, Boolean(opts.force));
  process.stderr.write(`mailharden: wrote ${output}${summary}\n`);
  return EXIT.ok;
}

/** Whether anything (a dangling link included) is at the path. */
function exists(path: string): boolean {
  try {
    return lstatSync(path, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return true;
  }
}

/** A policy init writes must load: anything else is a bug here, not the user's problem. */
async function selfCheck(text: string): Promise<void> {
  try {
    await policyFromText(text, 'policy.yaml');
  } catch (e) {
    throw new Error(`the policy init made does not validate (please report this):\n${(e as Error).message}`);
  }
}

/** Writes FILE: exclusively unless `force`, else through a temp file beside it and a rename. */
function writePolicy(path: string, text: string, force: boolean): void {
  try {
    if (!force) {
      writeFileSync(path, text, { flag: 'wx', mode: 0o644 });
      return;
    }
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) throw new UserError(`${path} is a directory`, EXIT.usage);
    writeOutputFile(path, text, 0o644);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new UserError(`${path} exists: not overwritten (use --force to replace it)`, EXIT.usage);
    throw new UserError(`${path}: cannot write: ${code ?? (e as Error).message}`, EXIT.runtime);
  }
}
