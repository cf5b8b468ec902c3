import { closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { fsName, nameFromBytes } from '../core/fs-names.js';

/**
 * Where this process reaches its own open descriptors by name. Linux's /proc/self/fd/N/NAME resolves
 * N to the directory the descriptor holds (not to a path looked up again) and then NAME inside it:
 * what openat(2) does, with the calls Node has.
 */
const FD_DIR = '/proc/self/fd';

const DIR_FLAGS = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** A name inside one directory: never empty, `.`, `..`, or holding a `/` or a NUL. */
export function checkName(s: string): void {
  if (s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\0')) throw new UserError(`${JSON.stringify(s)}: not a name inside a directory`, EXIT.runtime);
}

/**
 * A directory opened once and verified (each component from the root opened with O_DIRECTORY and
 * O_NOFOLLOW): every action on a name in it goes through the descriptor, so swapping the directory or
 * one above it for a symlink afterwards changes nothing about where apply acts.
 */
export class Dir {
  constructor(
    readonly fd: number,
    /** Its path inside the tree (`/etc/mail`), for messages. */
    readonly path: string,
  ) {}

  /**
   * The name inside this directory, for this process's own calls (never re-resolved from the root);
   * a surrogate-escaped name (core/fs-names.ts) comes back as its exact bytes.
   */
  at(name: string): string | Buffer {
    checkName(name);
    const raw = fsName(name);
    const prefix = `${FD_DIR}/${this.fd}/`;
    return typeof raw === 'string' ? `${prefix}${raw}` : Buffer.concat([Buffer.from(prefix), raw]);
  }

  /** The directory itself, for this process. */
  get self(): string {
    return `${FD_DIR}/${this.fd}`;
  }

  /**
   * The name inside this directory for a program this process runs (and waits for): its /proc entry
   * reaches this process's descriptor, so the program acts on the verified directory too.
   */
  forChild(name: string): string {
    checkName(name);
    return `/proc/${process.pid}/fd/${this.fd}/${name}`;
  }

  /** lstat of a name in it, or undefined when there is none. */
  lstat(name: string): Stats | undefined {
    try {
      return lstatSync(this.at(name));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }

  /** The directory's own stat, from the descriptor. */
  stat(): Stats {
    return fstatSync(this.fd);
  }

  /** The tree path of a name in it. */
  treePath(name: string): string {
    return posix.join(this.path, name);
  }
}

/**
 * The directories one apply run acts in, each opened once from the root down and kept open for the
 * run: planning reads the files through them and every later step (writes, links, modes, databases,
 * attributes, validation temp files) acts through the same descriptors.
 */
export class Dirs {
  private readonly open = new Map<string, Dir>();
  private readonly rootDir: Dir;
  private readonly owned: boolean = true;
  private closed = false;

  /** `root` is the host directory standing for `/`; it is resolved once, here (links in it are the caller's choice). */
  constructor(readonly root: string, under?: Dir) {
    if (under) {
      // A tree inside a directory already verified (a backup directory): its descriptor is not owned here.
      this.rootDir = new Dir(under.fd, '/');
      this.owned = false;
      return;
    }
    if (!existsSync(FD_DIR)) throw new UserError(`${FD_DIR} is missing: apply acts through open directories, which needs Linux's /proc mounted`, EXIT.runtime);
    let real: string;
    try {
      real = realpathSync(root);
    } catch (e) {
      throw new UserError(`--root ${root}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : (e as Error).message}`, EXIT.usage);
    }
    let fd: number;
    try {
      fd = openSync(real, constants.O_RDONLY | constants.O_DIRECTORY);
    } catch (e) {
      throw new UserError(`--root ${root}: ${(e as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'not a directory' : (e as Error).message}`, EXIT.usage);
    }
    this.rootDir = new Dir(fd, '/');
  }

  /** The verified directories under one of these, as a tree of its own (its descriptor stays this one's). */
  under(path: string, create?: { mode?: number }): Dirs {
    const d = this.need(path, create);
    return new Dirs(posix.join(this.root, d.path), d);
  }

  /**
   * The verified directory at a tree path, or undefined when it (or a parent) does not exist and
   * `create` is not set. With `create`, missing components are made (mode `mode`, 0755 by default)
   * through their parent's descriptor. A component that is a symlink or not a directory is refused.
   */
  dir(path: string, create?: { mode?: number }): Dir | undefined {
    const norm = posix.normalize(`/${path}`);
    if (norm === '/') return this.rootDir;
    const hit = this.open.get(norm);
    if (hit) return hit;
    const parentPath = posix.dirname(norm);
    const parent = this.dir(parentPath, create);
    if (!parent) return undefined;
    const name = posix.basename(norm);
    let fd: number | undefined;
    for (let attempt = 0; fd === undefined; attempt++) {
      try {
        fd = openSync(parent.at(name), DIR_FLAGS);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' && create && attempt === 0) {
          try {
            mkdirSync(parent.at(name), { mode: create.mode ?? 0o755 });
          } catch (m) {
            if ((m as NodeJS.ErrnoException).code !== 'EEXIST') throw new UserError(`${norm}: ${(m as Error).message}`, EXIT.runtime);
          }
          continue;
        }
        if (code === 'ENOENT') return undefined;
        const err = this.refusal(parent, name, norm, e as NodeJS.ErrnoException);
        // Looking (not creating): a file where a directory would be means the path does not exist.
        if (!create && err.message.endsWith(': not a directory')) return undefined;
        throw err;
      }
    }
    const d = new Dir(fd, norm);
    this.open.set(norm, d);
    return d;
  }

  /** Like dir(), for a directory that must exist. */
  need(path: string, create?: { mode?: number }): Dir {
    const d = this.dir(path, create);
    if (!d) throw new UserError(`${path}: no such directory`, EXIT.runtime);
    return d;
  }

  /** The directory holding a tree path, and the path's last component. */
  parentOf(path: string, create?: { mode?: number }): { dir: Dir | undefined; name: string } {
    const norm = posix.normalize(`/${path}`);
    if (norm === '/') throw new UserError('/: not a file', EXIT.runtime);
    return { dir: this.dir(posix.dirname(norm), create), name: posix.basename(norm) };
  }

  private refusal(parent: Dir, name: string, shown: string, e: NodeJS.ErrnoException): UserError {
    const st = parent.lstat(name);
    if (st?.isSymbolicLink()) return linkRefused(shown, parent.at(name));
    if (st && !st.isDirectory()) return new UserError(`${shown}: not a directory`, EXIT.runtime);
    return new UserError(`${shown}: ${e.message}`, EXIT.runtime);
  }

  /** Closes every descriptor (the run is over). */
  close(): void {
    const all = [...this.open.values(), ...(this.owned && !this.closed ? [this.rootDir] : [])];
    this.closed = true;
    for (const d of all) {
      try {
        closeSync(d.fd);
      } catch {
        // already closed
      }
    }
    this.open.clear();
  }
}

/** A symlink where apply would act: refused, naming where it points. */
export function linkRefused(shown: string, at: string | Buffer): UserError {
  let to = '';
  try {
    to = ` (to ${nameFromBytes(readlinkSync(at, { encoding: 'buffer' }))})`;
  } catch {
    // gone again: the refusal stands
  }
  return new UserError(`${shown} is a symlink${to}: mailharden does not write through links; give the real path in the policy's paths`, EXIT.runtime);
}
