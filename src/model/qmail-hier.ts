import { posix } from 'node:path';
import type { Accounts } from '../host/layout.js';

/**
 * What qmail's hier.c (notqmail, qmail 1.03) says about the owners and modes of the qmail tree, in
 * one place: MH4044 reports what differs, and apply (qmail.hier) restores it from the same answers.
 */

/** The users hier.c gives directories and programs to (INSTALL.ids); `root` is uid 0 whatever passwd says. */
export type HierOwner = 'root' | 'alias' | 'qmailq' | 'qmails';

/** hier.c's group of everything it installs (INSTALL.ids: groupadd qmail). */
export const HIER_GROUP = 'qmail';

/** A directory of hier.c: owner, and the mode install gives it. */
export interface HierEntry {
  /** Relative to the qmail home (`''` is the home itself). */
  path: string;
  owner: HierOwner;
  mode: number;
  /** dsplit(): the numbered subdirectories 0…conf-split-1 have the same owner and mode. */
  split?: boolean;
}

/**
 * hier.c's directories. control/ is left to MH4011 (and ~alias's .qmail files to MH4010); the files
 * of bin/ are checked apart (every program root's, qmail-queue qmailq's and set-uid).
 */
export const HIER: readonly HierEntry[] = [
  { path: '', owner: 'root', mode: 0o755 },
  { path: 'users', owner: 'root', mode: 0o755 },
  { path: 'bin', owner: 'root', mode: 0o755 },
  { path: 'boot', owner: 'root', mode: 0o755 },
  { path: 'alias', owner: 'alias', mode: 0o2755 },
  { path: 'queue', owner: 'qmailq', mode: 0o750 },
  { path: 'queue/pid', owner: 'qmailq', mode: 0o700 },
  { path: 'queue/intd', owner: 'qmailq', mode: 0o700 },
  { path: 'queue/todo', owner: 'qmailq', mode: 0o750 },
  { path: 'queue/bounce', owner: 'qmails', mode: 0o700 },
  { path: 'queue/mess', owner: 'qmailq', mode: 0o750, split: true },
  { path: 'queue/info', owner: 'qmails', mode: 0o700, split: true },
  { path: 'queue/local', owner: 'qmails', mode: 0o700, split: true },
  { path: 'queue/remote', owner: 'qmails', mode: 0o700, split: true },
  { path: 'queue/lock', owner: 'qmailq', mode: 0o750 },
];

/** The one set-uid program of qmail: hier.c installs it 04711 qmailq. */
export const QUEUE_PROGRAM = { name: 'qmail-queue', owner: 'qmailq', mode: 0o4711 } as const;

/** Ownership and mode as both lint's tree and apply's stat give them. */
export interface Ownership {
  uid: number;
  gid: number;
  mode: number;
}

/** The uid of a hier.c owner in the tree's passwd (root is always 0), or undefined when the user is missing. */
export function hierUid(owner: HierOwner, accounts: Accounts): number | undefined {
  return owner === 'root' ? 0 : accounts.uidOf(owner);
}

/** Write bits for the group or others: who, besides the owner, can change a file or directory. */
const SHARED_WRITE = 0o022;

/**
 * What is wrong with one of hier.c's directories: its owner (when the user exists in the tree), a
 * write bit for the group or others, or (queue directories) bits for others that hier.c does not give.
 */
export function dirWrongs(e: HierEntry, m: Ownership, accounts: Accounts): { owner: boolean; writable: boolean; open: boolean } {
  const want = hierUid(e.owner, accounts);
  const writable = (m.mode & SHARED_WRITE) !== 0;
  return { owner: want !== undefined && m.uid !== want, writable, open: !writable && isQueue(e) && (m.mode & 0o007 & ~e.mode) !== 0 };
}

export const isQueue = (e: HierEntry): boolean => e.path.startsWith('queue');

/**
 * What is wrong with a program in bin/: writable by the group or others; qmail-queue not owned by
 * qmailq (when the user exists) or without its set-uid bit; any other program not root's, or set-uid
 * or set-gid.
 */
