import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { posix } from 'node:path';
import type { Dir } from './dirs.js';
import { encodeText, type FilePlan, type Validator } from './plan.js';
import { removeEntry, tempName, writeTemp } from './write.js';

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

/** The account m4 runs as when apply is root: nobody (from the host's /etc/passwd), so a hostile .mc cannot act as root. */
function unprivileged(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let passwd = '';
  try {
    passwd = readFileSync('/etc/passwd', 'latin1');
  } catch {
    // none: the conventional ids
  }
  const m = /^nobody:[^:\n]*:(\d+):(\d+):/m.exec(passwd);
  return m ? { uid: Number(m[1]), gid: Number(m[2]) } : { uid: 65534, gid: 65534 };
}

/**
 * Runs m4 on a .mc's bytes the way no .mc can harm the host: in a throwaway directory, with an empty
 * environment, as an unprivileged user when apply runs as root, the text on standard input (so m4
 * needs no path of the tree). A syscmd or include in a hostile .mc acts as nobody, in an empty place.
 */
function runM4(program: string, data: Buffer): Outcome {
  const cwd = mkdtempSync(posix.join(tmpdir(), 'mailharden-m4-'));
  try {
    const who = unprivileged();
    if (who) chownSync(cwd, who.uid, who.gid);
    const r = spawnSync(program, [], { cwd, env: {}, input: data, encoding: 'utf8', timeout: 60_000, maxBuffer: 256 * 1024 * 1024, ...(who ?? {}) });
    const lines = (r.stderr ?? '').split('\n').map((l) => l.trimEnd()).filter(Boolean);
    return { status: r.error ? 127 : (r.status ?? 128), lines };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

/**
 * Runs one validator on a candidate's bytes, written as a temp file in the target's verified directory
 * (so directory checks behave as they will for the real file) and named to the program through this
 * process's descriptor of that directory; output lines have the temp path replaced by `shownAs`.
 */
function runOne(v: Validator, program: string, dir: Dir, name: string, data: Buffer, mode: number, shownAs: string): Outcome {
  if (v === 'sendmail-mc') return runM4(program, data);
  const tmp = tempName(name, 'check');
  const file = dir.forChild(tmp);
  let args: string[];
  let input: Buffer | undefined;
  const made: string[] = [tmp];
  switch (v) {
    case 'sendmail-cf':
      args = ['-C', file, '-bC'];
      break;
    case 'aliases':
      args = ['-bi', `-oA${file}`];
      made.push(`${tmp}.db`);
      break;
    case 'access':
      args = ['hash', file];
      input = data;
      made.push(`${tmp}.db`);
      break;
    case 'tcp-rules':
      args = [`${file}.cdb`, `${file}.cdb.tmp`];
      input = data;
      made.push(`${tmp}.cdb`, `${tmp}.cdb.tmp`);
      break;
  }
  try {
    writeTemp(dir.at(tmp), data, mode);
    const r = spawnSync(program, args, { encoding: 'utf8', timeout: 60_000, input: input ?? '', maxBuffer: 64 * 1024 * 1024 });
    let status = r.error ? 127 : (r.status ?? 128);
    const lines = `${r.stdout ?? ''}\n${r.stderr ?? ''}`
      .split('\n')
      .map((l) => l.split(file).join(shownAs).trimEnd())
      .filter(Boolean)
      // The alias build's summary line ("<file>: 3 aliases, longest 10 bytes, 52 bytes total") is no complaint.
      .filter((l) => !(v === 'aliases' && /: \d+ aliases, longest \d+ bytes, \d+ bytes total$/.test(l)));
    // newaliases exits 0 when it refuses a file for its mode, but builds no database (FORMATS.md §6).
    if (v === 'aliases' && status === 0 && !dir.lstat(`${tmp}.db`)) {
      status = 75;
      lines.push('no alias database was built');
    }
    return { status, lines };
  } finally {
    for (const m of made) removeEntry(dir, m);
  }
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
 * Judges a candidate with the real program, on its exact bytes, beside the target in its verified
 * directory (m4 apart: it runs unprivileged, elsewhere). The current file is judged the same way, and
 * the candidate fails when it exits non-zero where the current file did not, or prints a line the
 * current file does not: warnings count, but a warning the site already has is not the candidate's fault.
 */
export function validateCandidate(file: FilePlan, dir: Dir, env: NodeJS.ProcessEnv = process.env): Verdict {
  const v = file.validator!;
  const program = which(PROGRAM[v], env);
  if (!program) return { file, ok: true, complaints: [], skipped: `${PROGRAM[v]} is not installed` };
  const name = posix.basename(file.path);
  const a = runOne(v, program, dir, name, encodeText(file.after, file.encoding), file.mode, file.path);
  const b = file.before !== undefined ? runOne(v, program, dir, name, encodeText(file.before, file.encoding), file.mode, file.path) : undefined;
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
}
