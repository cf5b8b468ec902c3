import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { posix } from 'node:path';
import type { FilePlan, Validator } from './plan.js';
import { tempBeside, writeTemp } from './write.js';

/** Where the real programs are looked for, besides PATH (Debian keeps sendmail's tools in /usr/libexec/sendmail). */
const EXTRA_DIRS = ['/usr/sbin', '/usr/bin', '/usr/lib', '/usr/libexec/sendmail', '/sbin', '/bin'];

/** The absolute path of a program, or undefined when it is not installed. */
export function which(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const dirs = [...(env.PATH ?? '').split(':').filter((d) => d.startsWith('/')), ...EXTRA_DIRS];
  for (const d of dirs) if (existsSync(posix.join(d, name))) return posix.join(d, name);
  return undefined;
}

/** A message with `line 12` / `lines 3-4` / `:12:` turned into placeholders, to compare across edits. */
export function withoutLineNumbers(s: string): string {
  return s.replace(/\blines? \d+(-\d+)?/gi, 'line #').replace(/:\d+(:\d+)?:/g, ':#:');
}

const PROGRAM: Record<Validator, string> = { 'sendmail-cf': 'sendmail', 'sendmail-mc': 'm4', aliases: 'sendmail', access: 'makemap', 'tcp-rules': 'tcprules' };

interface Outcome {
  status: number;
  lines: string[];
}

/** Runs one validator on a file; output lines have the temp path replaced by `shownAs`. */
function runOne(v: Validator, program: string, file: string, shownAs: string): Outcome {
  const outputs: string[] = [];
  let args: string[];
  let input: string | undefined;
  const made: string[] = [];
  switch (v) {
    case 'sendmail-cf':
      args = ['-C', file, '-bC'];
      break;
    case 'sendmail-mc':
      args = [file];
      break;
    case 'aliases':
      args = ['-bi', `-oA${file}`];
      made.push(`${file}.db`);
      break;
    case 'access':
      args = ['hash', file];
      input = file;
      made.push(`${file}.db`);
      break;
    case 'tcp-rules':
      args = [`${file}.cdb`, `${file}.cdb.tmp`];
      input = file;
      made.push(`${file}.cdb`, `${file}.cdb.tmp`);
      break;
  }
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: 60_000, ...(input ? { stdio: ['pipe', 'pipe', 'pipe'], input: readText(input) } : { input: '' }), maxBuffer: 64 * 1024 * 1024 });
  // m4's stdout is the built cf; every other program's stdout is messages.
  if (v !== 'sendmail-mc') outputs.push(r.stdout ?? '');
  outputs.push(r.stderr ?? '');
  let status = r.error ? 127 : (r.status ?? 128);
  const lines = outputs
    .join('\n')
    .split('\n')
    .map((l) => l.split(file).join(shownAs).trimEnd())
    .filter(Boolean)
    // The alias build's summary line ("<file>: 3 aliases, longest 10 bytes, 52 bytes total") is no complaint.
    .filter((l) => !(v === 'aliases' && /: \d+ aliases, longest \d+ bytes, \d+ bytes total$/.test(l)));
  // newaliases exits 0 when it refuses a file for its mode, but builds no database (FORMATS.md §6).
  if (v === 'aliases' && status === 0 && !existsSync(`${file}.db`)) {
    status = 75;
    lines.push('no alias database was built');
  }
  for (const m of made) rmSync(m, { force: true });
  return { status, lines };
}

function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export interface Verdict {
  file: FilePlan;
  program?: string;
  /** Why the candidate was not checked (program missing). */
  skipped?: string;
  ok: boolean;
  /** What the program said about the candidate and not about the current file. */
  complaints: string[];
}

/**
 * Judges a candidate with the real program, as a temp file beside the target (so relative includes and
 * directory checks behave as they will for the real file). The current file is judged the same way, and
 * the candidate fails when it exits non-zero where the current file did not, or prints a line the
 * current file does not: warnings count, but a warning the site already has is not the candidate's fault.
 */
export function validateCandidate(file: FilePlan, env: NodeJS.ProcessEnv = process.env): Verdict {
  const v = file.validator!;
  const program = which(PROGRAM[v], env);
  if (!program) return { file, ok: true, complaints: [], skipped: `${PROGRAM[v]} is not installed` };
  const after = tempBeside(file.hostPath, 'check');
  const before = file.before !== undefined ? tempBeside(file.hostPath, 'current') : undefined;
  try {
    writeTemp(after, file.after, file.mode, undefined, file.encoding);
    if (before) writeTemp(before, file.before!, file.mode, undefined, file.encoding);
    const a = runOne(v, program, after, file.path);
    const b = before ? runOne(v, program, before, file.path) : undefined;
    // Compared without line numbers: a line the patch inserted above shifts the current file's own warnings.
    const known = new Map<string, number>();
    for (const l of b?.lines ?? []) known.set(withoutLineNumbers(l), (known.get(withoutLineNumbers(l)) ?? 0) + 1);
    const complaints = a.lines.filter((l) => {
      const k = withoutLineNumbers(l);
      const n = known.get(k) ?? 0;
      if (n > 0) known.set(k, n - 1);
      return n === 0;
    });
    const newFailure = a.status !== 0 && (!b || b.status === 0);
    if (newFailure && complaints.length === 0) complaints.push(`${posix.basename(program)} exited ${a.status}`);
    return { file, program, ok: !newFailure && complaints.length === 0, complaints };
  } finally {
    rmSync(after, { force: true });
    if (before) rmSync(before, { force: true });
  }
}
