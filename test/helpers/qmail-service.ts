import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { listening, sleepSync } from './live.js';

/**
 * A qmail-smtpd service started from a test tree as its run script says, for the live qmail test
 * (test/live-qmail.test.ts): the tree's var/qmail is mounted on /var/qmail in a mount namespace of
 * its own (a tmpfs covers /var there, so nothing of the machine's /var is seen or changed), and the
 * process group started here is the only one ever signalled.
 */

export const UNSHARE = '/usr/bin/unshare';

/**
 * Inside the new namespace: holds the tree open (a TMPDIR under /var would be covered by the tmpfs),
 * covers /var, binds the tree onto /var/qmail, starts a watcher that ends the group when the test
 * process is gone (a SIGKILLed test leaves no daemon behind; at most LIFETIME seconds in any case),
 * then execs the command. $1 the tree's var/qmail, $2 the test's pid, $3 the lifetime, the rest the command.
 */
const ENTER = `set -e
exec 3< "$1"
mount -t tmpfs -o mode=0755,size=1m mailharden-e2e /var
mkdir /var/qmail
mount --bind "/proc/$$/fd/3" /var/qmail
exec 3<&-
test=$2 life=$3
shift 3
( i=0; while [ "$i" -lt "$life" ] && kill -0 "$test" 2>/dev/null; do sleep 1; i=$((i + 1)); done; kill -KILL 0 ) &
exec "$@"
`;

/** A port on 127.0.0.1 nobody listens on now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export class MountedService {
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  /** What the service printed (tcpserver -v's lines), stdout and stderr interleaved. */
  readonly output: string[] = [];

  constructor(
    /** The tree's var/qmail on the host. */
    readonly qmailDir: string,
    /** The command run inside, with the tree on /var/qmail. */
    readonly argv: readonly string[],
    readonly port: number,
  ) {}

  /** The process group's id (the leader execs into tcpserver, so it is tcpserver's pid too). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts it and waits until something listens on the port; throws with what it printed when it does not. */
  async start(lifetimeSeconds = 120): Promise<void> {
    if (listening([this.port]).length) throw new Error(`something already listens on port ${this.port}`);
    const child = spawn(UNSHARE, ['-m', '--propagation', 'private', 'sh', '-c', ENTER, 'mailharden-e2e', this.qmailDir, String(process.pid), String(lifetimeSeconds), ...this.argv], {
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let gone = false;
    this.exited = new Promise((resolve) => child.on('exit', () => ((gone = true), resolve())));
    for (const s of [child.stdout!, child.stderr!]) s.on('data', (d: Buffer) => this.output.push(...d.toString('latin1').split('\n').filter(Boolean)));
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && !gone && !listening([this.port]).length) await new Promise((r) => setTimeout(r, 50));
    if (!listening([this.port]).length) {
      await this.stop();
      throw new Error(`${this.argv.join(' ')}: not listening on ${this.port} within 10 s${gone ? ' (it exited)' : ''}:\n${this.output.join('\n')}`);
    }
  }

  /** The uid and gid the group's leader runs as now (from /proc). */
  ids(): { uid: number; gid: number; groups: number[] } {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const field = (name: string): number[] => (new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? '').trim().split(/\s+/).filter(Boolean).map(Number);
    return { uid: field('Uid')[0]!, gid: field('Gid')[0]!, groups: field('Groups') };
  }

  /** SIGTERM to the group started here (only it), SIGKILL when it is still there after 5 s; waits for the port to be free. */
  async stop(): Promise<void> {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    this.child = undefined;
    killGroup(pid, 'SIGTERM');
    const ended = await Promise.race([this.exited!.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]);
    // The leader may be gone while a qmail-smtpd of the group still serves a session.
    killGroup(pid, ended ? 'SIGTERM' : 'SIGKILL');
    for (let i = 0; i < 100 && listening([this.port]).length; i++) sleepSync(50);
  }

  /** For a process 'exit' handler: the same signal without waiting. */
  stopNow(): void {
    const pid = this.child?.pid;
    if (pid !== undefined) killGroup(pid, 'SIGKILL');
  }
}

/** Signals a process group; a group that no longer exists is not an error. */
function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}

/**
 * What the service needs in the tree that a qmail installation would have: bin/qmail-smtpd, a wrapper
 * that starts the built notqmail in /var/qmail (it reads ./control), and bin/qmail-queue, a stand-in
 * that records each message and its envelope in var/qmail/queued (written by the smtpd user, as
 * qmail-smtpd runs it). Returns the host path of that directory.
 */
export function installPrograms(qmailDir: string, smtpd: string, smtpdUid: number): string {
  const bin = join(qmailDir, 'bin');
  mkdirSync(bin, { recursive: true, mode: 0o755 });
  copyFileSync(smtpd, join(bin, 'qmail-smtpd.notqmail'));
  writeFileSync(join(bin, 'qmail-smtpd'), '#!/bin/sh\ncd /var/qmail && exec /var/qmail/bin/qmail-smtpd.notqmail\n');
  writeFileSync(
    join(bin, 'qmail-queue'),
    '#!/bin/sh\n# The stand-in for qmail-queue: the message (fd 0) and the envelope (fd 1).\nd=/var/qmail/queued\nn=$(ls "$d" | grep -c "\\.msg$")\ncat > "$d/$n.msg"\nexec 3<&1\ncat <&3 > "$d/$n.env"\nexit 0\n',
  );
  for (const name of ['qmail-smtpd.notqmail', 'qmail-smtpd', 'qmail-queue']) chmodSync(join(bin, name), 0o755);
  const queued = join(qmailDir, 'queued');
  mkdirSync(queued, { mode: 0o700 });
  chownSync(queued, smtpdUid, 0);
  return queued;
}

/** The messages the stand-in recorded that were queued (an envelope with a recipient), oldest first. */
export function queuedMessages(dir: string): { from: string; to: string[]; message: string }[] {
  const out: { from: string; to: string[]; message: string }[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.msg')).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))) {
    const envelope = readFileSync(join(dir, name.replace(/\.msg$/, '.env')), 'latin1').split('\0');
    if (!envelope.some((f) => f.startsWith('T'))) continue;
    out.push({ from: (envelope.find((f) => f.startsWith('F')) ?? 'F').slice(1), to: envelope.filter((f) => f.startsWith('T')).map((f) => f.slice(1)), message: readFileSync(join(dir, name), 'latin1') });
  }
  return out;
}
