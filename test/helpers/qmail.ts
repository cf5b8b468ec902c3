import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { TestContext } from 'node:test';
import { tempDir } from './real.js';

/**
 * The real qmail-smtpd, qmail-newmrh and qmail-showctl, built from the notqmail source vendored next
 * to the repository (../shared/vendor, README there): `conf-qmail` is `.`, so each program reads
 * `./control/...` of the directory it starts in, and a test case is a directory of its own.
 */

/** The repository (this file runs as dist/test/helpers/qmail.js). */
const REPO = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
/** The build directory, where the built programs are cached. */
const DIST = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
export const NOTQMAIL_TARBALL = join(REPO, '..', 'shared', 'vendor', 'notqmail-1.09-smtpd-src.tar.gz');

const inCI = process.env.CI === 'true';

export interface QmailPrograms {
  smtpd: string;
  newmrh: string;
  showctl: string;
}

const PROGRAMS = ['qmail-smtpd', 'qmail-newmrh', 'qmail-showctl'] as const;

function pathsIn(dir: string): QmailPrograms {
  return { smtpd: join(dir, 'qmail-smtpd'), newmrh: join(dir, 'qmail-newmrh'), showctl: join(dir, 'qmail-showctl') };
}

/** What is missing to build the programs: the vendored source or a compiler (empty when nothing is). */
function missing(): string[] {
  const out: string[] = [];
  if (!existsSync(NOTQMAIL_TARBALL)) out.push(NOTQMAIL_TARBALL);
  for (const tool of ['gcc', 'make']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).status !== 0) out.push(tool);
  }
  return out;
}

let built: QmailPrograms | undefined;

/**
 * Builds the programs once into dist/.cache/notqmail-<hash of the tarball>. Test files run in
 * parallel, so each builds in a directory of its own and renames it into place; the first rename
 * wins and the others use its result.
 */
export function qmailPrograms(): QmailPrograms {
  if (built) return built;
  const tarball = readFileSync(NOTQMAIL_TARBALL);
  const hash = createHash('sha256').update(tarball).digest('hex').slice(0, 16);
  const cache = join(DIST, '.cache', `notqmail-${hash}`);
  if (!PROGRAMS.every((p) => existsSync(join(cache, p)))) {
    mkdirSync(dirname(cache), { recursive: true });
    const work = `${cache}.build-${process.pid}-${Date.now()}`;
    mkdirSync(work, { recursive: true });
    try {
      const x = spawnSync('tar', ['xzf', NOTQMAIL_TARBALL, '-C', work], { encoding: 'utf8' });
      if (x.status !== 0) throw new Error(`tar failed: ${x.stderr}`);
      const m = spawnSync('make', ['-C', work, ...PROGRAMS], { encoding: 'utf8', timeout: 300_000 });
      if (m.status !== 0) throw new Error(`building notqmail failed:\n${m.stdout}\n${m.stderr}`);
      try {
        renameSync(work, cache);
      } catch (e) {
        // Another test file finished first: its build is the same source.
        if (!PROGRAMS.every((p) => existsSync(join(cache, p)))) throw e;
      }
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  built = pathsIn(cache);
  return built;
}

/**
 * The programs, or undefined after skipping the test with one line saying why (the source or a
 * compiler is missing: a clone without ../shared). In CI that is a failure: CI has both.
 */
export function needsQmail(t: TestContext): QmailPrograms | undefined {
  const gone = missing();
  if (gone.length === 0) return qmailPrograms();
  const message = `needs ${gone.join(', ')} to build the real qmail-smtpd (../shared/vendor/README.md; apt-get install gcc make libc6-dev)`;
  if (inCI) throw new Error(`CI must build the real qmail-smtpd: ${message}`);
  t.skip(message);
  return undefined;
}

/** A control file of a case: its text, or its text with a mode (and owner, applied only as root). */
export type CaseFile = string | Buffer | { content: string | Buffer; mode?: number; uid?: number; gid?: number };

/**
 * A case directory: `control/<name>` for each entry of `files` (names may hold a `/`). The directory
 * is readable by everyone, since a session may run as nobody.
 */
export function qmailCase(files: Record<string, CaseFile>): string {
  const dir = tempDir('mh-qmail-');
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, 'control'), { mode: 0o755 });
  chmodSync(join(dir, 'control'), 0o755);
  for (const [name, f] of Object.entries(files)) writeCaseFile(join(dir, 'control', name), f);
  return dir;
}

