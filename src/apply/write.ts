import { spawnSync } from 'node:child_process';
import { closeSync, constants, copyFileSync, fchmodSync, fchownSync, fsyncSync, lstatSync, mkdirSync, openSync, readlinkSync, renameSync, rmSync, symlinkSync, utimesSync, chownSync, chmodSync, writeSync } from 'node:fs';
import { posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../core/errors.js';

/** A fresh name beside `path`: a dot file in the same directory, so a rename over `path` is atomic. */
export function tempBeside(path: string, what: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}.mailharden-${what}-${process.pid}-${randomBytes(4).toString('hex')}`);
}

/**
 * Replaces (or creates) a file that is not a system target (a policy, a baseline): a new temp file with
 * a random name beside it (never through a planted link), synced, renamed over it. Throws the system error.
 */
export function replaceFile(path: string, text: string, mode: number): void {
  const tmp = tempBeside(path, 'new');
  try {
    writeTemp(tmp, text, mode);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Temp files apply leaves only when it is killed; the next run removes them. */
export const TEMP_PATTERN = /^\..+\.mailharden-(?:check|current|new|link)-(\d+)-[0-9a-f]{8}(?:\.db|\.cdb|\.cdb\.tmp)?$/;

/** Creates a new file (never an existing one, never through a link) with `mode`, written and synced. */
export function writeTemp(path: string, text: string, mode: number, owner?: { uid: number; gid: number }, encoding: 'utf8' | 'latin1' = 'utf8', shown = path): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const buf = Buffer.from(text, encoding);
    const half = buf.length >> 1;
    for (let off = 0; off < half; ) off += writeSync(fd, buf, off, half - off);
    faultPoint(`mid-temp:${shown}`);
    for (let off = half; off < buf.length; ) off += writeSync(fd, buf, off, buf.length - off);
    if (owner && process.getuid?.() === 0) fchownSync(fd, owner.uid, owner.gid);
    // After the chown: chown clears set-id bits.
    fchmodSync(fd, mode);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    rmSync(path, { force: true });
    throw e;
  }
  closeSync(fd);
}

function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/**
 * Fault injection for the crash-safety tests, off unless MAILHARDEN_FAULT is set:
 * `MAILHARDEN_FAULT=<point>` kills the process dead there (SIGKILL of itself), `throw:<point>` makes
 * the step fail with an error, `enospc:<point>` with ENOSPC (a full disk). Points: `before-temp:<path>`,
 * `mid-temp:<path>` (half the bytes written), `after-temp:<path>`, `after-rename:<path>`,
 * `after-clear:<path>` (immutable bit cleared), `after-backup`, `after-writes`, `before-post`.
 */
export function faultPoint(name: string): void {
  const fault = process.env.MAILHARDEN_FAULT;
  if (!fault) return;
  if (fault === name) process.kill(process.pid, 'SIGKILL');
  if (fault === `throw:${name}`) throw new Error(`injected fault at ${name}`);
  if (fault === `enospc:${name}`) throw Object.assign(new Error(`ENOSPC: no space left on device, write (injected at ${name})`), { code: 'ENOSPC', errno: -28 });
}

/**
 * Replaces (or creates) a file atomically: a temp file in the same directory with the content, mode
 * and owner, synced, then renamed over the target, then the directory synced. A reader sees the old
 * file or the new one, never a mix; a crash leaves at most a dot temp file. The target must not have
 * become a symlink since it was planned.
 */
export function atomicWrite(path: string, text: string, mode: number, owner: { uid: number; gid: number }, shown: string, encoding: 'utf8' | 'latin1' = 'utf8'): void {
  const dir = posix.dirname(path);
  const tmp = tempBeside(path, 'new');
  faultPoint(`before-temp:${shown}`);
  writeTemp(tmp, text, mode, owner, encoding, shown);
  try {
    faultPoint(`after-temp:${shown}`);
    const st = lstatOrUndefined(path);
    if (st?.isSymbolicLink()) throw new UserError(`${shown} became a symlink (to ${readlinkSync(path)}) after it was read: not written`, 3);
    if (st && !st.isFile()) throw new UserError(`${shown} is no longer a regular file: not written`, 3);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  faultPoint(`after-rename:${shown}`);
  syncDir(dir);
}

/** Points `path` at `target` with a symlink made beside it and renamed over it (atomic, like a write). */
export function atomicLink(path: string, target: string): void {
  const tmp = tempBeside(path, 'link');
  symlinkSync(target, tmp);
  try {
    const st = lstatOrUndefined(path);
    if (st?.isDirectory()) throw new UserError(`${path}: a directory where a link should be`, 3);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(posix.dirname(path));
}

export function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Copies a file or link into the backup tree at the same relative path, keeping mode, owner and times. */
export function backup(hostPath: string, treePath: string, backupDir: string): string {
  const dest = posix.join(backupDir, treePath);
  mkdirSync(posix.dirname(dest), { recursive: true, mode: 0o700 });
  const st = lstatSync(hostPath);
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(hostPath), dest);
    return dest;
  }
  copyFileSync(hostPath, dest, constants.COPYFILE_EXCL);
  if (process.getuid?.() === 0) chownSync(dest, st.uid, st.gid);
  chmodSync(dest, st.mode & 0o7777);
  utimesSync(dest, st.atime, st.mtime);
  return dest;
}

/**
 * A file beside a target whose immutable bit apply has cleared: `.NAME.mailharden-immutable-PID`. It is
 * made (and synced) before the bit is cleared and removed once the bit is set again, so a run killed in
 * between (SIGKILL, a power cut) leaves it, and the next run sets the bit again (sweepTemps in run.ts).
 */
export const CLEARED_PATTERN = /^\.(.+)\.mailharden-immutable-(\d+)$/;

/** Writes the marker for clearing the immutable bit of `hostPath`; returns its path. */
export function markCleared(hostPath: string): string {
  const dir = posix.dirname(hostPath);
  const marker = posix.join(dir, `.${posix.basename(hostPath)}.mailharden-immutable-${process.pid}`);
  rmSync(marker, { force: true });
  writeTemp(marker, `${posix.basename(hostPath)}\n`, 0o600);
  syncDir(dir);
  return marker;
}

/** Sets or clears the immutable attribute; throws with chattr's message on failure. */
export function chattr(hostPath: string, immutable: boolean, shown: string): void {
  const r = spawnSync('chattr', [immutable ? '+i' : '-i', '--', hostPath], { encoding: 'utf8', timeout: 30_000 });
  if (r.error || r.status !== 0) throw new UserError(`chattr ${immutable ? '+i' : '-i'} ${shown}: ${(r.stderr || r.error?.message || `exit ${r.status}`).trim()}`, 3);
}
