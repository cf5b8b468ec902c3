import { closeSync, fchmodSync, fchownSync, fstatSync, mkdirSync, readdirSync, rmdirSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { shellWord as shq, visibleControls } from '../core/visible.js';
import { octal } from '../host/mode.js';
import type { Ownership } from '../model/qmail-hier.js';
import { linkRefused, type Dirs } from './dirs.js';
import type { OwnerAction } from './plan.js';
import { atomicWrite, faultPoint, MAX_READ, openRegular, readFd } from './write.js';

/**
 * Owners and modes of existing files and directories (plan.owners, and their rollback), each set
 * through a descriptor opened without following a link: a directory through its verified descriptor,
 * a file opened in its verified directory with O_NOFOLLOW|O_NONBLOCK. fchown comes before fchmod:
 * chown clears the set-uid and set-gid bits of a file. Each change names the entry it is for by its
 * identity (type, device, inode, as planned or as a run left it): whatever else is at the path now (a
 * file renamed over it, a file put where a directory was) is refused, whatever its owner and mode.
 */

/** Which entry an owner change is for: a directory or regular file, by device and inode. */
export interface Identity {
  type: 'dir' | 'file';
  dev: number;
  ino: number;
}

/** The identity of a directory or regular file (undefined for anything else). */
export function identityOf(st: Pick<Stats, 'dev' | 'ino'> & { isDirectory(): boolean; isFile(): boolean }): Identity | undefined {
  if (!st.isDirectory() && !st.isFile()) return undefined;
  return { type: st.isDirectory() ? 'dir' : 'file', dev: st.dev, ino: st.ino };
}

export const sameIdentity = (a: Identity | undefined, b: Identity | undefined): boolean => !!a && !!b && a.type === b.type && a.dev === b.dev && a.ino === b.ino;

/** `file 2049:1234` (messages). */
export const identityText = (i: Identity | undefined): string => (i ? `${i.type === 'dir' ? 'directory' : 'file'} ${i.dev}:${i.ino}` : 'no directory or regular file');

export const ownershipOf = (st: Pick<Stats, 'uid' | 'gid' | 'mode'>): Ownership => ({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 });

const same = (a: Ownership, b: Ownership): boolean => a.uid === b.uid && a.gid === b.gid && a.mode === b.mode;

/** `0:2107 0755`. */
export const ownershipText = (o: Ownership): string => `${o.uid}:${o.gid} ${octal(o.mode)}`;

/** The owner and mode of an entry now (never a link's target), or undefined when there is none; a link is refused. */
export function currentOwnership(dirs: Dirs, path: string): Ownership | undefined {
  return currentEntry(dirs, path)?.owner;
}

/** The owner, mode and identity of an entry now (never a link's target), or undefined when there is none; a link is refused. */
export function currentEntry(dirs: Dirs, path: string): { owner: Ownership; id: Identity | undefined } | undefined {
  const { dir, name } = dirs.parentOf(path);
  const st = dir?.lstat(name);
  if (!dir || !st) return undefined;
  if (st.isSymbolicLink()) throw linkRefused(path, dir.at(name));
  return { owner: ownershipOf(st), id: identityOf(st) };
}

/**
 * Whether changing a regular file from `from` to `to` in place would leave a writer behind: a
 * descriptor opened for writing before the change (by the user the file is taken from, or by anyone
 * while it was writable by the group or others) keeps writing after fchown and fchmod. Such a file is
 * replaced by a new inode instead.
 */
export function needsNewInode(from: Ownership, to: Ownership): boolean {
  return (from.uid !== 0 && to.uid !== from.uid) || (from.mode & 0o022 & ~to.mode) !== 0;
}

/**
 * Gives the directory or regular file at a tree path `to`. With `expect`, refuses when it is not
 * owned as planned any more (something changed it since); with `id`, refuses anything but that entry
 * (compared on the opened descriptor, so the entry changed is the entry checked). A file with other
 * hard links is refused (its owner would be the other file's too). A regular file that an earlier
 * writer could still write after an in-place change (needsNewInode) is replaced: its bytes, read
 * through the checked descriptor, written to a new inode with the owner and mode, renamed over it.
 * Returns what it was and the identity of the entry it leaves.
 */
export function setOwnership(dirs: Dirs, path: string, to: Ownership, expect?: Ownership, id?: Identity): { was: Ownership; id: Identity } {
  const { dir, name } = dirs.parentOf(path);
  const st = dir?.lstat(name);
  if (!dir || !st) throw new UserError(`${path}: no such file or directory`, EXIT.runtime);
  if (st.isSymbolicLink()) throw linkRefused(path, dir.at(name));
  let fd: number;
  let owned = false;
  if (st.isDirectory()) fd = dirs.need(path).fd;
  else {
    fd = openRegular(dir, name, path).fd;
    owned = true;
  }
  try {
    const now = fstatSync(fd);
    const nowId = identityOf(now)!;
    if (id && !sameIdentity(nowId, id)) throw new UserError(`${path} is ${identityText(nowId)} now, not ${identityText(id)} as planned: another entry, not touched`, EXIT.runtime);
    if (!now.isDirectory() && now.nlink > 1) throw new UserError(`${path} has ${now.nlink} hard links (one may be a file elsewhere): its owner and mode not changed`, EXIT.runtime);
    const was = ownershipOf(now);
    if (expect && !same(was, expect)) throw new UserError(`${path} is ${ownershipText(was)} now, not ${ownershipText(expect)} as planned: changed meanwhile, not touched`, EXIT.runtime);
    if (now.isFile() && needsNewInode(was, to)) {
      const data = readFd(fd, now.size, MAX_READ, path);
      const made = atomicWrite(dir, name, data, to.mode, to, path, { atime: now.atimeMs / 1000, mtime: now.mtimeMs / 1000 }, nowId);
      return { was, id: identityOf(made)! };
    }
    fchownSync(fd, to.uid, to.gid);
    fchmodSync(fd, to.mode);
    return { was, id: nowId };
  } finally {
    if (owned) closeSync(fd);
  }
}

/** The mode of a parent directory makeDir has to make on the way (what `mkdir -p` gives, whatever the umask). */
const PARENT_MODE = 0o755;

/**
 * Makes a directory, and the directories above it that are missing (this process's, 0755, as
 * `mkdir -p` makes them), each through its verified parent and closed to everyone (0700) until it has
 * its owner and mode. Returns every directory made, from the top down, with what it was given: each
 * is recorded for rollback, which removes them again, the deepest first, when they are empty.
 */
export function makeDir(dirs: Dirs, path: string, to: Ownership): { path: string; to: Ownership; id: Identity }[] {
  const missing: string[] = [];
  for (let p = posix.normalize(`/${path}`); p !== '/' && !dirs.dir(p); p = posix.dirname(p)) missing.unshift(p);
  if (!missing.includes(posix.normalize(`/${path}`))) throw new UserError(`${path}: exists already (made meanwhile): not touched`, EXIT.runtime);
  const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mode: PARENT_MODE };
  const made: { path: string; to: Ownership; id: Identity }[] = [];
  for (const p of missing) {
    const { dir, name } = dirs.parentOf(p);
    try {
      mkdirSync(dir!.at(name), { mode: 0o700 });
    } catch (e) {
      throw new UserError(`${p}: ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists already (made meanwhile): not touched' : (e as Error).message}`, EXIT.runtime);
    }
    faultPoint(`after-mkdir:${p}`);
    const want = p === missing[missing.length - 1] ? to : self;
    const fd = dirs.need(p).fd;
    const st = fstatSync(fd);
    // Opened by name again: whoever can write the parent could have put another directory there.
    // (nlink is 1 for every directory on some file systems: the listing tells it is empty.)
    const entries = readdirSync(dirs.need(p).self).length;
    if (st.uid !== self.uid || (st.mode & 0o7777 & ~0o700) !== 0 || st.nlink > 2 || entries) throw new UserError(`${p}: not the empty 0700 directory just made (${ownershipText(ownershipOf(st))}, ${entries} ${entries === 1 ? 'entry' : 'entries'}): replaced meanwhile, not touched`, EXIT.runtime);
    fchownSync(fd, want.uid, want.gid);
    fchmodSync(fd, want.mode);
    made.push({ path: p, to: want, id: identityOf(st)! });
  }
  return made;
}