export function writeCaseFile(path: string, f: CaseFile): void {
  const spec = typeof f === 'string' || Buffer.isBuffer(f) ? { content: f } : f;
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, spec.content);
  chmodSync(path, spec.mode ?? 0o644);
}

/** One message the stand-in for qmail-queue received. */
export interface Queued {
  from: string;
  to: string[];
  message: string;
}

export interface Session {
  /** Everything qmail-smtpd wrote. */
  transcript: string;
  /** The greeting line (`220 …` or `421 …`), empty when there was none. */
  greeting: string;
  /** Each reply after the greeting, its last line (multi-line replies: the line with a blank after the code). */
  replies: string[];
  queued: Queued[];
  /** Exit code; null when it was killed by the timeout. */
  status: number | null;
}

export interface SessionOptions {
  remoteIp?: string;
  /** RELAYCLIENT in the environment, as tcpserver sets it from a rule. */
  relayclient?: string;
  /** DATABYTES in the environment. */
  databytes?: string;
  /** More environment variables (name → value), as a tcprules rule sets them. */
  env?: Record<string, string>;
  /** The uid (and gid) qmail-smtpd runs as; only root can choose one. */
  uid?: number;
  timeoutMs?: number;
}

/** The programs copied where any user can run them (the build directory may be under a private home). */
let shared: QmailPrograms | undefined;
function programsForAnyone(p: QmailPrograms): QmailPrograms {
  if (shared) return shared;
  const dir = tempDir('mh-notqmail-');
  chmodSync(dir, 0o755);
  for (const name of PROGRAMS) {
    copyFileSync(join(dirname(p.smtpd), name), join(dir, name));
    chmodSync(join(dir, name), 0o755);
  }
  shared = pathsIn(dir);
  return shared;
}

/** The stand-in for qmail-queue: the message (fd 0) and the envelope (fd 1) into files of `dir`. */
function standIn(dir: string): string {
  const script = join(dir, 'qmail-queue');
  writeFileSync(
    script,
    `#!/bin/sh\nn=$(ls "${dir}" | grep -c '\\.msg$')\ncat > "${dir}/$n.msg"\nexec 3<&1\ncat <&3 > "${dir}/$n.env"\nexit 0\n`,
  );
  chmodSync(script, 0o755);
  return script;
}

/**
 * One SMTP session of the real qmail-smtpd on stdin, started in `caseDir` as vendor/README.md shows:
 * `env -i` with TCPREMOTEIP and TCPLOCALIP, and QMAILQUEUE naming a stand-in that records what would
 * have been queued. `dialogue` is the client's lines, sent at once (CRLF added).
 */
