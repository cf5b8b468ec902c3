import { readdirSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { nameFromBytes } from '../core/fs-names.js';
import type { Accounts, Layout } from '../host/layout.js';
import { qmailPaths } from '../host/layout.js';
import { octal } from '../host/mode.js';
import { configTarget, configWrong, dirTarget, dirWrongs, HIER_GROUP, hierDirs, programTarget, programWrongs, QUEUE_PROGRAM, type HierOwner, type Ownership } from '../model/qmail-hier.js';
import type { Policy } from '../policy/schema.js';
import type { OwnerAction, Plan, RootFs } from './plan.js';
import { identityOf } from './owners.js';

/**
 * `qmail.hier: true`: an `own` action for each path of the qmail tree MH4044 finds wrong (hier.c's
 * directories and the programs of bin/) and for each one MH4011 finds wrong among the control
 * directory, its files and the tcpserver rules with their cdb. Only what is wrong: a tree that is
 * right plans nothing. Everything is looked at through the run's verified directories: a symlink is
 * never followed to a path to change (a link in bin/ to a file elsewhere is left alone), and a file
 * with other hard links is left with a note (changing its owner would change the other file's).
 */
export function qmailHierOwners(policy: Policy, layout: Layout, fs: RootFs, accounts: Accounts, plan: Plan): void {
  if (!policy.qmail?.hier) return;
  const look = new Looker(fs, plan);
  const home = look.real(layout.qmailDir);
  if (home === undefined || !look.stat(home)?.isDirectory()) {
    plan.notes.push(`${layout.qmailDir} is not a directory under the root: hier.c's owners and modes not set`);
    return;
  }
  const missing = new Map<string, string[]>();
  const lacks = (user: HierOwner, path: string): void => void missing.set(user, [...(missing.get(user) ?? []), path]);
  const group = accounts.gidOfGroup(HIER_GROUP) === undefined ? ` (no group ${HIER_GROUP} in /etc/group: groups kept)` : '';

  for (const { path, entry } of hierDirs(home, (p) => look.stat(p)?.isDirectory() === true, (p) => look.list(p))) {
    const st = look.stat(path)!;
    const wrong = dirWrongs(entry, st, accounts);
    if (!wrong.owner && !wrong.writable && !wrong.open) continue;
    const to = dirTarget(entry, st, accounts);
    if (!to) lacks(entry.owner, path);
    else look.own(path, st, to, `hier.c: ${octal(entry.mode)} ${entry.owner}:${HIER_GROUP}${group}`);
  }

  const bin = posix.join(home, 'bin');
  if (look.stat(bin)?.isDirectory()) {
    for (const name of look.list(bin)) {
      const path = posix.join(bin, name);
      const st = look.stat(path);
      if (!st?.isFile()) continue;
      const w = programWrongs(name, st, accounts);
      if (!w.writable && !w.owner && !w.setuid && !w.queueOwner && !w.queueMode) continue;
      if (name === QUEUE_PROGRAM.name && !queueMayBeSetuid(st, accounts)) {
        plan.notes.push(`${path} is ${st.uid}:${st.gid} ${octal(st.mode & 0o7777)}: its bytes may be another user's, not made set-uid ${QUEUE_PROGRAM.owner} (reinstall qmail-queue: make setup check)`);
        continue;
      }
      const to = programTarget(name, st, accounts);
      if (!to) lacks(QUEUE_PROGRAM.owner, path);
      else look.own(path, st, to, `hier.c: ${name === QUEUE_PROGRAM.name ? 'qmail-queue 04711 qmailq, the only set-uid program' : "programs root's, no set-id bits, not writable by others"}${group}`);
    }
  }

  // MH4011's: the control directory and its files, the tcpserver rules and their cdb.
  const why = "MH4011: root's, not writable by the group or others";
  const control = look.real(qmailPaths(layout).control);
  const controlSt = control === undefined ? undefined : look.stat(control);
  if (control && controlSt?.isDirectory()) {
    if (configWrong(controlSt)) look.own(control, controlSt, configTarget(controlSt), why);
    for (const name of look.list(control)) {
      const path = posix.join(control, name);
      const st = look.stat(path);
      if (st?.isFile() && configWrong(st)) look.own(path, st, configTarget(st), why);
    }
  }
  for (const source of layout.tcpRules) {
    for (const name of [source, `${source}.cdb`]) {
      const path = look.real(name);
      const st = path === undefined ? undefined : look.stat(path);
      if (path && st?.isFile() && configWrong(st)) look.own(path, st, configTarget(st), why);
    }
  }

  for (const [user, paths] of missing) plan.notes.push(`no user ${user} in the tree's /etc/passwd: hier.c's owner and mode not set for ${paths.join(', ')}`);
}

/**
 * Whether qmail-queue may be made set-uid as it is: only a file that root or qmailq wrote, and that
 * nobody else could write (the group or others), is trusted with qmailq's rights; any other was
 * possibly written by someone else, and only reinstalling it makes it qmail's program again.
 */
function queueMayBeSetuid(st: Stats, accounts: Accounts): boolean {
  const qmailq = accounts.uidOf(QUEUE_PROGRAM.owner);
  return (st.uid === 0 || (qmailq !== undefined && st.uid === qmailq)) && (st.mode & 0o022) === 0;
}

/**
 * The tree as qmailHierOwners sees it: stat and list through the verified directories, a path that
 * cannot be looked at without following a link noted once and left out.
 */
class Looker {
  /** Paths with an owner action already (the run script and log directory planQmail gives their owners): one action a path. */
  private readonly planned: Set<string>;

  constructor(
    private readonly fs: RootFs,
    private readonly plan: Plan,
  ) {
    this.planned = new Set(plan.owners.map((a) => a.path));
  }

  /** Where a name the layout gives really is (links followed inside the root, as RootFs trusts them), or undefined with a note. */
  real(path: string): string | undefined {
    try {
      return this.fs.resolveLinks(path);
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.plan.notes.push(`${e.message}: its owner and mode not set`);
      return undefined;
    }
  }

  /** The lstat of a path (never a link's target), or undefined when it is missing or the way to it holds a link. */
  stat(path: string): Stats | undefined {
    try {
      const st = this.fs.stat(path, true);
      return st?.isSymbolicLink() ? undefined : st;
    } catch (e) {
      if (!(e instanceof UserError)) throw e;
      this.plan.notes.push(`${e.message}: its owner and mode not set`);
      return undefined;
    }
  }

  /** The names in a directory (bytes that are not UTF-8 surrogate-escaped), sorted. */
  list(path: string): string[] {
    const d = this.fs.dirs.dir(path);
    return d ? readdirSync(d.self, { encoding: 'buffer' }).map(nameFromBytes).sort() : [];
  }

  /** Plans an `own` action (once a path): a file with other hard links only gets a note. */
  own(path: string, st: Stats, to: Ownership, why: string): void {
    if (this.planned.has(path)) return;
    this.planned.add(path);
    if (st.isFile() && st.nlink > 1) {
      this.plan.notes.push(`${path} has ${st.nlink} hard links (one may be a file elsewhere): its owner and mode not set (${why})`);
      return;
    }
    const from: Ownership = { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
    if (from.uid === to.uid && from.gid === to.gid && from.mode === to.mode) return;
    const at = identityOf(st);
    if (!at) return;
    const action: OwnerAction = { type: 'own', path, hostPath: this.fs.hostPath(path), ...to, from, at, why };
    this.plan.owners.push(action);
  }
}
