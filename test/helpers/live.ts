import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lchownSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { connect } from 'node:net';
import { posix } from 'node:path';
import type { TestContext } from 'node:test';

/**
 * The harness of the live test (test/live-apply.test.ts): what it changes on the real machine is
 * snapshotted first and put back exactly afterwards (contents, modes, owners, link targets, mtimes to
 * the nanosecond, immutable bits); the sendmail daemon it starts is the only process it ever stops.
 */

export const LSATTR = '/usr/bin/lsattr';
export const CHATTR = '/usr/bin/chattr';

/** One entry of a snapshot: what `lstat`, the bytes and `lsattr` say about a path; `null` when absent. */
export interface Entry {
  type: 'file' | 'dir' | 'link' | 'other';
  mode: number;
  uid: number;
  gid: number;
  mtimeNs: bigint;
  size: number;
  sha256?: string;
  bytes?: Buffer;
  target?: string;
  immutable: boolean;
}
export type Tree = Map<string, Entry | null>;

/** A path to snapshot: with everything under it (`deep`), or only the entry itself (a parent directory's mtime). */
export interface Root {
  path: string;
  deep: boolean;
}

const inCI = process.env.CI === 'true';

/**
 * Whether a live test runs (it starts a daemon, or changes the machine): MAILHARDEN_LIVE=1 runs it;
 * elsewhere it is skipped with one line saying `what` it does, and in CI (which exports the variable)
 * its absence is a failure.
 */
export function liveEnabled(t: TestContext, what: string): boolean {
  if (process.env.MAILHARDEN_LIVE === '1') return true;
  if (inCI) throw new Error('CI must run the live tests: set MAILHARDEN_LIVE=1 (.ci/run exports it)');
  t.skip(`MAILHARDEN_LIVE=1 runs it: ${what}`);
  return false;
}

const sleepBuffer = new Int32Array(new SharedArrayBuffer(4));
/** Waits without returning to the event loop: the restore also runs from a signal handler and at exit. */
export function sleepSync(ms: number): void {
  Atomics.wait(sleepBuffer, 0, 0, ms);
}

const depth = (p: string): number => p.split('/').length;

function typeOf(st: { isSymbolicLink(): boolean; isDirectory(): boolean; isFile(): boolean }): Entry['type'] {
  if (st.isSymbolicLink()) return 'link';
  if (st.isDirectory()) return 'dir';
  if (st.isFile()) return 'file';
  return 'other';
}

/**
 * The immutable bit of each path, from one `lsattr -d` run (links and sockets have no attributes; a
 * machine without lsattr has no bits to report).
 */
function immutableBits(paths: string[]): Set<string> {
  const out = new Set<string>();
  if (!paths.length || !existsSync(LSATTR)) return out;
  const r = spawnSync(LSATTR, ['-d', '--', ...paths], { encoding: 'utf8', timeout: 30_000, maxBuffer: 16 * 1024 * 1024 });
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+) (.+)$/.exec(line);
    if (m && m[1]!.includes('i')) out.add(m[2]!);
  }
  return out;
}

