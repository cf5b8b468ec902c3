import { spawnSync } from 'node:child_process';
import { closeSync, lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { NotRegularFile, openRegular, readOpen } from '../core/open-regular.js';
import { posix } from 'node:path';
import { fsName, nameFromBytes } from '../core/fs-names.js';

/** What the tree knows about one path (never following a link out of the root). */
export interface Meta {
  /** The path inside the tree, absolute (`/etc/aliases`). */
  path: string;
  type: 'file' | 'dir' | 'symlink' | 'other';
  /** Permission bits and set-id bits (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtimeMs: number;
  /** For symlinks: the link text. */
  target?: string;
}

/** Why a path could not be looked at. */
export type Problem = { path: string; reason: 'permission' | 'loop' | 'escapes-root' | 'dangling' | 'io'; detail: string };

const MAX_LINKS = 40;

/**
 * Where a tree's entries come from when it is not a directory on this machine: an archive made by
 * the collector (src/host/archive.ts). Paths are normalised tree paths; an errno code says why one
 * cannot be looked at, as the file system would.
 */
export interface TreeBacking {
  /** The entry itself (a link is not followed); undefined when there is none. */
  lstat(path: string): Omit<Meta, 'path'> | undefined | { code: string };
  /** A regular file's bytes, at most `max`; what it is instead, or why it cannot be read. */
  bytes(path: string, max: number): Buffer | { code: string; detail?: string } | { notRegular: string };
  /** The names in a directory (unsorted). */
  list(path: string): string[] | { code: string };
}

/**
 * A directory tree laid out like `/` (a live system, a chroot or a config repository), read without
 * ever leaving it: symlinks are resolved inside the tree (an absolute link target is taken relative to
 * the root), and a link that would lead out of it is refused. Every access returns undefined and
 * records a problem instead of throwing.
 */
export class HostTree {
  readonly problems: Problem[] = [];
  private readonly metaCache = new Map<string, Meta | null>();

  constructor(
    /** The directory that stands for `/`, absolute. */
    readonly root: string,
    /** How file attributes are read (lsattr by default; tests pass a fake). */
    private readonly readAttributes: AttributeReader = lsattrAttributes,
    /** Entries from elsewhere than the file system under `root` (a collected archive). */
    private readonly backing?: TreeBacking,
  ) {}

  /** The real location of a tree path (no link resolution). */
  hostPath(path: string): string {
    return posix.join(this.root, posix.normalize(`/${path}`));
  }

  /** Metadata of the path itself (a symlink is reported as a symlink). */
  lstat(path: string): Meta | undefined {
    const norm = posix.normalize(`/${path}`);
    if (norm === '/') return this.entry(norm);
    // The directory holding it, links followed inside the tree: the kernel would follow a link in a
    // parent (an absolute one to the host's own directory) and report what lies outside the root.
    const parent = this.resolve(posix.dirname(norm));
    return parent === undefined ? undefined : this.entry(posix.join(parent, posix.basename(norm)));
  }

  /** lstat of a path whose parents are real directories of the tree (resolve() walks with it), cached. */
  private entry(norm: string): Meta | undefined {
    const hit = this.metaCache.get(norm);
    if (hit !== undefined) return hit ?? undefined;
    let meta: Meta | null = null;
    if (this.backing) {
      const got = this.backing.lstat(norm);
      if (got && 'code' in got) this.note(norm, got);
      else if (got) meta = { ...got, path: norm };
      this.metaCache.set(norm, meta);
      return meta ?? undefined;
    }
    try {
      const at = fsName(this.hostPath(norm));
      const st = lstatSync(at);
      meta = toMeta(norm, st);
      if (meta.type === 'symlink') meta.target = nameFromBytes(readlinkSync(at, { encoding: 'buffer' }));
    } catch (e) {
      this.note(norm, e);
    }
    this.metaCache.set(norm, meta);
    return meta ?? undefined;
  }

  /** Resolves symlinks inside the tree; undefined (with a problem recorded) for dangling, looping or escaping links. */
  resolve(path: string): string | undefined {
    let current = posix.normalize(`/${path}`);
    for (let hops = 0; hops < MAX_LINKS; hops++) {
      // Resolve each component, so a link in a parent directory is handled too.
      const parts = current.split('/').filter(Boolean);
      let prefix = '/';
      let changed = false;
      for (let i = 0; i < parts.length; i++) {
        const next = posix.join(prefix, parts[i]!);
        const meta = this.entry(next);
        if (!meta) return i === parts.length - 1 ? next : undefined;
        if (meta.type === 'symlink' && meta.target !== undefined) {
          const target = meta.target.startsWith('/') ? meta.target : posix.join(prefix, meta.target);
          if (!meta.target.startsWith('/') && escapes(prefix, meta.target)) {
            this.problems.push({ path: next, reason: 'escapes-root', detail: `symlink to ${meta.target} leads out of the tree` });
            return undefined;
          }
          current = posix.normalize(posix.join(target, ...parts.slice(i + 1)));
          changed = true;
          break;
        }
        prefix = next;
      }
      if (!changed) return current;
    }
    this.problems.push({ path, reason: 'loop', detail: 'too many levels of symbolic links' });
    return undefined;
  }

  /** Metadata of what the path names, following links inside the tree. */
  stat(path: string): Meta | undefined {
    const real = this.resolve(path);
    if (real === undefined) return undefined;
    const meta = this.lstat(real);
    if (!meta && this.lstat(path)?.type === 'symlink') this.problems.push({ path, reason: 'dangling', detail: `symlink to ${this.lstat(path)!.target} names nothing` });
    return meta;
  }

  /** Metadata of a regular file, links followed inside the tree (its `path` is where the file really is); undefined otherwise, and nothing recorded. */
  file(path: string): Meta | undefined {
    const real = this.resolve(path);
    const meta = real === undefined ? undefined : this.lstat(real);
    return meta?.type === 'file' ? meta : undefined;
  }

  exists(path: string): boolean {
    return this.lstat(path) !== undefined;
  }

  /** A regular file's text (links followed inside the tree), at most `max` bytes; undefined if it cannot be read. */
  read(path: string, max = 64 * 1024 * 1024): string | undefined {
    return this.bytes(path, max)?.toString('utf8');
  }

  /** A regular file's bytes (a cdb), as read() reads them. */
  bytes(path: string, max = 64 * 1024 * 1024): Buffer | undefined {
    const real = this.resolve(path);
    if (real === undefined) return undefined;
    if (this.backing) {
      const got = this.backing.bytes(real, max);
      if (Buffer.isBuffer(got)) return got;
      if ('notRegular' in got) {
        if (got.notRegular !== 'a directory') this.problems.push({ path: real, reason: 'io', detail: `not a regular file (${got.notRegular})` });
      } else if (got.detail !== undefined) this.problems.push({ path: real, reason: 'io', detail: got.detail });
      else this.note(real, got);
      return undefined;
    }
    let fd: number | undefined;
    try {
      // Never blocks (a FIFO put or swapped in by a local user) and never follows a link swapped in
      // after resolve() looked: the type is judged on the open descriptor.
      const opened = openRegular(fsName(this.hostPath(real)), { noFollow: true });
      fd = opened.fd;
      return readOpen(fd, Math.min(opened.st.size, max));
    } catch (e) {
      if (e instanceof NotRegularFile) {
        // A directory read for a snippet is no problem; a FIFO, socket or device where a file belongs is one (MH6000).
        if (e.what !== 'a directory') this.problems.push({ path: real, reason: 'io', detail: `not a regular file (${e.what})` });
        return undefined;
      }
      this.note(real, e);
      return undefined;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }

  /** Names in a directory (links to directories followed inside the tree), sorted; [] when unreadable. Names that are not UTF-8 come surrogate-escaped (core/fs-names.ts). */
  list(path: string): string[] {
    const real = this.resolve(path);
    if (real === undefined) return [];
    if (this.backing) {
      const got = this.backing.list(real);
      if (Array.isArray(got)) return got.sort();
      if (got.code !== 'ENOENT' && got.code !== 'ENOTDIR') this.note(real, got);
      return [];
    }
    try {
      return readdirSync(fsName(this.hostPath(real)), { encoding: 'buffer' }).map(nameFromBytes).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT' && (e as NodeJS.ErrnoException).code !== 'ENOTDIR') this.note(real, e);
      return [];
    }
  }

  /**
   * The immutable (`i`) attribute of each path (links followed inside the tree), read for all paths
   * at once; undefined where it cannot be read (no lsattr, a filesystem without attributes, a
   * missing file or one that is not a regular file).
   */
  immutable(paths: readonly string[]): Map<string, boolean | undefined> {
    const out = new Map<string, boolean | undefined>();
    for (const p of paths) out.set(p, undefined);
    const real = paths.map((p) => [p, this.resolve(p)] as const).filter(([, r]) => r !== undefined && this.lstat(r!)?.type === 'file');
    if (real.length === 0) return out;
    const flags = this.readAttributes(real.map(([, rp]) => this.hostPath(rp!)));
    for (const [p, rp] of real) {
      const f = flags.get(this.hostPath(rp!));
      if (f !== undefined) out.set(p, f.includes('i'));
    }
    return out;
  }

  private note(path: string, e: unknown): void {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return;
    const reason = code === 'EACCES' || code === 'EPERM' ? 'permission' : code === 'ELOOP' ? 'loop' : 'io';
    this.problems.push({ path, reason, detail: code ?? String(e) });
  }
}

/**
 * Reads the attribute letters of real files (`----i---------e-------`, as lsattr prints them), by
 * host path; a path missing from the answer has attributes that could not be read.
 */
export type AttributeReader = (hostPaths: readonly string[]) => ReadonlyMap<string, string>;

/** `lsattr -d` on all the paths in one call; files it cannot read (no attribute support) are left out. */
export const lsattrAttributes: AttributeReader = (hostPaths) => {
  const out = new Map<string, string>();
  const r = spawnSync('lsattr', ['-d', '--', ...hostPaths], { encoding: 'utf8', timeout: 10_000 });
  if (r.error || typeof r.stdout !== 'string') return out;
  const wanted = new Set(hostPaths);
  for (const line of r.stdout.split('\n')) {
    const m = /^(\S+)\s+(.+)$/.exec(line);
    if (m && wanted.has(m[2]!)) out.set(m[2]!, m[1]!);
  }
  return out;
};

function toMeta(path: string, st: Stats): Meta {
  const type = st.isSymbolicLink() ? 'symlink' : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  return { path, type, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, size: st.size, mtimeMs: st.mtimeMs };
}

/** Whether a relative link target climbs above the tree's root from `dir` (`../../x` in `/etc`). */
export function escapes(dir: string, target: string): boolean {
  let depth = dir.split('/').filter(Boolean).length;
  for (const part of target.split('/')) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return true;
  }
  return false;
}

