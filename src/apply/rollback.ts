import { fchmodSync } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { shellWord as shq, visibleControls } from '../core/visible.js';
import { octal } from '../host/mode.js';
import { lsattrAttributes, type AttributeReader } from '../host/tree.js';
import { Dirs, type Dir } from './dirs.js';
import {
  describe,
  entryState,
  linkTarget,
  listRuns,
  markRolledBack,
  MANIFEST,
  openRun,
  openRuns,
  readManifest,
  readRolledBack,
  RunRecord,
  runSummary,
  sameContent,
  seconds,
  sha256,
  type EntryRole,
  type EntryState,
  type FileState,
  type Manifest,
  type RolledBack,
} from './manifest.js';
import { MAX_READ } from './plan.js';
import { atomicLink, atomicWrite, chattr, markCleared, readBytes, removeEntry } from './write.js';
import type { Ownership } from '../model/qmail-hier.js';
import { currentEntry, currentOwnership, identityText, makeDir, ownershipText, removeMadeDir, sameIdentity, setOwnership, type Identity } from './owners.js';

export interface RollbackOptions {
  root: string;
  /** The directory of runs (apply's --backup-dir); default ROOT/var/backups/mailharden. */
  backupDir?: string;
  /** The run to undo; default the newest apply run not rolled back. */
  run?: string;
  list: boolean;
  dryRun: boolean;
  /** Restore files that changed after the run, and a run rolled back already. */
  force: boolean;
  allowChattr: boolean;
  attributes?: AttributeReader;
  out: (s: string) => void;
  err: (s: string) => void;
  now?: Date;
}

/** One entry the run changed, folded over its steps: what the run left, and what was there before it. */
interface Undo {
  path: string;
  role: EntryRole;
  /** Its content (file, link or absence) changed; else only its immutable bit did. */
  content: boolean;
  /** What the run left (the current entry must still be this, unless --force). */
  expect: EntryState | null;
  /** What was there before the run. */
  restore: EntryState | null;
  lockedBefore: boolean;
  /** The last step that touched it: undone newest first. */
  order: number;
}

interface ModeUndo {
  path: string;
  expect: number;
  restore: number;
  order: number;
}

/** The owner and mode of a file or directory (hier.c), or a directory the run made (`restore` null) or removed (`expect` null). */
interface OwnerUndo {
  path: string;
  expect: Ownership | null;
  restore: Ownership | null;
  /** The entry the run left (or removed), as its last step recorded it: nothing else is changed back. */
  at?: Identity;
  order: number;
}

const isLocked = (s: EntryState | null | undefined): boolean => s?.type === 'file' && s.immutable;

const sameOwnership = (a: Ownership | null | undefined, b: Ownership | null): boolean => (!a || !b ? !a && !b : a.uid === b.uid && a.gid === b.gid && a.mode === b.mode);

/** The net change of each entry, directory mode and owner over a run's steps. */
export function undos(m: Manifest): { entries: Undo[]; modes: ModeUndo[]; owners: OwnerUndo[] } {
  const entries = new Map<string, Undo>();
  const modes = new Map<string, ModeUndo>();
  const owners = new Map<string, OwnerUndo>();
  m.steps.forEach((s, order) => {
    if (s.op === 'chmod') {
      const u = modes.get(s.path) ?? { path: s.path, restore: s.from, expect: s.to, order };
      modes.set(s.path, { ...u, expect: s.to, order });
      return;
    }
    if (s.op === 'owner') {
      const u = owners.get(s.path) ?? { path: s.path, restore: s.from, expect: s.to, order };
      owners.set(s.path, { path: u.path, restore: u.restore, expect: s.to, ...(s.at ? { at: s.at } : {}), order });
      return;
    }
    const u = entries.get(s.path) ?? { path: s.path, role: s.op === 'entry' ? s.role : 'file', content: false, expect: null, restore: s.op === 'entry' ? s.before : null, lockedBefore: s.op === 'entry' ? isLocked(s.before) : s.from, order };
    if (s.op === 'entry') {
      if (!u.content) u.restore = s.before;
      u.content = true;
      u.expect = s.after;
    }
    u.order = order;
    entries.set(s.path, u);
  });
  const newestFirst = (a: { order: number }, b: { order: number }): number => b.order - a.order;
  return { entries: [...entries.values()].sort(newestFirst), modes: [...modes.values()].sort(newestFirst), owners: [...owners.values()].sort(newestFirst) };
}

