import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, rmdirSync, unlinkSync } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { fsName, nameFromBytes } from '../core/fs-names.js';
import { visibleControls } from '../core/visible.js';
import { Dir, Dirs } from './dirs.js';
import { atomicWrite, backup, openRegular, readFd, removeEntry } from './write.js';
import { othersMayChange } from './workdir.js';
import type { Ownership } from '../model/qmail-hier.js';
import type { Identity } from './owners.js';

/**
 * The record of one real run (apply or rollback), kept in its run directory beside the backup copies:
 * what it changed, step by step, as it happened, so that `mailharden rollback` can put every entry back
 * as it was, and refuse what changed since. Written atomically after each step: a run that fails
 * midway leaves the record of what it did (`complete: false`).
 *
 * The run directory mirrors the tree: the copy of a tree path P that the run replaced or removed is
 * RUN/P (a regular file with the old bytes, mode, owner and times, or the old link), so the files can
 * be put back by hand too (README, "Rolling back").
 */
export const MANIFEST = 'manifest.json';
/** Beside the manifest in a run that was rolled back: which run did it, and when. */
export const ROLLED_BACK = 'rolled-back.json';
export const MANIFEST_FORMAT = 'mailharden-run';
export const MANIFEST_VERSION = 1;
/** Where runs are kept by default, inside the root (--backup-dir elsewhere). */
export const DEFAULT_RUNS = '/var/backups/mailharden';

/** Bounds on a manifest read from disk (a run records a few dozen steps). */
const MAX_MANIFEST = 16 * 1024 * 1024;
const MAX_STEPS = 100_000;
const MAX_PATH = 4096;

/** A regular file as a run found or left it. Times are nanoseconds since the epoch (decimal text, exact). */
export interface FileState {
  type: 'file';
  sha256: string;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  atimeNs: string;
  mtimeNs: string;
  /** The immutable attribute (chattr +i). */
  immutable: boolean;
}

export interface LinkState {
  type: 'link';
  /** The link's text (surrogate-escaped where it is not UTF-8, core/fs-names.ts). */
  target: string;
}

export type EntryState = FileState | LinkState;

/** What an entry is to the run: a managed file, a database built from one, an entry of the smrsh directory. */
export type EntryRole = 'file' | 'database' | 'smrsh';

export type Step =
  /** An entry created, replaced or removed (`before`/`after` null: absent). `cleared`: its immutable bit was cleared for the write and set again. */
  | { op: 'entry'; role: EntryRole; path: string; before: EntryState | null; after: EntryState | null; cleared?: boolean }
  /** A directory's mode. */
  | { op: 'chmod'; path: string; from: number; to: number }
  /** An immutable bit set or cleared (beyond the clearing and setting again around a write). */
  | { op: 'chattr'; path: string; from: boolean; to: boolean }
  /**
   * The owner and mode of a file or directory (qmail's hier.c); `from` null: the run made the
   * directory, `to` null: it removed it (a rollback of a run that made it). `at`: the entry the run
   * changed or made (type, device, inode as it left it); rollback changes that entry or nothing.
   */
  | { op: 'owner'; path: string; from: Ownership | null; to: Ownership | null; at?: Identity };

export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  /** The run directory's name. */
  id: string;
  kind: 'apply' | 'rollback';
  /** A rollback: the run it undid. */
  of?: string;
  time: string;
  /** The host directory the run acted on as `/`. */
  root: string;
  /** The policy's name (apply) or the run rolled back. */
  policy: string;
  /** Every step was done. */
  complete: boolean;
  steps: Step[];
}

export interface RolledBack {
  by: string;
  time: string;
}

/** Nanoseconds (decimal text) as the seconds futimes takes: exact to the microsecond. */
export const seconds = (ns: string): number => Number(BigInt(ns) / 1000n) / 1e6;

/** The state of a name in a verified directory (never following a link), or null when there is none. */
export function entryState(dir: Dir, name: string, immutable = false): EntryState | null {
  const st = dir.lstat(name);
  if (!st) return null;
  if (st.isSymbolicLink()) return { type: 'link', target: nameFromBytes(readlinkSync(dir.at(name), { encoding: 'buffer' })) };
  const { fd } = openRegular(dir, name, dir.treePath(name));
  try {
    const hash = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; size += n) hash.update(buf.subarray(0, n));
    const s = fstatSync(fd, { bigint: true });
    return { type: 'file', sha256: hash.digest('hex'), size, mode: Number(s.mode & 0o7777n), uid: Number(s.uid), gid: Number(s.gid), atimeNs: String(s.atimeNs), mtimeNs: String(s.mtimeNs), immutable };
  } finally {
    closeSync(fd);
  }
}

