import { closeSync, readlinkSync, readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { openRegular, readOpen } from '../core/open-regular.js';
import type { SendmailModel } from '../model/sendmail.js';

/** What apply reads of the host's processes and does to them (tests pass a fake). */
export interface Processes {
  /** The first bytes of a regular file (the pid file), never through a link; undefined when there is none. */
  readPidFile(path: string): string | undefined;
  /** The program a process runs (its /proc/PID/exe) and its real uid; undefined when there is no such process. */
  describe(pid: number): { exe: string; uid: number } | undefined;
  signal(pid: number, sig: NodeJS.Signals): void;
  sleep(ms: number): void;
}

export const realProcesses: Processes = {
  readPidFile(path) {
    try {
      const { fd } = openRegular(path, { noFollow: true });
      try {
        return readOpen(fd, 256).toString('latin1');
      } finally {
        closeSync(fd);
      }
    } catch {
      return undefined;
    }
  },
  describe(pid) {
    try {
      const exe = readlinkSync(`/proc/${pid}/exe`);
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'))?.[1];
      return uid === undefined ? undefined : { exe, uid: Number(uid) };
    } catch {
      return undefined;
    }
  },
  signal(pid, sig) {
    process.kill(pid, sig);
  },
  sleep(ms) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  },
};

/** sendmail's pid file when the cf sets no PidFile (conf.h: _PATH_SENDMAILPID). */
const DEFAULT_PID_FILE = '/var/run/sendmail.pid';

/** The sendmail daemon running with a configuration. */
export interface Daemon {
  pid: number;
  pidFile: string;
  exe: string;
}

/** The pid file the cf names; undefined when its value holds macros (expanded at run time, not known here). */
export function pidFileOf(model: SendmailModel): string | undefined {
  const value = model.get('PidFile')?.value.trim() || DEFAULT_PID_FILE;
  return value.includes('$') || !value.startsWith('/') ? undefined : value;
}

/**
 * The daemon the pid file names (its first line is the pid, as sendmail writes it), when that process
 * is sendmail running as root. The pid file's directory belongs to the mail user on Debian, so a pid
 * it names is only trusted for a root process whose program is sendmail: never another process.
 */
export function runningDaemon(pidFile: string, p: Processes): Daemon | undefined {
  const first = p.readPidFile(pidFile)?.split('\n')[0]?.trim() ?? '';
  if (!/^[1-9]\d{0,9}$/.test(first)) return undefined;
  const pid = Number(first);
  const what = p.describe(pid);
  // A binary an upgrade replaced reads `/usr/sbin/sendmail-mta (deleted)`: still the daemon, running the old cf.
  if (!what || what.uid !== 0 || !/^sendmail(-mta)?$/.test(posix.basename(what.exe.replace(/ \(deleted\)$/, '')))) return undefined;
  return { pid, pidFile, exe: what.exe };
}

/**
 * Sends the daemon SIGHUP (sendmail executes itself again and reads the new cf), then waits until the
 * pid file names a running sendmail again: the same pid after the re-exec, or a new one.
 */
export function reloadDaemon(d: Daemon, p: Processes, waitMs = 10_000): { ok: boolean; detail: string } {
  try {
    p.signal(d.pid, 'SIGHUP');
  } catch (e) {
    return { ok: false, detail: `kill -HUP ${d.pid}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const step = 250;
  for (let waited = 0; waited < waitMs; waited += step) {
    p.sleep(step);
    const again = runningDaemon(d.pidFile, p);
    if (again) return { ok: true, detail: `sendmail answers again (pid ${again.pid})` };
  }
  return { ok: false, detail: `after kill -HUP ${d.pid}, ${d.pidFile} names no running sendmail within ${waitMs / 1000} s` };
}