/** `mailharden rollback`: list the runs, or undo one (checked, backed up, atomic per file, verified). */
export async function rollback(o: RollbackOptions): Promise<ExitCode> {
  const dirs = new Dirs(o.root);
  let runs: ReturnType<typeof openRuns>;
  try {
    runs = openRuns(dirs, o.root, o.backupDir, false);
  } catch (e) {
    dirs.close();
    throw e;
  }
  try {
    const where = runsShown(o);
    if (!runs) {
      if (o.list) {
        o.out(`No runs in ${visibleControls(where)}.\n`);
        return EXIT.ok;
      }
      throw new UserError(`${where}: no such directory: no run to roll back`, EXIT.usage);
    }
    if (o.list) return list(runs, o);
    return await undoRun(dirs, runs, o);
  } finally {
    runs?.close();
    dirs.close();
  }
}

function runsShown(o: RollbackOptions): string {
  if (o.backupDir !== undefined) return posix.resolve(o.backupDir);
  return o.root === '/' ? '/var/backups/mailharden' : `${o.root.replace(/\/$/, '')}/var/backups/mailharden`;
}

/** `--list`: one line a run, newest first. */
function list(runs: { dirs: Dirs; shown: string }, o: RollbackOptions): ExitCode {
  const found = listRuns(runs);
  if (!found.length) {
    o.out(`No runs in ${visibleControls(runs.shown)}.\n`);
    return EXIT.ok;
  }
  const lines = found.map((r) => {
    if (!r.manifest) return `${r.id}  cannot be rolled back: ${r.problem ?? ''}`;
    const m = r.manifest;
    const what = m.kind === 'apply' ? `apply ${m.policy}` : `rollback of ${m.of ?? '?'}`;
    const state = [...(m.complete ? [] : ['incomplete: stopped midway']), ...(r.rolledBack ? [`rolled back by ${r.rolledBack.by}`] : [])];
    return `${r.id}  ${m.time}  ${what}: ${runSummary(m)}${state.length ? ` [${state.join('; ')}]` : ''}`;
  });
  o.out(`Runs in ${visibleControls(runs.shown)}, newest first:\n${lines.map((l) => `  ${visibleControls(l)}`).join('\n')}\n`);
  return EXIT.ok;
}

/**
 * The run to undo: the one named, or the newest apply run not rolled back that did something (a run
 * that stopped before its first step, such as a second apply whose rebuild failed again, has nothing
 * to undo; taking it would leave the changes of the run before it in place).
 */
function chooseRun(runs: { dirs: Dirs; shown: string }, o: RollbackOptions): { id: string; manifest: Manifest; rolledBack?: RolledBack } {
  if (o.run !== undefined) {
    const run = openRun(runs, o.run);
    try {
      const shown = `${runs.shown}/${o.run}`;
      const manifest = readManifest(run, o.run, shown);
      const rolledBack = readRolledBack(run, shown);
      return { id: o.run, manifest, ...(rolledBack ? { rolledBack } : {}) };
    } finally {
      run.close();
    }
  }
  const found = listRuns(runs);
  const pick = found.find((r) => r.manifest?.kind === 'apply' && !r.rolledBack && r.manifest.steps.length > 0);
  for (const r of found) {
    if (r === pick) break;
    if (r.problem) o.err(`mailharden: note: ${visibleControls(`${runs.shown}/${r.id}`)} skipped: ${visibleControls(r.problem)}\n`);
  }
  if (!pick?.manifest) throw new UserError(`${runs.shown}: no apply run left to roll back (mailharden rollback --list)`, EXIT.usage);
  return { id: pick.id, manifest: pick.manifest };
}

