import { closeSync, constants, fstatSync, lstatSync, mkdtempSync, openSync, rmdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { Dir } from './dirs.js';

/** Whether users other than the owner can add, rename or remove names in a directory (group or other write). */
export function othersMayChange(st: { mode: number; uid: number }): boolean {
  const self = process.getuid?.() ?? 0;
  return (st.mode & 0o022) !== 0 || (st.uid !== 0 && st.uid !== self);
}

/**
 * The temp directory (TMPDIR or /tmp), if no other user can rename or remove what this run makes in
 * it: owned by root or this user, and sticky or writable by its owner alone. Else apply stops: its
 * private directories there could be swapped (and removing them would follow the swap).
 */
export function safeTempBase(): string {
  const base = tmpdir();
  const st = lstatSync(base);
  const self = process.getuid?.() ?? 0;
  if (!st.isDirectory() || (st.uid !== 0 && st.uid !== self) || ((st.mode & 0o022) !== 0 && !(st.mode & 0o1000))) throw new UserError(`${base}: a temp directory another user can change entries in: set TMPDIR to a safe one`, EXIT.runtime);
  return base;
}

/**
 * Where root's runs build: /run when it and / are root's and no one else may write them, else the temp
 * directory. sendmail checks every directory above an alias file, and a configuration without
 * TrustStickyBit in DontBlameSendmail (`safe`, as a hardened one has it) refuses a sticky
 * world-writable /tmp: measured with 8.17.1.9, `sendmail -bi -oA/tmp/…/aliases` exits 70 ("World
 * writable directory /tmp", "Cannot create database"); under /run it builds.
 */
export function buildBase(): string {
  if (process.getuid?.() !== 0) return safeTempBase();
  try {
    const safe = (p: string): boolean => {
      const st = lstatSync(p);
      return st.isDirectory() && st.uid === 0 && (st.mode & 0o022) === 0;
    };
    if (safe('/') && safe(RUN)) return RUN;
  } catch {
    // no /run: the temp directory
  }
  return safeTempBase();
}

const RUN = '/run';

/**
 * A directory of this run's own (mode 0700, owned by this user, under a temp directory no one else can
 * rename entries in): where the real programs build what apply checks or installs. sendmail, makemap
 * and tcprules open their files again by name, follow links and truncate; in a directory a local user
 * can write, that would let the user point them at any file. Here no one else can; what they built
 * is copied into the verified target directory (installCopy).
 */
export class Workdir {
  private constructor(
    readonly path: string,
    readonly dir: Dir,
  ) {}

  static make(prefix = 'mailharden-'): Workdir {
    const path = mkdtempSync(posix.join(buildBase(), prefix));
    const fd = openSync(path, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
    const st = fstatSync(fd);
    if (st.uid !== (process.getuid?.() ?? 0) || (st.mode & 0o077) !== 0) {
      closeSync(fd);
      throw new UserError(`${path}: not a private directory of this run`, EXIT.runtime);
    }
    return new Workdir(path, new Dir(fd, path));
  }

  /** Removes it and everything the programs left in it (only this user could write there). */
  close(): void {
    try {
      closeSync(this.dir.fd);
    } catch {
      // already closed
    }
    rmSync(this.path, { recursive: true, force: true });
  }
}

/**
 * An empty directory m4 runs in as an unprivileged user: owned by root and 0700, so the process
 * (which enters it before it drops its privileges) can neither read nor create anything there, and
 * removing it is one rmdir, never a walk of names another user made.
 */
export function emptyPlace(): { path: string; done: () => void } {
  const path = mkdtempSync(posix.join(safeTempBase(), 'mailharden-m4-'));
  return {
    path,
    done: () => {
      // Not root: m4 ran as this user, who may have left files of its own there.
      if (process.getuid?.() !== 0) return rmSync(path, { recursive: true, force: true });
      try {
        rmdirSync(path);
      } catch {
        // not empty or gone: nothing of ours to remove by walking it
      }
    },
  };
}