export function programWrongs(name: string, m: Ownership, accounts: Accounts): { writable: boolean; owner: boolean; setuid: boolean; queueOwner: boolean; queueMode: boolean } {
  const writable = (m.mode & SHARED_WRITE) !== 0;
  if (name === QUEUE_PROGRAM.name) {
    const qmailq = accounts.uidOf(QUEUE_PROGRAM.owner);
    return { writable, owner: false, setuid: false, queueOwner: qmailq !== undefined && m.uid !== qmailq, queueMode: (m.mode & 0o4000) === 0 };
  }
  return { writable, owner: m.uid !== 0, setuid: (m.mode & 0o6000) !== 0, queueOwner: false, queueMode: false };
}

/** One directory of the tree that hier.c describes, found in the tree. */
export interface HierDir {
  path: string;
  entry: HierEntry;
}

/**
 * hier.c's directories under a qmail home that really is one (`home` with no link in it), the
 * numbered subdirectories of the split ones included: `isDir` and `list` ask the caller's view of the
 * tree (lint's HostTree, apply's verified directories), never following a link.
 */
export function hierDirs(home: string, isDir: (path: string) => boolean, list: (path: string) => string[]): HierDir[] {
  const out: HierDir[] = [];
  for (const entry of HIER) {
    const path = entry.path === '' ? home : posix.join(home, entry.path);
    if (!isDir(path)) continue;
    out.push({ path, entry });
    if (!entry.split) continue;
    for (const name of list(path)) {
      const sub = posix.join(path, name);
      if (/^[0-9]+$/.test(name) && isDir(sub)) out.push({ path: sub, entry });
    }
  }
  return out;
}

/**
 * What apply gives a directory of hier.c that is wrong: its hier.c owner and group (the group kept
 * when the tree has no group qmail), and its mode without the write bits for the group and others and,
 * in the queue, without the bits for others hier.c does not give, and with the set-gid bit hier.c gives
 * ~alias (new .qmail files there get group qmail). Every other bit is kept (a stricter mode stays
 * stricter). Undefined when the owner is not a user of the tree.
 */
export function dirTarget(e: HierEntry, m: Ownership, accounts: Accounts): Ownership | undefined {
  const uid = hierUid(e.owner, accounts);
  if (uid === undefined) return undefined;
  let mode = m.mode & 0o7777 & ~SHARED_WRITE;
  if (isQueue(e)) mode &= ~(0o007 & ~e.mode);
  mode |= e.mode & 0o2000;
  return { uid, gid: accounts.gidOfGroup(HIER_GROUP) ?? m.gid, mode };
}

/**
 * What apply gives a program of bin/ that is wrong: qmail-queue hier.c's 04711 qmailq; every other
 * program root's, without set-id bits and write bits for the group and others. Undefined when the
 * owner is not a user of the tree.
 */
export function programTarget(name: string, m: Ownership, accounts: Accounts): Ownership | undefined {
  const gid = accounts.gidOfGroup(HIER_GROUP) ?? m.gid;
  if (name === QUEUE_PROGRAM.name) {
    const uid = accounts.uidOf(QUEUE_PROGRAM.owner);
    return uid === undefined ? undefined : { uid, gid, mode: QUEUE_PROGRAM.mode };
  }
  return { uid: 0, gid, mode: m.mode & 0o7777 & ~(0o6000 | SHARED_WRITE) };
}

/** What apply gives a control file, the control directory or a tcpserver rules file (MH4011): root's, its group kept, no write bits for the group or others. */
export function configTarget(m: Ownership): Ownership {
  return { uid: 0, gid: m.gid, mode: m.mode & 0o7777 & ~SHARED_WRITE };
}

/** Whether MH4011 finds a control file or rules file wrong: not root's, or writable by the group or others. */
export function configWrong(m: Ownership): boolean {
  return m.uid !== 0 || (m.mode & SHARED_WRITE) !== 0;
}