async function undoRun(dirs: Dirs, runs: { dirs: Dirs; shown: string }, o: RollbackOptions): Promise<ExitCode> {
  const { id, manifest: m, rolledBack } = chooseRun(runs, o);
  const runShown = `${runs.shown}/${id}`;
  const shown = (p: string): string => shq(p);
  if (posix.resolve(m.root) !== posix.resolve(o.root)) throw new UserError(`run ${id} was made for --root ${m.root}, not ${o.root}`, EXIT.usage);
  if (rolledBack && !o.force) {
    o.err(`mailharden: refused, nothing restored: run ${id} was rolled back already (by ${rolledBack.by}, ${visibleControls(rolledBack.time)}); rolling it back again needs --force\n`);
    return EXIT.refused;
  }
  const { entries, modes, owners: recorded } = undos(m);

  // The run's backup copies, read and checked against the manifest before anything is written.
  const runDirs = openRun(runs, id);
  const copies = new Map<string, Buffer>();
  try {
    for (const u of entries) {
      if (!u.content || u.restore?.type !== 'file') continue;
      const d = runDirs.dir(posix.dirname(u.path));
      const name = posix.basename(u.path);
      const where = `${runShown}${u.path}`;
      if (!d?.lstat(name)) throw new UserError(`${where}: the backup copy is missing: ${u.path} cannot be restored`, EXIT.usage);
      const bytes = readBytes(d, name, MAX_READ, where);
      if (sha256(bytes) !== u.restore.sha256) throw new UserError(`${where}: the backup copy does not match the manifest (sha256 ${sha256(bytes).slice(0, 12)}…, recorded ${u.restore.sha256.slice(0, 12)}…): not restored`, EXIT.usage);
      copies.set(u.path, bytes);
    }
  } finally {
    runDirs.close();
  }

  // What is there now, against what the run left.
  const changed: string[] = [];
  const now = new Map<string, EntryState | null>();
  for (const u of entries) {
    const { dir, name } = dirs.parentOf(u.path);
    const cur = dir ? entryState(dir, name) : null;
    now.set(u.path, cur);
    if (u.content && !sameContent(cur, u.expect)) changed.push(`  ${shown(u.path)}: ${describe(cur)} now; run ${id} left ${describe(u.expect)}`);
  }
  const modeNow = new Map<string, number | undefined>();
  for (const u of modes) {
    const d = dirs.dir(u.path);
    const cur = d ? d.stat().mode & 0o7777 : undefined;
    modeNow.set(u.path, cur);
    if (cur !== u.expect) changed.push(`  ${shown(u.path)}: ${cur === undefined ? 'absent' : `mode ${octal(cur)}`} now; run ${id} left mode ${octal(u.expect)}`);
  }
  const ownerNow = new Map<string, Ownership | undefined>();
  // Owners never changed back, even with --force: another entry at the path than the one the run
  // left (its owner and mode are someone else's to keep), a file gone (never made again, and never
  // as a directory).
  const untouched: string[] = [];
  const owners: OwnerUndo[] = [];
  for (const u of recorded) {
    let cur: ReturnType<typeof currentEntry>;
    try {
      cur = currentEntry(dirs, u.path);
    } catch (e) {
      changed.push(`  ${shown(u.path)}: ${e instanceof UserError ? e.message : String(e)}`);
      continue;
    }
    ownerNow.set(u.path, cur?.owner);
    // A directory the run made, recorded without its identity (an older run): only ever removed when empty.
    if (cur && !sameIdentity(cur.id, u.at) && !(!u.restore && !u.at)) {
      const line = `${shown(u.path)}: ${identityText(cur.id)} now, not the ${u.at ? identityText(u.at) : 'entry (not recorded)'} run ${id} left: its owner and mode are never changed back, even with --force`;
      changed.push(`  ${line}`);
      untouched.push(line);
      continue;
    }
    if (!sameOwnership(cur?.owner, u.expect)) changed.push(`  ${shown(u.path)}: ${cur ? ownershipText(cur.owner) : 'absent'} now; run ${id} left ${u.expect ? ownershipText(u.expect) : 'it absent'}`);
    if (!cur && u.restore && u.at?.type !== 'dir') {
      untouched.push(`${shown(u.path)}: absent now: a file is never made again by rollback (its owner and mode were ${ownershipText(u.restore)})`);
      continue;
    }
    owners.push(u);
  }
  if (changed.length && !o.force) {
    o.err(`mailharden: refused, nothing restored: changed after run ${id} (--force restores them anyway):\n${changed.map((l) => visibleControls(l)).join('\n')}\n`);
    return EXIT.refused;
  }

  for (const line of untouched) o.err(`mailharden: note: not changed back: ${visibleControls(line)}\n`);
  for (const u of owners) {
    const lax = u.restore && u.restore.mode & 0o6000 ? writableParent(dirs, u.path) : undefined;
    if (!lax || !u.restore) continue;
    // Whoever can write the parent can put their own file at that path: set-id bits given back there
    // would be given to whatever they put (the identity is checked, but a directory's bits guard
    // nothing once its parent is someone else's).
    o.err(`mailharden: note: ${visibleControls(shown(u.path))}: its set-id bits (${octal(u.restore.mode)}) are not given back: ${lax}\n`);
    u.restore = { ...u.restore, mode: u.restore.mode & ~0o6000 };
  }

  // Immutable bits now: a file that carries one is cleared to be written (--allow-chattr), as apply does.
  const files = entries.filter((u) => now.get(u.path)?.type === 'file');
  const attrs = (o.attributes ?? lsattrAttributes)(files.map((u) => hostPath(o.root, u.path)));
  const lockedNow = (u: Undo): boolean => (attrs.get(hostPath(o.root, u.path)) ?? '').includes('i');
  const toClear = entries.filter((u) => lockedNow(u) && (u.content || !u.lockedBefore));
  const toSet = entries.filter((u) => u.lockedBefore && (u.content ? u.restore?.type === 'file' : now.get(u.path)?.type === 'file') && !(lockedNow(u) && !u.content));

  // The plan.
  const lines: string[] = [];
  for (const u of toClear) lines.push(`chattr -i ${shown(u.path)}`);
  for (const u of entries.filter((x) => x.content)) lines.push(undoLine(u, id, runShown));
  for (const u of modes) lines.push(`chmod ${octal(u.restore)} ${shown(u.path)}    # now ${modeNow.get(u.path) === undefined ? 'absent' : octal(modeNow.get(u.path)!)}`);
  for (const u of owners) lines.push(ownerUndoLine(u, id, ownerNow.get(u.path)));
  for (const u of toSet) lines.push(`chattr +i ${shown(u.path)}`);
  const header = `Rollback of run ${id} (${m.kind === 'apply' ? `apply ${m.policy}` : `rollback of ${m.of ?? '?'}`}, ${m.time}${m.complete ? '' : ', incomplete'})${o.root === '/' ? '' : `, paths inside ${o.root}`}`;
  o.out(`${visibleControls(header)}:\n${lines.map((l) => `  ${visibleControls(l)}`).join('\n')}\n`);
  if (o.dryRun) {
    o.out(`Plan: ${tally(entries, modes, owners, toClear, toSet)}; nothing written (--dry-run).\n`);
    return EXIT.ok;
  }
  if (toClear.length && !o.allowChattr) {
    o.err(`mailharden: immutable (chattr +i), nothing restored; rerun with --allow-chattr to clear and restore the bit:\n${toClear.map((u) => `  ${visibleControls(hostPath(o.root, u.path))}`).join('\n')}\n`);
    return EXIT.immutable;
  }

  // Directories the run made that hold something now (a log written since): left where they are.
  const left = new Set<string>();
  // The rollback is a run of its own: a directory with copies of what it replaces, and a manifest.
  const record = RunRecord.create(runs, { kind: 'rollback', of: id, time: (o.now ?? new Date()).toISOString(), root: o.root, policy: m.policy });
  try {
    for (const u of entries) {
      const { dir, name } = dirs.parentOf(u.path);
      if (dir && now.get(u.path)) record.keep(dir, name, lockedNow(u));
    }
    restoreAll(dirs, record, { entries, modes, owners, copies, lockedNow, modeNow, ownerNow, left }, o);
    record.finish();
    const undone = openRun(runs, id);
    try {
      markRolledBack(undone, runShown, { by: record.id, time: record.manifest.time });
    } finally {
      undone.close();
    }
    // Undoing a rollback puts its run back in force: that run is no longer rolled back.
    if (m.kind === 'rollback' && m.of) unmark(runs, m.of, id);
  } finally {
    record.close();
  }

  const wrong = verify(dirs, { entries, modes, owners, lockedNow, left }, o);
  if (wrong.length) throw UserError.lines([`rolled back run ${id}, but the result differs from what the run found:`, ...wrong.map((w) => `  ${w}`), `what was done is in ${record.shown}/${MANIFEST}`], EXIT.runtime);
  o.out(`Rolled back and verified: run ${id} (${tally(entries, modes, owners, toClear, toSet)}). Backup: ${visibleControls(record.shown)} (undo with: mailharden rollback ${record.id})\n`);
  return EXIT.ok;
}

