import { closeSync, fchmodSync, fchownSync, fstatSync, mkdirSync, rmdirSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { shellWord as shq, visibleControls } from '../core/visible.js';
import { octal } from '../host/mode.js';
import type { Ownership } from '../model/qmail-hier.js';
import { linkRefused, type Dirs } from './dirs.js';
import type { OwnerAction } from './plan.js';
import { openRegular } from './write.js';

/**
 * Owners and modes of existing files and directories (plan.owners, and their rollback), each set
 * through a descriptor opened without following a link: a directory through its verified descriptor,
 * a file opened in its verified directory with O_NOFOLLOW|O_NONBLOCK. fchown comes before fchmod:
 * chown clears the set-uid and set-gid bits of a file.
 */

export const ownershipOf = (st: Pick<Stats, 'uid' | 'gid' | 'mode'>): Ownership => ({ uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 });

const same = (a: Ownership, b: Ownership): boolean => a.uid === b.uid && a.gid === b.gid && a.mode === b.mode;

/** `0:2107 0755`. */
export const ownershipText = (o: Ownership): string => `${o.uid}:${o.gid} ${octal(o.mode)}`;

/** The owner and mode of an entry now (never a link's target), or undefined when there is none; a link is refused. */
export function currentOwnership(dirs: Dirs, path: string): Ownership | undefined {
  const { dir, name } = dirs.parentOf(path);
  const st = dir?.lstat(name);
  if (!dir || !st) return undefined;
  if (st.isSymbolicLink()) throw linkRefused(path, dir.at(name));
  return ownershipOf(st);
}

/**
 * Gives the directory or regular file at a tree path `to`. With `expect`, refuses when it is not
 * owned as planned any more (something changed it since); a file with other hard links is refused
 * (its owner would be the other file's too). Returns what it was.
 */
export function setOwnership(dirs: Dirs, path: string, to: Ownership, expect?: Ownership): Ownership {
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
    if (!now.isDirectory() && now.nlink > 1) throw new UserError(`${path} has ${now.nlink} hard links (one may be a file elsewhere): its owner and mode not changed`, EXIT.runtime);
    const was = ownershipOf(now);
    if (expect && !same(was, expect)) throw new UserError(`${path} is ${ownershipText(was)} now, not ${ownershipText(expect)} as planned: changed meanwhile, not touched`, EXIT.runtime);
    fchownSync(fd, to.uid, to.gid);
    fchmodSync(fd, to.mode);
    return was;
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
export function makeDir(dirs: Dirs, path: string, to: Ownership): { path: string; to: Ownership }[] {
  const missing: string[] = [];
  for (let p = posix.normalize(`/${path}`); p !== '/' && !dirs.dir(p); p = posix.dirname(p)) missing.unshift(p);
  if (!missing.includes(posix.normalize(`/${path}`))) throw new UserError(`${path}: exists already (made meanwhile): not touched`, EXIT.runtime);
  const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mode: PARENT_MODE };
  const made: { path: string; to: Ownership }[] = [];
  for (const p of missing) {
    const { dir, name } = dirs.parentOf(p);
    try {
      mkdirSync(dir!.at(name), { mode: 0o700 });
    } catch (e) {
      throw new UserError(`${p}: ${(e as NodeJS.ErrnoException).code === 'EEXIST' ? 'exists already (made meanwhile): not touched' : (e as Error).message}`, EXIT.runtime);
    }
    const want = p === missing[missing.length - 1] ? to : self;
    const fd = dirs.need(p).fd;
    fchownSync(fd, want.uid, want.gid);
    fchmodSync(fd, want.mode);
    made.push({ path: p, to: want });
  }
  return made;
}

/** Removes a directory a run made, through its parent's descriptor: false (and nothing done) when it is not empty. */
export function removeMadeDir(dirs: Dirs, path: string): boolean {
  const { dir, name } = dirs.parentOf(path);
  if (!dir) return true;
  const st = dir.lstat(name);
  if (!st) return true;
  if (!st.isDirectory()) throw new UserError(`${path}: not a directory any more: not removed`, EXIT.runtime);
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
  return `${set}    # now ${ownershipText(a.from)}: ${visibleControls(a.why)}`;
}

/** One action as a line of the plan script (every path single-quoted by `quote`; a link is never followed). */
export function ownerScriptLine(a: OwnerAction, quote: (s: string) => string): string {
  const p = quote(a.path);
  const set = `chown ${a.uid}:${a.gid} ${p}; chmod ${octal(a.mode)} ${p}`;
  if (a.type === 'mkdir') return `if [ ! -e ${p} ] && [ ! -L ${p} ]; then mkdir -p -m 0700 ${p}; ${set}; fi`;
  return `if [ ! -L ${p} ]; then ${set}; fi`;
}
