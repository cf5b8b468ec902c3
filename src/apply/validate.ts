import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { encodeText, type FilePlan, type Validator } from './plan.js';
import { emptyPlace, type Workdir } from './workdir.js';
import { writeTemp } from './write.js';

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
  /** The program did not finish in time (a failure whatever the current file does). */
  timedOut?: boolean;
}

const TIMEOUT = 60_000;

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

/** At most this much of what m4 says is kept (the rest is read and dropped). */
const MAX_MESSAGES = 1024 * 1024;

/**
 * Runs m4 on a .mc's bytes the way no .mc can harm the host: as an unprivileged user when apply runs
 * as root, with an empty environment, in an empty directory it cannot write, the text on standard
 * input, and as root's child in a PID namespace of its own (util-linux's unshare, then setpriv to drop
 * to nobody): when m4 ends, the kernel ends every process a syscmd started, setsid or not. Its
 * messages come through a pipe, of which at most MAX_MESSAGES are kept.
 */
async function runM4(program: string, data: Buffer): Promise<Outcome> {
  const place = emptyPlace();
  try {
    const who = unprivileged();
    const unshare = who ? which('unshare') : undefined;
    const setpriv = who ? which('setpriv') : undefined;
    const [cmd, args, ids] =
      who && unshare && setpriv
        ? [unshare, ['--pid', '--fork', '--kill-child', setpriv, `--reuid=${who.uid}`, `--regid=${who.gid}`, '--clear-groups', '--', program], {}]
        : // Without them: nobody by Node's own switch, in a session of its own that is killed after.
          [program, [], who ?? {}];
    const child = spawn(cmd, args, { cwd: place.path, env: {}, stdio: ['pipe', 'ignore', 'pipe'], detached: true, ...ids });
    const kept: Buffer[] = [];
    let size = 0;
    child.stderr!.on('data', (d: Buffer) => {
      if (size < MAX_MESSAGES) kept.push(d.subarray(0, MAX_MESSAGES - size));
      size += d.length;
    });
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      child.on('error', (error) => resolve({ code: null, signal: null, error }));
      child.on('exit', (code, signal) => resolve({ code, signal }));
    });
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(data);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), TIMEOUT)));
    const r = await Promise.race([ended, timeout]);
    clearTimeout(timer);
    if (child.pid) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // the session is gone
      }
    }
    child.stderr!.destroy();
    const lines = Buffer.concat(kept).toString('utf8').split('\n').map((l) => l.trimEnd()).filter(Boolean);
    if (size > MAX_MESSAGES) lines.push(`(m4 said ${size} bytes; the first ${MAX_MESSAGES} are kept)`);
    if (r === 'timeout') return { status: 124, lines, timedOut: true };
    return { status: r.error ? 127 : (r.code ?? 128), lines, ...(r.signal ? { timedOut: true } : {}) };
  } finally {
    place.done();
  }
}

let checks = 0;

/**
 * Runs one validator on a candidate's bytes, written into the run's private directory (the programs
 * open their files again by name and follow links: nowhere a local user can write) and named to the
 * program through this process's descriptor of it; output lines have the temp path replaced by `shownAs`.
 */
async function runOne(v: Validator, program: string, work: Workdir, data: Buffer, mode: number, shownAs: string): Promise<Outcome> {
  if (v === 'sendmail-mc') return runM4(program, data);
  const name = `check-${++checks}-${posix.basename(shownAs)}`;
  const file = work.dir.forChild(name);
  let args: string[];
  let input: Buffer | undefined;
  switch (v) {
    case 'sendmail-cf':
      args = ['-C', file, '-bC'];
      break;
    case 'aliases':
      args = ['-bi', `-oA${file}`];
      break;
    case 'access':
      args = ['hash', file];
      input = data;
      break;
    case 'tcp-rules':
      args = [`${file}.cdb`, `${file}.cdb.tmp`];
      input = data;
      break;
  }
  writeTemp(work.dir.at(name), data, mode);
  const r = spawnSync(program, args, { encoding: 'utf8', timeout: TIMEOUT, input: input ?? '', maxBuffer: 64 * 1024 * 1024 });
  let status = r.error ? 127 : (r.status ?? 128);
  const lines = `${r.stdout ?? ''}\n${r.stderr ?? ''}`
    .split('\n')
    .map((l) => l.split(file).join(shownAs).trimEnd())
    .filter(Boolean)
    // The alias build's summary line ("<file>: 3 aliases, longest 10 bytes, 52 bytes total") is no complaint.
    .filter((l) => !(v === 'aliases' && /: \d+ aliases, longest \d+ bytes, \d+ bytes total$/.test(l)));
  // newaliases exits 0 when it refuses a file for its mode, but builds no database (FORMATS.md §6).
  if (v === 'aliases' && status === 0 && !work.dir.lstat(`${name}.db`)) {
    status = 75;
    lines.push('no alias database was built');
  }
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT' || r.signal !== null;
  return { status, lines, ...(timedOut ? { timedOut } : {}) };
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
export async function validateCandidate(file: FilePlan, work: Workdir, env: NodeJS.ProcessEnv = process.env): Promise<Verdict> {
  const v = file.validator!;
  const program = which(PROGRAM[v], env);
  if (!program) return { file, ok: true, complaints: [], skipped: `${PROGRAM[v]} is not installed` };
  const a = await runOne(v, program, work, encodeText(file.after, file.encoding), file.mode, file.path);
  if (a.timedOut) return { file, program, ok: false, complaints: [`${posix.basename(program)} did not finish in ${TIMEOUT / 1000} s`] };
  const b = file.before !== undefined ? await runOne(v, program, work, encodeText(file.before, file.encoding), file.mode, file.path) : undefined;
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