export function smtpSession(p: QmailPrograms, caseDir: string, dialogue: readonly string[], o: SessionOptions = {}): Session {
  const programs = o.uid === undefined ? p : programsForAnyone(p);
  const queue = tempDir('mh-queue-');
  chmodSync(queue, 0o777);
  const env: Record<string, string> = {
    PATH: '/usr/bin:/bin',
    TCPREMOTEIP: o.remoteIp ?? '192.0.2.10',
    TCPLOCALIP: '127.0.0.1',
    QMAILQUEUE: standIn(queue),
    ...(o.relayclient !== undefined ? { RELAYCLIENT: o.relayclient } : {}),
    ...(o.databytes !== undefined ? { DATABYTES: o.databytes } : {}),
    ...o.env,
  };
  const r = spawnSync(programs.smtpd, [], {
    cwd: caseDir,
    env,
    input: dialogue.map((l) => `${l}\r\n`).join(''),
    encoding: 'latin1',
    timeout: o.timeoutMs ?? 15_000,
    ...(o.uid !== undefined ? { uid: o.uid, gid: o.uid } : {}),
  });
  const transcript = r.stdout ?? '';
  const lines = transcript.split('\r\n').filter((l) => l !== '');
  const finals = lines.filter((l) => /^\d{3}(?: |$)/.test(l));
  const queued: Queued[] = [];
  for (const name of readdirSync(queue).filter((n) => n.endsWith('.msg')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
    const message = readFileSync(join(queue, name), 'latin1');
    const envelope = readFileSync(join(queue, name.replace(/\.msg$/, '.env')), 'latin1').split('\0');
    if (!envelope.some((f) => f.startsWith("T"))) continue; // aborted (552, or the client left): nothing queued
    queued.push({
      from: (envelope.find((f) => f.startsWith('F')) ?? 'F').slice(1),
      to: envelope.filter((f) => f.startsWith('T')).map((f) => f.slice(1)),
      message,
    });
  }
  rmSync(queue, { recursive: true, force: true });
  const greeting = finals[0]?.startsWith('220') || finals[0]?.startsWith('421') ? finals[0] : '';
  return { transcript, greeting, replies: greeting ? finals.slice(1) : finals, queued, status: r.status };
}

/** A session that sends one message from outside to `rcpt`: the replies to MAIL, RCPT and DATA's end. */
export function sendOne(p: QmailPrograms, caseDir: string, rcpt: string, o: SessionOptions & { body?: string } = {}): Session {
  return smtpSession(p, caseDir, ['HELO client.test', 'MAIL FROM:<a@client.test>', `RCPT TO:<${rcpt}>`, 'DATA', 'Subject: t', '', o.body ?? 'hi', '.', 'QUIT'], o);
}

/** qmail-showctl's reading of a case directory (its second opinion on every control file). */
export function showctl(p: QmailPrograms, caseDir: string): string {
  const r = spawnSync(p.showctl, [], { cwd: caseDir, encoding: 'latin1', timeout: 15_000 });
  return r.stdout ?? '';
}

/** qmail-newmrh in a case directory: builds control/morercpthosts.cdb from control/morercpthosts. */
export function newmrh(p: QmailPrograms, caseDir: string): { status: number | null; stderr: string } {
  const r = spawnSync(p.newmrh, [], { cwd: caseDir, encoding: 'latin1', timeout: 15_000 });
  return { status: r.status, stderr: r.stderr };
}

/**
 * The variables tcpserver would set for a client at `ip`, read from a rules cdb by the real
 * tcprulescheck (ucspi-tcp): `name → value`, names byte for byte (a blank kept). Undefined when the
 * cdb denies the client.
 */
export function rulesEnv(cdb: string, ip: string): Record<string, string> | undefined {
  const r = spawnSync('/usr/bin/tcprulescheck', [cdb], { env: { TCPREMOTEIP: ip }, encoding: 'latin1', timeout: 15_000 });
  const env: Record<string, string> = {};
  for (const line of (r.stdout ?? '').split('\n')) {
    if (line === 'deny connection') return undefined;
    const m = /^set environment variable ([^=]*)=(.*)$/.exec(line);
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/** Compiles tcp.smtp text with the real tcprules into `dir/tcp.smtp.cdb`; returns the cdb's path. */
export function tcprules(dir: string, text: string): string {
  const cdb = join(dir, 'tcp.smtp.cdb');
  const r = spawnSync('/usr/bin/tcprules', [cdb, join(dir, 'tcp.smtp.tmp')], { input: text, encoding: 'latin1', timeout: 15_000 });
  if (r.status !== 0) throw new Error(`tcprules refused the rules: ${r.stderr}`);
  return cdb;
}