const hostPath = (root: string, p: string): string => posix.join(root, p);

/** Why a non-root user can write the directory holding a path (it is theirs, or open to the group or others), or undefined. */
function writableParent(dirs: Dirs, path: string): string | undefined {
  const st = dirs.parentOf(path).dir?.stat();
  if (!st) return undefined;
  if (st.uid !== 0) return `${posix.dirname(path)} belongs to uid ${st.uid}`;
  if (st.mode & 0o022) return `${posix.dirname(path)} is ${octal(st.mode & 0o7777)}`;
  return undefined;
}

function unmark(runs: { dirs: Dirs; shown: string }, of: string, by: string): void {
  let run: Dirs | undefined;
  try {
    run = openRun(runs, of);
    const shown = `${runs.shown}/${of}`;
    if (readRolledBack(run, shown)?.by === by) markRolledBack(run, shown, undefined);
  } catch {
    // The run undone back then is gone (--keep): nothing to unmark.
  } finally {
    run?.close();
  }
}

function undoLine(u: Undo, id: string, runShown: string): string {
  const r = u.restore;
  if (!r) return `rm -f ${shq(u.path)}    # ${u.role === 'database' ? 'database built' : u.expect?.type === 'link' ? 'link made' : 'created'} by run ${id}`;
  if (r.type === 'link') return `ln -sfn ${shq(r.target)} ${shq(u.path)}    # ${u.expect ? 'replaced' : 'removed'} by run ${id}`;
  return `restore ${shq(u.path)} from ${shq(`${runShown}${u.path}`)}    # ${u.role === 'database' ? 'database, ' : ''}mode ${octal(r.mode)}, owner ${r.uid}:${r.gid}, ${u.expect ? 'changed' : 'removed'} by run ${id}`;
}

