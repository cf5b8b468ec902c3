import { spawnSync } from 'node:child_process';
import { closeSync, constants, fchmodSync, fchownSync, fstatSync, fsyncSync, futimesSync, lstatSync, openSync, readlinkSync, readSync, renameSync, rmSync, symlinkSync, unlinkSync, writeSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { checkName, linkRefused, type Dir, type Dirs } from './dirs.js';
import { nameFromBytes } from '../core/fs-names.js';
import { NotRegularFile, openRegular as openFile, readOpen } from '../core/open-regular.js';
import { othersMayChange } from './workdir.js';

/** Size limit of a file apply reads (a managed config file is kilobytes; this is a safety bound). */
export const MAX_READ = 64 * 1024 * 1024;

/** A fresh name beside `path`: a dot file in the same directory, so a rename over `path` is atomic. */
export function tempBeside(path: string, what: string): string {
  return posix.join(posix.dirname(path), tempName(posix.basename(path), what));
}

/**
 * Replaces (or creates) a file that is not a system target (a report, a policy, a baseline): a new temp
 * file with a random name beside it (never through a planted link) that `render` writes each piece of
 * the text to as it comes (a report too large for one string), synced, renamed over it. Throws the
 * system error.
 */
export function replaceFileWith(path: string, render: (write: (piece: string) => void) => void, mode: number): void {
  const tmp = tempBeside(path, 'new');
  try {
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      let first = true;
      render((piece) => {
        writeAll(fd, Buffer.from(piece, 'utf8'));
        if (first) faultPoint(`mid-temp:${tmp}`);
        first = false;
      });
      fchmodSync(fd, mode);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Writes all of `data` to `fd`. */
export function writeAll(fd: number, data: Buffer): void {
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
}

/** Temp files apply leaves only when it is killed; the next run removes them (`check` and `current` are validation files of versions that made them beside the target). */
export const TEMP_PATTERN = /^\..+\.mailharden-(?:check|current|new|link)-(\d+)-[0-9a-f]{8}(?:\.db|\.cdb|\.cdb\.tmp)?$/;

/** Creates a new file (never an existing one, never through a link) with `mode`, written and synced; returns its fstat. */
export function writeTemp(path: string | Buffer, data: Buffer, mode: number, owner?: { uid: number; gid: number }, shown: string = String(path), times?: FileTimes): Stats {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const half = data.length >> 1;
    for (let off = 0; off < half; ) off += writeSync(fd, data, off, half - off);
    faultPoint(`mid-temp:${shown}`);
    for (let off = half; off < data.length; ) off += writeSync(fd, data, off, data.length - off);
    if (owner && process.getuid?.() === 0) fchownSync(fd, owner.uid, owner.gid);
    // After the chown: chown clears set-id bits.
    fchmodSync(fd, mode);
    if (times) futimesSync(fd, times.atime, times.mtime);
    fsyncSync(fd);
    return fstatSync(fd);
  } catch (e) {
    rmSync(path, { force: true });
    throw e;
  } finally {
    closeSync(fd);
  }
}

/** Access and modification times to give a file (seconds; rollback restores them as they were). */
export interface FileTimes {
  atime: number;
  mtime: number;
}

/** A name for a temp file beside `name` in its directory (a dot file, so a rename over `name` is atomic). */
export function tempName(name: string, what: string): string {
  return `.${name}.mailharden-${what}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

function syncDir(dir: Dir): void {
  try {
    fsyncSync(dir.fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename itself is still atomic.
  }
}

/**
 * Fault injection for the crash-safety and race tests, off unless MAILHARDEN_FAULT is set:
 * `MAILHARDEN_FAULT=<point>` kills the process dead there (SIGKILL of itself), `throw:<point>` makes
 * the step fail with an error, `enospc:<point>` with ENOSPC (a full disk), `stop:<point>` stops it
 * there (SIGSTOP of itself) until the test, having changed the tree, sends SIGCONT. Points:
 * `before-temp:<path>`, `mid-temp:<path>` (half the bytes written), `after-temp:<path>`,
 * `after-rename:<path>`, `after-clear:<path>` (immutable bit cleared), `before-validate`,
 * `before-backup`, `after-backup`, `after-writes`, `before-post`, `before-chattr`, `after-copy:<path>`
 * (a database's bytes copied into its temp file, before its owner and mode are set), `after-mkdir:<path>`
 * (a directory of plan.owners made, before it is opened again and given its owner).
 */
export function faultPoint(name: string): void {
  const fault = process.env.MAILHARDEN_FAULT;
  if (!fault) return;
  if (fault === name) process.kill(process.pid, 'SIGKILL');
  if (fault === `stop:${name}`) process.kill(process.pid, 'SIGSTOP');
  if (fault === `throw:${name}`) throw new Error(`injected fault at ${name}`);
  if (fault === `enospc:${name}`) throw Object.assign(new Error(`ENOSPC: no space left on device, write (injected at ${name})`), { code: 'ENOSPC', errno: -28 });
}

/**
 * Replaces (or creates) a file atomically in a verified directory: a temp file in it with the content,
 * mode and owner, synced, then renamed over the target, then the directory synced. A reader sees the
 * old file or the new one, never a mix; a crash leaves at most a dot temp file. The target must not
 * have become a symlink or anything but a regular file since it was planned; with `replaces`, it must
 * still be that file (device and inode). Returns the new file's fstat.
 */
export function atomicWrite(dir: Dir, name: string, data: Buffer, mode: number, owner: { uid: number; gid: number }, shown: string, times?: FileTimes, replaces?: { dev: number; ino: number }): Stats {
  const tmp = dir.at(tempName(name, 'new'));
  faultPoint(`before-temp:${shown}`);
  const made = writeTemp(tmp, data, mode, owner, shown, times);
  try {
    faultPoint(`after-temp:${shown}`);
    const st = dir.lstat(name);
    if (st?.isSymbolicLink()) throw new UserError(`${shown} became a symlink (to ${nameFromBytes(readlinkSync(dir.at(name), { encoding: 'buffer' }))}) after it was read: not written`, EXIT.runtime);
    if (st && !st.isFile()) throw new UserError(`${shown} is no longer a regular file: not written`, EXIT.runtime);
    if (replaces && (st?.dev !== replaces.dev || st.ino !== replaces.ino)) throw new UserError(`${shown} is another file than the one read (replaced meanwhile): not written`, EXIT.runtime);
    renameSync(tmp, dir.at(name));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  faultPoint(`after-rename:${shown}`);
  syncDir(dir);
  return made;
}

/**
 * Copies a file made elsewhere (a database a program built in the run's private directory) into a
 * verified directory atomically: a new temp file (O_EXCL|O_NOFOLLOW) written, owned, moded and synced
 * through its own descriptor, then renamed over the target. Nothing is done to a name again after it
 * was made, so a user who can write the directory cannot swap in another file for the chown.
 */
export function installCopy(from: string, dir: Dir, name: string, mode: number, owner: { uid: number; gid: number } | undefined, shown: string): void {
  const tmpName = tempName(name, 'new');
  const tmp = dir.at(tmpName);
  const out = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const { fd: src } = openFile(from, { noFollow: true });
    try {
      copyFd(src, out);
    } finally {
      closeSync(src);
    }
    faultPoint(`after-copy:${shown}`);
    if (owner && process.getuid?.() === 0) fchownSync(out, owner.uid, owner.gid);
    fchmodSync(out, mode);
    fsyncSync(out);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    closeSync(out);
  }
  try {
    const st = dir.lstat(name);
    if (st && !st.isFile()) throw new UserError(`${shown}: not a regular file: not replaced`, EXIT.runtime);
    renameSync(tmp, dir.at(name));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dir);
}

/** Points `name` in a verified directory at `target` (bytes when it is not UTF-8) with a symlink made beside it and renamed over it (atomic, like a write). */
export function atomicLink(dir: Dir, name: string, target: string | Buffer): void {
  const tmp = dir.at(tempName(name, 'link'));
  symlinkSync(target, tmp);
  try {
    if (dir.lstat(name)?.isDirectory()) throw new UserError(`${dir.treePath(name)}: a directory where a link should be`, EXIT.runtime);
    renameSync(tmp, dir.at(name));
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
  syncDir(dir);
}

/** Removes a name (a file or a link, never followed) from a verified directory. */
export function removeEntry(dir: Dir, name: string): void {
  try {
    unlinkSync(dir.at(name));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  syncDir(dir);
}

export function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** Opens a name in a verified directory for reading: never a link, never blocking on a FIFO; the type is checked on the descriptor (core/open-regular.ts). */
export function openRegular(dir: Dir, name: string, shown: string): { fd: number; st: Stats } {
  try {
    return openFile(dir.at(name), { noFollow: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') throw linkRefused(shown, dir.at(name));
    if (e instanceof NotRegularFile) throw new UserError(`${shown}: not a regular file (${e.what})`, EXIT.runtime);
    throw e;
  }
}

/** Reads a whole open file of `size` bytes (its fstat), refusing one larger than `max`. */
export function readFd(fd: number, size: number, max: number, shown: string): Buffer {
  if (size > max) throw new UserError(`${shown}: ${size} bytes, larger than any mail configuration file (limit ${max})`, EXIT.runtime);
  return readOpen(fd, size);
}

/** Copies what is left to read of one open file into another, a MiB at a time. */
function copyFd(from: number, to: number): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    const n = readSync(from, buf, 0, buf.length, null);
    if (n === 0) return;
    for (let off = 0; off < n; ) off += writeSync(to, buf, off, n - off);
  }
}

/** A regular file's bytes from a verified directory. */
export function readBytes(dir: Dir, name: string, max: number, shown: string): Buffer {
  const { fd, st } = openRegular(dir, name, shown);
  try {
    return readFd(fd, st.size, max, shown);
  } finally {
    closeSync(fd);
  }
}

/** Copies a file or link from a verified directory into the backup tree at the same relative path, keeping mode, owner and times. */
export function backup(dir: Dir, name: string, treePath: string, into: Dirs): void {
  const dest = into.need(posix.dirname(treePath), { mode: 0o700 });
  const st = lstatSync(dir.at(name));
  if (st.isSymbolicLink()) {
    symlinkSync(readlinkSync(dir.at(name), { encoding: 'buffer' }), dest.at(name));
    return;
  }
  const { fd, st: fst } = openRegular(dir, name, treePath);
  try {
    const out = openSync(dest.at(name), constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      copyFd(fd, out);
      if (process.getuid?.() === 0) fchownSync(out, fst.uid, fst.gid);
      fchmodSync(out, fst.mode & 0o7777);
      futimesSync(out, fst.atime, fst.mtime);
      fsyncSync(out);
    } finally {
      closeSync(out);
    }
  } finally {
    closeSync(fd);
  }
}

/**
 * A file beside a target whose immutable bit apply has cleared: `.NAME.mailharden-immutable-PID`. It is
 * made (and synced) before the bit is cleared and removed once the bit is set again, so a run killed in
 * between (SIGKILL, a power cut) leaves it, and the next run sets the bit again (sweepTemps in run.ts).
 */
export const CLEARED_PATTERN = /^\.(.+)\.mailharden-immutable-(\d+)$/;

/** Writes the marker for clearing the immutable bit of `name` in `dir`; returns the marker's name. */
export function markCleared(dir: Dir, name: string): string {
  const marker = `.${name}.mailharden-immutable-${process.pid}`;
  removeEntry(dir, marker);
  writeTemp(dir.at(marker), Buffer.from(`${name}\n`), 0o600);
  syncDir(dir);
  return marker;
}

/**
 * Sets or clears the immutable attribute of a name in a verified directory; throws with chattr's
 * message on failure. chattr is given the name through this process's descriptor of the directory.
 * A file is made immutable only when it is a regular file with one link (a hard link to a file
 * elsewhere would lock that file too) in a directory no one else may change (else the name could be
 * swapped between the check and chattr).
 */
export function chattr(dir: Dir, name: string, immutable: boolean, shown: string): void {
  if (immutable) {
    const { fd, st } = openRegular(dir, name, shown);
    closeSync(fd);
    if (st.nlink > 1) throw new UserError(`chattr +i ${shown}: it has ${st.nlink} hard links (one may be a file elsewhere): not made immutable`, EXIT.runtime);
    if (othersMayChange(dir.stat())) throw new UserError(`chattr +i ${shown}: its directory can be changed by other users: not made immutable`, EXIT.runtime);
  }
  checkName(name);
  const r = spawnSync('chattr', [immutable ? '+i' : '-i', '--', `/proc/self/fd/3/${name}`], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe', dir.fd] });
  if (r.error || r.status !== 0) throw new UserError(`chattr ${immutable ? '+i' : '-i'} ${shown}: ${(r.stderr || r.error?.message || `exit ${r.status}`).split(`/proc/self/fd/3/${name}`).join(shown).trim()}`, EXIT.runtime);
}