/** The sha256 of bytes (what a FileState holds). */
export const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Whether an entry is as a state says (content and type; a file's metadata is compared by the caller). */
export function sameContent(now: EntryState | null, want: EntryState | null): boolean {
  if (!now || !want) return now === want;
  if (now.type === 'link') return want.type === 'link' && now.target === want.target;
  return want.type === 'file' && now.sha256 === want.sha256;
}

/** A state in a few words, for messages: `absent`, `link to X`, `sha256 abcd1234…`. */
export function describe(s: EntryState | null): string {
  if (!s) return 'absent';
  return s.type === 'link' ? `link to ${visibleControls(s.target)}` : `sha256 ${s.sha256.slice(0, 12)}…`;
}

/**
 * Where a run's directory goes and where `rollback` finds runs: --backup-dir (a directory of runs,
 * opened from / without following links, made 0700 when missing), else /var/backups/mailharden inside
 * the root (its parents made as any directory). `shown` is the host path, for messages.
 */
export function openRuns(rootDirs: Dirs, root: string, backupDir: string | undefined, create: boolean): { dirs: Dirs; shown: string; close: () => void } | undefined {
  const host = backupDir === undefined ? undefined : new Dirs('/');
  try {
    const base = host ?? rootDirs;
    const path = backupDir === undefined ? DEFAULT_RUNS : posix.resolve(backupDir);
    if (create && backupDir === undefined) base.need(posix.dirname(path), {});
    const d = base.dir(path, create ? { mode: backupDir === undefined ? 0o755 : 0o700 } : undefined);
    if (!d) {
      host?.close();
      return undefined;
    }
    const shown = backupDir === undefined ? (root === '/' ? path : `${root.replace(/\/$/, '')}${path}`) : path;
    // Runs are read back, restored from and pruned as root: a directory another user can change
    // could hold their runs, or have a run swapped for a link while --keep removes it.
    if (othersMayChange(d.stat())) throw new UserError(`${shown}: other users can change entries in it: not a place for mailharden's runs`, EXIT.runtime);
    const dirs = base.under(path);
    return { dirs, shown, close: () => (dirs.close(), host?.close()) };
  } catch (e) {
    host?.close();
    throw e;
  }
}

/** The name of a new run's directory: the time (ISO 8601, basic format), with `-N` when that name is taken. */
const RUN_NAME = /^\d{8}T\d{6}(?:\.\d{3})?Z(?:-\d+)?$/;
export const isRunName = (n: string): boolean => RUN_NAME.test(n);

/**
 * One run's record: its directory (made here, 0700, a name no other run has) and its manifest, saved
 * again after each step.
 */
export class RunRecord {
  /** The state of each entry when it was backed up (the manifest's `before`). */
  private readonly found = new Map<string, EntryState | null>();

  private constructor(
    readonly dirs: Dirs,
    readonly shown: string,
    readonly manifest: Manifest,
  ) {}

  /** Makes a run directory in the runs directory and writes its first manifest (no steps yet). */
  static create(runs: { dirs: Dirs; shown: string }, header: Omit<Manifest, 'format' | 'version' | 'id' | 'complete' | 'steps'>): RunRecord {
    const parent = runs.dirs.need('/');
    const stamp = header.time.replace(/[-:]/g, '');
    let id = '';
    for (let n = 1; !id; n++) {
      const name = n === 1 ? stamp : `${stamp}-${n}`;
      try {
        mkdirSync(parent.at(name), { mode: 0o700 });
        id = name;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || n >= 100) throw new UserError(`${runs.shown}/${name}: cannot make the run directory: ${(e as Error).message}`, EXIT.runtime);
      }
    }
    const dirs = runs.dirs.under(`/${id}`);
    const shown = `${runs.shown}/${id}`;
    if (othersMayChange(dirs.need('/').stat())) {
      dirs.close();
      throw new UserError(`${shown}: other users can change entries in it: not a place for backups`, EXIT.runtime);
    }
    const record = new RunRecord(dirs, shown, { format: MANIFEST_FORMAT, version: MANIFEST_VERSION, id, ...header, complete: false, steps: [] });
    record.save();
    return record;
  }

  get id(): string {
    return this.manifest.id;
  }

  /**
   * Copies an entry about to change into the run directory (when there is one) and notes its state;
   * `immutable` is its attribute now.
   */
  keep(dir: Dir, name: string, immutable = false): void {
    const path = dir.treePath(name);
    if (this.found.has(path)) return;
    const state = entryState(dir, name, immutable);
    if (state) backup(dir, name, path, this.dirs);
    this.found.set(path, state);
  }

  /** The state noted by keep(), or null for an entry that was not there. */
  before(path: string): EntryState | null {
    return this.found.get(path) ?? null;
  }

  /** Records an entry after a step changed it: its state before (from keep()) and now. */
  entry(role: EntryRole, dir: Dir, name: string, opts: { immutable?: boolean; cleared?: boolean } = {}): void {
    const path = dir.treePath(name);
    const after = entryState(dir, name, opts.immutable);
    this.add({ op: 'entry', role, path, before: this.before(path), after, ...(opts.cleared ? { cleared: true } : {}) });
    // A second step on the same entry starts from this one's result.
    this.found.set(path, after);
  }

  add(step: Step): void {
    this.manifest.steps.push(step);
    this.save();
  }

  /** Every step was done. */
  finish(): void {
    this.manifest.complete = true;
    this.save();
  }

  close(): void {
    this.dirs.close();
  }

  /** Through a temp file and a rename in the verified run directory, 0600: never half a manifest. */
  private save(): void {
    const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    atomicWrite(this.dirs.need('/'), MANIFEST, Buffer.from(`${JSON.stringify(this.manifest, null, 1)}\n`), 0o600, self, `${this.shown}/${MANIFEST}`);
  }
}