/** The line of the rollback plan that gives an entry its owner and mode back, or removes the directory the run made. */
function ownerUndoLine(u: OwnerUndo, id: string, now: Ownership | undefined): string {
  const p = shq(u.path);
  if (!u.restore) return `rmdir ${p}    # made by run ${id} (left, with a note, when something is in it now)`;
  const set = `chown ${u.restore.uid}:${u.restore.gid} ${p} && chmod ${octal(u.restore.mode)} ${p}`;
  if (!u.expect) return `mkdir -m 0700 ${p} && ${set}    # removed by run ${id}`;
  return `${set}    # now ${now ? ownershipText(now) : 'absent'}`;
}

function tally(entries: Undo[], modes: ModeUndo[], owners: OwnerUndo[], cleared: Undo[], set: Undo[]): string {
  const content = entries.filter((u) => u.content);
  const restored = content.filter((u) => u.restore?.type === 'file').length;
  const removed = content.filter((u) => !u.restore).length;
  const links = content.filter((u) => u.restore?.type === 'link').length;
  const bits = new Set([...cleared, ...set].map((u) => u.path)).size;
  const n = (k: number, one: string, many = `${one}s`): string => `${k} ${k === 1 ? one : many}`;
  // Owners only when the run set some (a run of sendmail's policy never does).
  return [n(restored, 'file restored', 'files restored'), n(removed, 'removed', 'removed'), n(links, 'link'), n(modes.length, 'mode'), ...(owners.length ? [n(owners.length, 'owner')] : []), n(bits, 'attribute')].join(', ');
}