/**
 * Removes a directory a run made, through its parent's descriptor: false (and nothing done) when it
 * is not empty. With `id`, a directory that is not the one the run made is refused.
 */
export function removeMadeDir(dirs: Dirs, path: string, id?: Identity): boolean {
  const { dir, name } = dirs.parentOf(path);
  if (!dir) return true;
  const st = dir.lstat(name);
  if (!st) return true;
  if (!st.isDirectory()) throw new UserError(`${path}: not a directory any more: not removed`, EXIT.runtime);
  if (id && !sameIdentity(identityOf(st), id)) throw new UserError(`${path} is ${identityText(identityOf(st))} now, not the ${identityText(id)} the run made: not removed`, EXIT.runtime);
  try {
    rmdirSync(dir.at(name));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTEMPTY' || (e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

/** One action as the plan shows it: the commands it stands for, and why. */
export function ownerLine(a: OwnerAction): string {
  const p = shq(a.path);
  const set = `chown ${a.uid}:${a.gid} ${p} && chmod ${octal(a.mode)} ${p}`;
  if (a.type === 'mkdir') return `mkdir -p -m 0700 ${p} && ${set}    # ${visibleControls(a.why)}`;
  const copy = a.at.type === 'file' && needsNewInode(a.from, a) ? ' (a new copy of the file: a descriptor opened before keeps the old one)' : '';
  return `${set}    # now ${ownershipText(a.from)}: ${visibleControls(a.why)}${copy}`;
}

/** One action as a line of the plan script (every path single-quoted by `quote`; a link is never followed). */
export function ownerScriptLine(a: OwnerAction, quote: (s: string) => string): string {
  const p = quote(a.path);
  const set = `chown ${a.uid}:${a.gid} ${p}; chmod ${octal(a.mode)} ${p}`;
  if (a.type === 'mkdir') return `if [ ! -e ${p} ] && [ ! -L ${p} ]; then mkdir -p -m 0700 ${p}; ${set}; fi`;
  return `if [ ! -L ${p} ]; then ${set}; fi`;
}