/**
 * Starts an apply run: opens (or makes) the runs directory and makes the run's own directory in it.
 * The runs directory stays open with the run (the record acts through its descriptor), and `prune`
 * applies --keep to it once the run is done.
 */
export function startRun(rootDirs: Dirs, o: { root: string; backupDir?: string; policy: string; time: string }): { record: RunRecord; prune: (keep: number) => string[]; close: () => void } {
  const runs = openRuns(rootDirs, o.root, o.backupDir, true)!;
  let record: RunRecord;
  try {
    record = RunRecord.create(runs, { kind: 'apply', time: o.time, root: o.root, policy: o.policy });
  } catch (e) {
    runs.close();
    throw e;
  }
  return {
    record,
    prune: (keep) => pruneRuns(runs, keep),
    close: () => {
      record.close();
      runs.close();
    },
  };
}

/** A run directory found in the runs directory: its manifest, or why it cannot be used. */
export interface FoundRun {
  id: string;
  manifest?: Manifest;
  rolledBack?: RolledBack;
  problem?: string;
}

/**
 * Opens a run directory by name in the runs directory, refusing a link, one that is not a directory,
 * or one other users can change (its manifest could then be anyone's).
 */
export function openRun(runs: { dirs: Dirs; shown: string }, id: string): Dirs {
  const shown = `${runs.shown}/${visibleControls(id)}`;
  if (id === '' || id === '.' || id === '..' || id.includes('/') || id.includes('\0')) throw new UserError(`${shown}: not a run name`, EXIT.usage);
  const st = runs.dirs.need('/').lstat(id);
  if (!st) throw new UserError(`${shown}: no such run (mailharden rollback --list)`, EXIT.usage);
  if (st.isSymbolicLink()) throw new UserError(`${shown} is a symlink: not a run directory of mailharden`, EXIT.usage);
  if (!st.isDirectory()) throw new UserError(`${shown}: not a run directory`, EXIT.usage);
  const dirs = runs.dirs.under(`/${id}`);
  if (othersMayChange(dirs.need('/').stat())) {
    dirs.close();
    throw new UserError(`${shown}: other users can change entries in it: not a run directory of mailharden`, EXIT.usage);
  }
  return dirs;
}