/** Everything about the roots now: regular files with their bytes (the mail configuration is small). */
export function snapshot(roots: readonly Root[]): Tree {
  const tree: Tree = new Map();
  const visit = (path: string, deep: boolean): void => {
    let st;
    try {
      st = lstatSync(path, { bigint: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        tree.set(path, null);
        return;
      }
      throw e;
    }
    const type = typeOf(st);
    const entry: Entry = { type, mode: Number(st.mode & 0o7777n), uid: Number(st.uid), gid: Number(st.gid), mtimeNs: st.mtimeNs, size: Number(st.size), immutable: false };
    if (type === 'file') {
      entry.bytes = readFileSync(path);
      entry.sha256 = createHash('sha256').update(entry.bytes).digest('hex');
    }
    if (type === 'link') entry.target = readlinkSync(path);
    tree.set(path, entry);
    if (deep && type === 'dir') for (const name of readdirSync(path).sort()) visit(posix.join(path, name), true);
  };
  for (const r of roots) visit(r.path, r.deep);
  const bits = immutableBits([...tree].filter(([, e]) => e && (e.type === 'file' || e.type === 'dir')).map(([p]) => p));
  for (const p of bits) tree.get(p)!.immutable = true;
  return tree;
}

/** What compare() looks at. `mtime` is off where a program may rewrite a file with the same bytes. */
export interface CompareOptions {
  mtime?: boolean;
  /** Paths (and everything under them) left out. */
  ignore?: readonly string[];
}

const MODE = (m: number): string => `0${m.toString(8)}`;

/** The differences between two snapshots, one line each ("" when identical). */
export function compare(want: Tree, got: Tree, o: CompareOptions = {}): string[] {
  const ignored = (p: string): boolean => (o.ignore ?? []).some((i) => p === i || p.startsWith(`${i}/`));
  const out: string[] = [];
  const paths = [...new Set([...want.keys(), ...got.keys()])].filter((p) => !ignored(p)).sort();
  for (const p of paths) {
    const a = want.get(p) ?? null;
    const b = got.get(p) ?? null;
    if (!a && !b) continue;
    if (!a || !b) {
      out.push(`${p}: ${a ? a.type : 'absent'} → ${b ? b.type : 'absent'}`);
      continue;
    }
    if (a.type !== b.type) {
      out.push(`${p}: ${a.type} → ${b.type}`);
      continue;
    }
    if (a.sha256 !== b.sha256) out.push(`${p}: contents differ (${a.size} → ${b.size} bytes)`);
    if (a.target !== b.target) out.push(`${p}: link target ${a.target} → ${b.target}`);
    if (a.type !== 'link' && a.mode !== b.mode) out.push(`${p}: mode ${MODE(a.mode)} → ${MODE(b.mode)}`);
    if (a.uid !== b.uid || a.gid !== b.gid) out.push(`${p}: owner ${a.uid}:${a.gid} → ${b.uid}:${b.gid}`);
    if (a.immutable !== b.immutable) out.push(`${p}: immutable ${a.immutable} → ${b.immutable}`);
    if (o.mtime !== false && a.mtimeNs !== b.mtimeNs) out.push(`${p}: mtime ${a.mtimeNs} → ${b.mtimeNs}`);
  }
  return out;
}

function chattr(flag: '+i' | '-i', path: string): void {
  const r = spawnSync(CHATTR, [flag, '--', path], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`chattr ${flag} ${path}: ${r.stderr || r.error?.message}`);
}

/** `touch` keeps the nanoseconds (utimes from JavaScript goes through a double and loses them). */
function setMtime(path: string, ns: bigint, link: boolean): void {
  const stamp = `@${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
  const r = spawnSync('touch', [...(link ? ['-h'] : []), '-m', '-d', stamp, '--', path], { encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0) throw new Error(`touch ${path}: ${r.stderr || r.error?.message}`);
}

/**
 * Puts the roots back as the snapshot has them: immutable bits cleared first, entries that were not
 * there removed, the others rewritten where they differ, then owners and modes, mtimes (directories
 * last, deepest first, since every change inside one moves its mtime) and the immutable bits again.
 * Synchronous, so that a signal handler can run it. Returns what could not be restored.
 */
export function restore(want: Tree, roots: readonly Root[]): string[] {
  const problems: string[] = [];
  const attempt = (what: string, f: () => void): void => {
    try {
      f();
    } catch (e) {
      problems.push(`${what}: ${(e as Error).message}`);
    }
  };
  const now = snapshot(roots);
  for (const [p, e] of now) if (e?.immutable) attempt(`chattr -i ${p}`, () => chattr('-i', p));
  // Whatever is not in the snapshot, or is another kind of entry there, goes (deepest first).
  const extra = [...now].filter(([p, e]) => e && (!want.get(p) || want.get(p)!.type !== e.type)).map(([p]) => p);
  for (const p of extra.sort((a, b) => depth(b) - depth(a))) attempt(`remove ${p}`, () => rmSync(p, { recursive: true, force: true }));
  const entries = [...want].filter((x): x is [string, Entry] => x[1] !== null).sort((a, b) => depth(a[0]) - depth(b[0]));
  for (const [p, e] of entries) {
    attempt(`restore ${p}`, () => {
      const cur = existsSync(p) || isLink(p) ? lstatSync(p) : undefined;
      if (e.type === 'dir' && !cur) mkdirSync(p);
      if (e.type === 'file' && (!cur || createHash('sha256').update(readFileSync(p)).digest('hex') !== e.sha256)) {
        rmSync(p, { force: true });
        writeFileSync(p, e.bytes!, { mode: 0o600 });
      }
      if (e.type === 'link' && (!cur || readlinkSync(p) !== e.target)) {
        rmSync(p, { force: true });
        symlinkSync(e.target!, p);
      }
      if (e.type === 'other') return; // a socket or fifo of a program: not recreated
      // chown first: it clears the set-id bits of a file, chmod then sets the mode whole.
      lchownSync(p, e.uid, e.gid);
      if (e.type !== 'link') chmodSync(p, e.mode);
    });
  }
  for (const [p, e] of entries.filter(([, x]) => x.type !== 'dir')) attempt(`mtime ${p}`, () => setMtime(p, e.mtimeNs, e.type === 'link'));
  for (const [p, e] of entries.filter(([, x]) => x.type === 'dir').reverse()) attempt(`mtime ${p}`, () => setMtime(p, e.mtimeNs, false));
  for (const [p, e] of entries) if (e.immutable) attempt(`chattr +i ${p}`, () => chattr('+i', p));
  return problems;
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// The daemon

/** The listening TCP sockets of the machine (IPv4 and IPv6), from /proc/net: `address:port` each. */
export function listening(ports: readonly number[]): string[] {
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[3] !== '0A') continue; // TCP_LISTEN
      const [addr = '', port = ''] = f[1]!.split(':');
      const n = parseInt(port, 16);
      if (!ports.includes(n)) continue;
      const shown = addr.length === 8 ? addr.match(/../g)!.reverse().map((h) => parseInt(h, 16)).join('.') : `[${addr}]`;
      out.push(`${shown}:${n}`);
    }
  }
  return out;
}

/** The cf's options that concern the daemon: where it listens and where it writes its pid. */
export function daemonOptions(cfText: string): { listen: string[]; pidFile: string | undefined } {
  const listen = [...cfText.matchAll(/^O DaemonPortOptions=(.*)$/gm)].map((m) => m[1]!);
  const pidFile = /^O PidFile=(\S+)$/m.exec(cfText)?.[1];
  return { listen, pidFile };
}

/** Whether a DaemonPortOptions value binds loopback only (Addr=127.x or ::1). */
export function loopbackOnly(value: string): boolean {
  const addr = /(?:^|,)\s*(?:Addr|A)=([^,\s]+)/i.exec(value)?.[1];
  return addr !== undefined && (/^127\./.test(addr) || addr === '::1');
}

/**
 * The sendmail daemon this test starts (`sendmail -bd`, as Debian's init starts it, from the pid file's
 * directory): its pid comes from the PidFile the cf names, and it is the only process ever signalled,
 * after checking that the pid still runs sendmail.
 */
export class Daemon {
  pid: number | undefined;
  readonly log: string[] = [];
  /** Called with the pid whenever it changes (the guard keeps it, to stop the daemon if the test dies). */
  onPid: (pid: number | undefined) => void = () => {};

  constructor(
    readonly sendmail: string,
    readonly pidFile: string,
    readonly ports: readonly number[],
    /** Options before -bd (`-C CF`, `-ODaemonPortOptions=…` of a test daemon on a port of its own). */
    readonly args: readonly string[] = [],
  ) {}

  /** Starts the daemon; throws when something already listens on its ports (never stopped here). */
  start(): number {
    const busy = listening(this.ports);
    if (busy.length) throw new Error(`something already listens on ${busy.join(', ')}: the live test starts its own sendmail there and stops nothing it did not start`);
    const dir = posix.dirname(this.pidFile);
    if (!existsSync(dir)) {
      // As Debian's init (check_dirs) makes it: smmta:smmsp 02755.
      mkdirSync(dir, { recursive: true });
      spawnSync('chown', ['smmta:smmsp', dir]);
      chmodSync(dir, 0o2755);
    }
    rmSync(this.pidFile, { force: true });
    const r = spawnSync(this.sendmail, [...this.args, '-bd'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
    this.log.push(`$ ${[this.sendmail, ...this.args].join(' ')} -bd → exit ${r.status} ${`${r.stdout}${r.stderr}`.trim()}`);
    if (r.status !== 0) throw new Error(`sendmail -bd: exit ${r.status}: ${r.stdout}${r.stderr}`);
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const pid = existsSync(this.pidFile) ? Number(readFileSync(this.pidFile, 'utf8').split('\n')[0]) : NaN;
      if (Number.isInteger(pid) && pid > 1 && isSendmail(pid) && listening(this.ports).length === this.ports.length) {
        this.pid = pid;
        this.onPid(pid);
        this.log.push(`daemon pid ${pid} (${this.pidFile}) listens on ${listening(this.ports).join(', ')}`);
        return pid;
      }
      sleepSync(50);
    }
    throw new Error(`sendmail -bd: no pid in ${this.pidFile} or not listening on ${this.ports.join(', ')} within 30 s`);
  }

  /** SIGTERM to the recorded pid (if it still is sendmail), then waits until it is gone and the ports are free. */
  stop(): void {
    const pid = this.pid;
    if (pid === undefined) return;
    this.pid = undefined;
    this.onPid(undefined);
    if (!isSendmail(pid)) {
      this.log.push(`daemon pid ${pid} is gone (or no longer sendmail): nothing to stop`);
      return;
    }
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline && (existsSync(`/proc/${pid}`) || listening(this.ports).length)) sleepSync(50);
    if (existsSync(`/proc/${pid}`) && isSendmail(pid)) {
      process.kill(pid, 'SIGKILL');
      sleepSync(200);
    }
    this.log.push(`daemon pid ${pid} stopped`);
  }

  restart(): number {
    this.stop();
    return this.start();
  }
}

/** Whether a pid runs the sendmail binary (its title is rewritten, so the executable decides). */
export function isSendmail(pid: number): boolean {
  try {
    const exe = readlinkSync(`/proc/${pid}/exe`);
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    return /\/sendmail(\.sendmail)?$/.test(exe) && /sendmail/.test(cmd);
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// SMTP

export interface Reply {
  code: number;
  lines: string[];
}

/**
 * One SMTP session from a chosen source address (all of 127/8 is on lo): the greeting, then each
 * command and its reply, one at a time. Never sends DATA. Returns the replies and the transcript.
 */
export function smtpSession(o: { host: string; port: number; localAddress?: string; commands: readonly string[]; timeoutMs?: number }): Promise<{ greeting: Reply; replies: Reply[]; transcript: string }> {
  const lines: string[] = [`# session from ${o.localAddress ?? 'any'} to ${o.host}:${o.port}`];
  return new Promise((resolve, reject) => {
    const socket = connect({ host: o.host, port: o.port, ...(o.localAddress ? { localAddress: o.localAddress } : {}) });
    socket.setTimeout(o.timeoutMs ?? 30_000, () => socket.destroy(new Error(`${o.host}:${o.port}: no reply within ${(o.timeoutMs ?? 30_000) / 1000} s\n${lines.join('\n')}`)));
    let buffer = '';
    let current: string[] = [];
    const replies: Reply[] = [];
    let next = 0;
    socket.on('error', reject);
    socket.on('data', (d) => {
      buffer += d.toString('latin1');
      let i;
      while ((i = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, i).replace(/\r$/, '');
        buffer = buffer.slice(i + 1);
        lines.push(`S: ${line}`);
        current.push(line);
        if (line[3] === '-') continue;
        replies.push({ code: Number(line.slice(0, 3)), lines: current });
        current = [];
        if (next < o.commands.length) {
          const c = o.commands[next++]!;
          lines.push(`C: ${c}`);
          socket.write(`${c}\r\n`);
        } else {
          socket.end();
          const [greeting, ...rest] = replies;
          resolve({ greeting: greeting!, replies: rest, transcript: `${lines.join('\n')}\n` });
        }
      }
    });
    socket.on('close', () => reject(new Error(`${o.host}:${o.port}: closed after ${replies.length} replies\n${lines.join('\n')}`)));
  });
}

// ---------------------------------------------------------------------------------------------------
// The real programs

/** `sendmail -bv NAMES` with the cf in force: its exit code and what it says of each name. */
export function sendmailVerify(sendmail: string, names: readonly string[]): { status: number; output: string } {
  const r = spawnSync(sendmail, ['-bv', ...names], { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}`.trim() };
}

/** The prog mailer of the cf in force as `sendmail -bt` `=M` prints it. */
export function progMailer(sendmail: string): { P: string; A: string; line: string } | undefined {
  const r = spawnSync(sendmail, ['-bt'], { input: '=M\n', encoding: 'utf8', timeout: 60_000 });
  for (const raw of r.stdout.split('\n')) {
    const line = raw.replace(/^(> )+/, '');
    const m = /^mailer \d+ \(prog\): P=(\S+) .* A=(.*)$/.exec(line);
    if (m) return { P: m[1]!, A: m[2]!, line };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// The guard: restores the snapshot when the test process dies without doing it (SIGKILL, a crash, a
// test runner that goes away), from a state file written before anything changes.

/** What the guard needs: the snapshot, the roots, the daemon's pid, and whether the test restored itself. */
interface GuardState {
  testPid: number;
  roots: Root[];
  entries: [string, (Omit<Entry, 'mtimeNs' | 'bytes'> & { mtimeNs: string; bytes?: string }) | null][];
  daemonPid?: number;
  done: boolean;
}

export class Guard {
  private state: GuardState;

  constructor(
    readonly file: string,
    tree: Tree,
    roots: readonly Root[],
  ) {
    this.state = {
      testPid: process.pid,
      roots: [...roots],
      entries: [...tree].map(([p, e]) => {
        if (!e) return [p, null];
        const { bytes, mtimeNs, ...rest } = e;
        return [p, { ...rest, mtimeNs: String(mtimeNs), ...(bytes ? { bytes: bytes.toString('base64') } : {}) }];
      }),
      done: false,
    };
    this.save();
  }

  /** Starts the guard process (detached: it outlives this one and is its only job). */
  start(script: string): void {
    const child = spawn(process.execPath, [script, this.file], { detached: true, stdio: 'ignore' });
    child.unref();
  }

  daemon(pid: number | undefined): void {
    this.state.daemonPid = pid;
    this.save();
  }

  /** The test restored the machine itself: the guard ends without acting. */
  done(): void {
    this.state.done = true;
    this.save();
  }

  private save(): void {
    writeFileSync(`${this.file}.new`, JSON.stringify(this.state), { mode: 0o600 });
    renameSync(`${this.file}.new`, this.file);
  }
}

/** The guard process: waits for the test process to end; if it did not restore the machine, stops its daemon and restores. */
export function guardMain(file: string): void {
  const read = (): GuardState => JSON.parse(readFileSync(file, 'utf8')) as GuardState;
  const { testPid } = read();
  while (existsSync(`/proc/${testPid}`)) sleepSync(200);
  const state = read();
  if (state.done) return;
  if (state.daemonPid !== undefined && isSendmail(state.daemonPid)) {
    process.kill(state.daemonPid, 'SIGTERM');
    for (let i = 0; i < 100 && existsSync(`/proc/${state.daemonPid}`); i++) sleepSync(100);
  }
  const tree: Tree = new Map(
    state.entries.map(([p, e]): [string, Entry | null] => {
      if (!e) return [p, null];
      const { bytes, mtimeNs, ...rest } = e;
      return [p, { ...rest, mtimeNs: BigInt(mtimeNs), ...(bytes !== undefined ? { bytes: Buffer.from(bytes, 'base64') } : {}) }];
    }),
  );
  const problems = restore(tree, state.roots);
  writeFileSync(`${file}.restored`, `${problems.join('\n') || 'restored'}\n`);
}