interface Work {
  entries: Undo[];
  modes: ModeUndo[];
  owners: OwnerUndo[];
  copies: Map<string, Buffer>;
  lockedNow: (u: Undo) => boolean;
  modeNow: Map<string, number | undefined>;
  ownerNow: Map<string, Ownership | undefined>;
  /** Filled in: directories the run made that are not empty now, left in place. */
  left: Set<string>;
}

/**
 * Puts every entry back, newest step first, each atomically, recording each in the rollback's
 * manifest as it is done. Immutable bits cleared for a write are set again (as they were before the
 * run) right after it, also when a step fails or a signal arrives.
 */
function restoreAll(dirs: Dirs, record: RunRecord, w: Work, o: RollbackOptions): void {
  const cleared: { dir: Dir; name: string; marker: string; shown: string }[] = [];
  const relock = (): string[] => {
    const errors: string[] = [];
    for (const c of cleared.splice(0)) {
      try {
        chattr(c.dir, c.name, true, c.shown);
        removeEntry(c.dir, c.marker);
      } catch (e) {
        errors.push((e as Error).message);
      }
    }
    return errors;
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    relock();
    process.exit(sig === 'SIGINT' ? EXIT.interrupted : EXIT.terminated);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('SIGHUP', onSignal);
  try {
    for (const u of w.entries) {
      const dir = dirs.need(posix.dirname(u.path), {});
      const name = posix.basename(u.path);
      const shown = hostPath(o.root, u.path);
      const wasLocked = w.lockedNow(u);
      let marker: string | undefined;
      if (wasLocked && (u.content || !u.lockedBefore)) {
        marker = markCleared(dir, name);
        try {
          chattr(dir, name, false, shown);
        } catch (e) {
          removeEntry(dir, marker);
          throw e;
        }
        // Set again after the write only when it was set before the run; else the marker just goes.
        if (u.lockedBefore) cleared.push({ dir, name, marker, shown });
      }
      if (u.content) {
        const r = u.restore;
        if (!r) removeEntry(dir, name);
        else if (r.type === 'link') atomicLink(dir, name, linkTarget(r));
        else atomicWrite(dir, name, w.copies.get(u.path)!, r.mode, { uid: r.uid, gid: r.gid }, shown, { atime: seconds(r.atimeNs), mtime: seconds(r.mtimeNs) });
      }
      const relocked = cleared.findIndex((c) => c.dir === dir && c.name === name);
      if (relocked >= 0) {
        const [c] = cleared.splice(relocked, 1);
        chattr(dir, name, true, shown);
        removeEntry(dir, c!.marker);
      } else if (u.lockedBefore && !wasLocked && dir.lstat(name)?.isFile()) chattr(dir, name, true, shown);
      else if (marker) removeEntry(dir, marker);
      if (u.content) record.entry(u.role, dir, name, { immutable: u.lockedBefore, ...(wasLocked && u.lockedBefore ? { cleared: true } : {}) });
      else if (wasLocked !== u.lockedBefore) record.add({ op: 'chattr', path: u.path, from: wasLocked, to: u.lockedBefore });
    }
    for (const u of w.modes) {
      const d = dirs.need(u.path);
      fchmodSync(d.fd, u.restore);
      record.add({ op: 'chmod', path: u.path, from: w.modeNow.get(u.path) ?? u.expect, to: u.restore });
    }
    // Owner then mode (setOwnership); a directory the run made goes when it is empty.
    for (const u of w.owners) {
      const now = w.ownerNow.get(u.path) ?? null;
      if (!u.restore) {
        if (!now) continue;
        if (removeMadeDir(dirs, u.path, u.at)) record.add({ op: 'owner', path: u.path, from: now, to: null, ...(u.at ? { at: u.at } : {}) });
        else {
          w.left.add(u.path);
          o.err(`mailharden: note: ${visibleControls(hostPath(o.root, u.path))}: made by the run, but not empty now: left in place (remove it yourself when what is in it can go)\n`);
        }
      } else if (!now) {
        // Only a directory is made again (undoRun left out a file that is gone).
        if (u.at?.type !== 'dir') throw new UserError(`${u.path}: absent, and not a directory: not made`, EXIT.runtime);
        for (const m of makeDir(dirs, u.path, u.restore)) record.add({ op: 'owner', path: m.path, from: null, to: m.to, at: m.id });
      } else {
        // The entry the run left, owned as it was when checked, or nothing.
        const done = setOwnership(dirs, u.path, u.restore, now, u.at);
        record.add({ op: 'owner', path: u.path, from: now, to: u.restore, at: done.id });
      }
    }
  } catch (e) {
    const errors = relock();
    const why = e instanceof UserError ? e.message : ((e as NodeJS.ErrnoException).code ?? (e as Error).message);
    throw UserError.lines([`rollback stopped: ${why}`, ...errors, `what it did is in ${record.shown}/${MANIFEST} (mailharden rollback ${record.id} undoes it)`], EXIT.runtime);
  } finally {
    relock();
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('SIGHUP', onSignal);
  }
}

/** Reads every entry again through the verified directories and compares it with what the run found. */
function verify(dirs: Dirs, w: Pick<Work, 'entries' | 'modes' | 'owners' | 'lockedNow' | 'left'>, o: RollbackOptions): string[] {
  const wrong: string[] = [];
  const asRoot = process.getuid?.() === 0;
  const files = w.entries.filter((u) => (u.content ? u.restore?.type === 'file' : true));
  const attrs = (o.attributes ?? lsattrAttributes)(files.map((u) => hostPath(o.root, u.path)));
  for (const u of w.entries) {
    const { dir, name } = dirs.parentOf(u.path);
    const cur = dir ? entryState(dir, name) : null;
    const p = visibleControls(u.path);
    if (u.content) {
      if (!sameContent(cur, u.restore)) {
        wrong.push(`${p}: ${describe(cur)}, expected ${describe(u.restore)}`);
        continue;
      }
      if (cur?.type === 'file' && u.restore?.type === 'file') wrong.push(...metaProblems(p, cur, u.restore, asRoot));
    }
    const flags = attrs.get(hostPath(o.root, u.path));
    if (flags !== undefined && cur?.type === 'file' && flags.includes('i') !== u.lockedBefore) wrong.push(`${p}: immutable bit ${flags.includes('i') ? 'set' : 'clear'}, expected ${u.lockedBefore ? 'set' : 'clear'}`);
  }
  for (const u of w.modes) {
    const mode = dirs.dir(u.path)?.stat().mode;
    if (mode === undefined || (mode & 0o7777) !== u.restore) wrong.push(`${visibleControls(u.path)}: mode ${mode === undefined ? 'absent' : octal(mode & 0o7777)}, expected ${octal(u.restore)}`);
  }
  for (const u of w.owners) {
    if (w.left.has(u.path)) continue;
    let cur: Ownership | undefined;
    try {
      cur = currentOwnership(dirs, u.path);
    } catch (e) {
      wrong.push(e instanceof UserError ? visibleControls(e.message) : String(e));
      continue;
    }
    if (!sameOwnership(cur, u.restore)) wrong.push(`${visibleControls(u.path)}: ${cur ? ownershipText(cur) : 'absent'}, expected ${u.restore ? ownershipText(u.restore) : 'absent'}`);
  }
  return wrong;
}

/** Mode, owner (as root: only root sets owners) and modification time, to the microsecond futimes keeps. */
function metaProblems(p: string, cur: FileState, want: FileState, asRoot: boolean): string[] {
  const out: string[] = [];
  if (cur.mode !== want.mode) out.push(`${p}: mode ${octal(cur.mode)}, expected ${octal(want.mode)}`);
  if (asRoot && (cur.uid !== want.uid || cur.gid !== want.gid)) out.push(`${p}: owner ${cur.uid}:${cur.gid}, expected ${want.uid}:${want.gid}`);
  const us = (ns: string): bigint => BigInt(ns) / 1000n;
  const d = us(cur.mtimeNs) - us(want.mtimeNs);
  if (d > 1n || d < -1n) out.push(`${p}: modified ${cur.mtimeNs} ns, expected ${want.mtimeNs} ns`);
  return out;
}