/** Reads a JSON file of a run directory: a regular file (never a link), bounded, owned by this user or root. */
function readJson(run: Dirs, name: string, shown: string): unknown {
  const d = run.need('/');
  if (d.lstat(name)?.isSymbolicLink()) throw new UserError(`${shown} is a symlink: not read (a run's files are its own)`, EXIT.usage);
  let fd: number;
  let size: number;
  try {
    const o = openRegular(d, name, shown);
    fd = o.fd;
    size = o.st.size;
    if (o.st.uid !== 0 && o.st.uid !== (process.getuid?.() ?? 0)) {
      closeSync(fd);
      throw new UserError(`${shown}: owned by user ${o.st.uid}: not made by mailharden`, EXIT.usage);
    }
  } catch (e) {
    if (e instanceof UserError) throw new UserError(e.message, EXIT.usage);
    throw new UserError(`${shown}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, EXIT.usage);
  }
  try {
    if (size > MAX_MANIFEST) throw new UserError(`${shown}: ${size} bytes, larger than a manifest can be (limit ${MAX_MANIFEST})`, EXIT.usage);
    const text = readFd(fd, size, MAX_MANIFEST, shown).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new UserError(`${shown}: not JSON: ${(e as Error).message}`, EXIT.usage);
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads and checks a run's manifest (input from disk: every field is checked before it is used). */
export function readManifest(run: Dirs, id: string, shownRun: string): Manifest {
  const shown = `${shownRun}/${MANIFEST}`;
  const m = readJson(run, MANIFEST, shown);
  const problem = manifestProblem(m, id);
  if (problem) throw new UserError(`${shown}: not a valid mailharden manifest: ${visibleControls(problem)}`, EXIT.usage);
  return m as Manifest;
}

/** The marker of a rolled-back run, if there is one. */
export function readRolledBack(run: Dirs, shownRun: string): RolledBack | undefined {
  if (!run.need('/').lstat(ROLLED_BACK)) return undefined;
  const shown = `${shownRun}/${ROLLED_BACK}`;
  const v = readJson(run, ROLLED_BACK, shown) as Partial<RolledBack> | null;
  if (!v || typeof v !== 'object' || typeof v.by !== 'string' || !isRunName(v.by) || typeof v.time !== 'string' || v.time.length > 64) throw new UserError(`${shown}: not a valid marker of a rollback`, EXIT.usage);
  return { by: v.by, time: v.time };
}

/** Marks a run as rolled back by another (atomic, 0600), or removes the mark. */
export function markRolledBack(run: Dirs, shownRun: string, by: RolledBack | undefined): void {
  const d = run.need('/');
  if (!by) return removeEntry(d, ROLLED_BACK);
  const self = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
  atomicWrite(d, ROLLED_BACK, Buffer.from(`${JSON.stringify(by)}\n`), 0o600, self, `${shownRun}/${ROLLED_BACK}`);
}

/**
 * Every run in the runs directory, newest first: directories with a run's name (others are not runs:
 * left out), each with its manifest or the reason it cannot be used (a link, no manifest, a bad one).
 */
export function listRuns(runs: { dirs: Dirs; shown: string }): FoundRun[] {
  const parent = runs.dirs.need('/');
  const names = readdirSync(parent.self, { encoding: 'buffer' }).map(nameFromBytes).filter(isRunName);
  const found: FoundRun[] = [];
  for (const id of names) {
    let run: Dirs | undefined;
    try {
      run = openRun(runs, id);
      if (!run.need('/').lstat(MANIFEST)) {
        found.push({ id, problem: 'no manifest (made by an older mailharden, or stopped before it wrote one): restore by hand' });
        continue;
      }
      const shown = `${runs.shown}/${id}`;
      const manifest = readManifest(run, id, shown);
      const rolledBack = readRolledBack(run, shown);
      found.push({ id, manifest, ...(rolledBack ? { rolledBack } : {}) });
    } catch (e) {
      found.push({ id, problem: e instanceof UserError ? e.message.replace(`${runs.shown}/${id}`, '').replace(/^[: ]+/, '') : String(e) });
    } finally {
      run?.close();
    }
  }
  // Newest first: by the time recorded, then by name (the time too, with -N for a second run in the same millisecond).
  const time = (r: FoundRun): string => r.manifest?.time ?? '';
  return found.sort((a, b) => (time(a) === time(b) ? cmpRun(b.id, a.id) : time(a) < time(b) ? 1 : -1));
}

/** Run names in order of making (`…Z` before `…Z-2` before `…Z-10`). */
function cmpRun(a: string, b: string): number {
  const [sa, na] = a.split('-');
  const [sb, nb] = b.split('-');
  if (sa !== sb) return sa! < sb! ? -1 : 1;
  return Number(na ?? 1) - Number(nb ?? 1);
}

/**
 * Deletes the oldest run directories so that `keep` remain (the newest, by the same order as
 * listRuns): only directories that are mailharden's own runs (a run's name, a valid manifest, no
 * other user may change them), removed through the runs directory's descriptor without following a
 * link. Returns the ids removed.
 */
export function pruneRuns(runs: { dirs: Dirs; shown: string }, keep: number): string[] {
  const own = listRuns(runs).filter((r) => r.manifest);
  const parent = runs.dirs.need('/');
  const removed: string[] = [];
  for (const r of own.slice(keep)) {
    const st = parent.lstat(r.id);
    if (!st?.isDirectory() || othersMayChange(st)) continue;
    removeTree(parent, r.id, 0);
    removed.push(r.id);
  }
  return removed;
}

/**
 * Removes a directory and everything in it through descriptors: each level opened once without
 * following a link, its entries unlinked through that descriptor (links as links), then the level
 * itself rmdir'ed from its parent's. Unlike a path-based recursive remove, a level swapped for a
 * symlink meanwhile never leads the removal elsewhere (rmdir of a link fails).
 */
function removeTree(parent: Dir, name: string, depth: number): void {
  if (depth > 32) throw new UserError(`${parent.treePath(name)}: nested deeper than a run directory is: not removed`, EXIT.runtime);
  const fd = openSync(parent.at(name), constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  const dir = new Dir(fd, parent.treePath(name));
  try {
    for (const entry of readdirSync(dir.self, { encoding: 'buffer' }).map(nameFromBytes)) {
      if (dir.lstat(entry)?.isDirectory()) removeTree(dir, entry, depth + 1);
      else unlinkSync(dir.at(entry));
    }
  } finally {
    closeSync(fd);
  }
  rmdirSync(parent.at(name));
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown, max: number): v is number => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= max;

/**
 * A path in a manifest: absolute, normalised (no `.`, `..`, `//` or trailing `/`), not `/`, no NUL,
 * bounded. The rollback acts on it inside the root, through verified directories, so it must name
 * exactly one entry.
 */
export function pathProblem(p: unknown): string | undefined {
  if (typeof p !== 'string') return 'a path is not a string';
  const shown = JSON.stringify(p.slice(0, 200));
  if (!p.startsWith('/') || p === '/' || p.length > MAX_PATH || p.includes('\0')) return `${shown}: not an absolute path of a file`;
  if (posix.normalize(p) !== p || p.endsWith('/') || p.split('/').some((c) => c === '..' || c === '.')) return `${shown}: not a normalised path (no "..", ".", "//")`;
  return undefined;
}

function stateProblem(s: unknown, where: string): string | undefined {
  if (s === null) return undefined;
  if (!isObject(s)) return `${where}: not a state`;
  if (s.type === 'link') {
    if (typeof s.target !== 'string' || s.target === '' || s.target.length > MAX_PATH || s.target.includes('\0')) return `${where}: a link without a valid target`;
    return undefined;
  }
  if (s.type !== 'file') return `${where}: unknown type ${JSON.stringify(String(s.type).slice(0, 40))}`;
  if (typeof s.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(s.sha256)) return `${where}: sha256 is not 64 hex digits`;
  if (!isInt(s.size, Number.MAX_SAFE_INTEGER) || !isInt(s.mode, 0o7777) || !isInt(s.uid, 0xffffffff) || !isInt(s.gid, 0xffffffff)) return `${where}: size, mode, uid or gid out of range`;
  if (typeof s.atimeNs !== 'string' || !/^\d{1,30}$/.test(s.atimeNs) || typeof s.mtimeNs !== 'string' || !/^\d{1,30}$/.test(s.mtimeNs)) return `${where}: times are not nanoseconds`;
  if (typeof s.immutable !== 'boolean') return `${where}: immutable is not true or false`;
  return undefined;
}

function ownershipProblem(o: unknown, where: string): string | undefined {
  if (o === null) return undefined;
  if (!isObject(o) || !isInt(o.uid, 0xffffffff) || !isInt(o.gid, 0xffffffff) || !isInt(o.mode, 0o7777)) return `${where}: not an owner and mode (uid, gid, mode in range)`;
  return undefined;
}

function identityProblem(i: unknown, where: string): string | undefined {
  if (i === undefined) return undefined;
  const id = (n: unknown): boolean => typeof n === 'number' && Number.isInteger(n) && n >= 0;
  if (!isObject(i) || (i.type !== 'dir' && i.type !== 'file') || !id(i.dev) || !id(i.ino)) return `${where}: not an entry (type dir or file, dev, ino)`;
  return undefined;
}

/** Why a parsed manifest cannot be used, or undefined. */
export function manifestProblem(m: unknown, id: string): string | undefined {
  if (!isObject(m)) return 'not an object';
  if (m.format !== MANIFEST_FORMAT) return `format is not "${MANIFEST_FORMAT}"`;
  if (m.version !== MANIFEST_VERSION) return `version ${JSON.stringify(m.version)} (this mailharden reads version ${MANIFEST_VERSION})`;
  if (m.id !== id) return `it names run ${JSON.stringify(String(m.id).slice(0, 60))}, not the directory it is in`;
  if (m.kind !== 'apply' && m.kind !== 'rollback') return 'kind is not apply or rollback';
  if (m.of !== undefined && (typeof m.of !== 'string' || !isRunName(m.of))) return 'of is not a run name';
  if (typeof m.time !== 'string' || Number.isNaN(Date.parse(m.time)) || m.time.length > 64) return 'time is not a date';
  if (typeof m.root !== 'string' || !m.root.startsWith('/') || m.root.length > MAX_PATH) return 'root is not an absolute path';
  if (typeof m.policy !== 'string' || m.policy.length > 200) return 'policy is not a name';
  if (typeof m.complete !== 'boolean') return 'complete is not true or false';
  if (!Array.isArray(m.steps) || m.steps.length > MAX_STEPS) return `steps is not a list (of at most ${MAX_STEPS})`;
  for (const [i, s] of m.steps.entries()) {
    const where = `step ${i + 1}`;
    if (!isObject(s)) return `${where}: not an object`;
    const bad = pathProblem(s.path);
    if (bad) return `${where}: ${bad}`;
    if (s.op === 'entry') {
      if (s.role !== 'file' && s.role !== 'database' && s.role !== 'smrsh') return `${where}: role is not file, database or smrsh`;
      const state = stateProblem(s.before, `${where} before`) ?? stateProblem(s.after, `${where} after`);
      if (state) return state;
      if (s.before === undefined || s.after === undefined) return `${where}: before or after missing`;
      if (s.cleared !== undefined && typeof s.cleared !== 'boolean') return `${where}: cleared is not true or false`;
    } else if (s.op === 'chmod') {
      if (!isInt(s.from, 0o7777) || !isInt(s.to, 0o7777)) return `${where}: a mode out of range`;
    } else if (s.op === 'chattr') {
      if (typeof s.from !== 'boolean' || typeof s.to !== 'boolean') return `${where}: from or to is not true or false`;
    } else if (s.op === 'owner') {
      if (s.from === undefined || s.to === undefined || (s.from === null && s.to === null)) return `${where}: from or to missing`;
      const bad = ownershipProblem(s.from, `${where} from`) ?? ownershipProblem(s.to, `${where} to`) ?? identityProblem(s.at, `${where} at`);
      if (bad) return bad;
    } else return `${where}: unknown op ${JSON.stringify(String(s.op).slice(0, 40))}`;
  }
  return undefined;
}

/** A link target from a manifest as the bytes to write. */
export const linkTarget = (s: LinkState): string | Buffer => fsName(s.target);

/** A run in a few words for --list: what it changed. */
export function runSummary(m: Manifest): string {
  let changed = 0;
  let created = 0;
  let removed = 0;
  let links = 0;
  let databases = 0;
  let modes = 0;
  let attributes = 0;
  let owners = 0;
  let madeDirs = 0;
  const seen = new Set<string>();
  for (const s of m.steps) {
    if (s.op === 'chmod') modes++;
    else if (s.op === 'chattr') attributes++;
    else if (s.op === 'owner') {
      if (s.from === null) madeDirs++;
      else owners++;
    }
    else {
      // A bit changed with the content (a rollback clears one a run had set) counts as an attribute too.
      const bit = (x: EntryState | null): boolean => x?.type === 'file' && x.immutable;
      if (bit(s.before) !== bit(s.after)) attributes++;
      if (seen.has(s.path)) continue;
      seen.add(s.path);
      if (s.role === 'database') databases++;
      else if (s.after?.type === 'link') links++;
      else if (!s.after) removed++;
      else if (!s.before) created++;
      else changed++;
    }
  }
  const n = (k: number, one: string, many = `${one}s`): string[] => (k ? [`${k} ${k === 1 ? one : many}`] : []);
  const parts = [...n(changed, 'changed', 'changed'), ...n(created, 'created', 'created'), ...n(removed, 'removed', 'removed'), ...n(links, 'link'), ...n(databases, 'database'), ...n(modes, 'mode'), ...n(owners, 'owner'), ...n(madeDirs, 'directory made', 'directories made'), ...n(attributes, 'attribute')];
  return parts.length ? parts.join(', ') : 'nothing';
}
