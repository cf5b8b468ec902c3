import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { fsName } from './fs-names.js';

/**
 * Opening a FIFO for reading blocks until something opens it for writing, and reading a character
 * device may never end: a local user who puts a FIFO where mailharden reads (their ~/.forward, a
 * file under --root), or swaps one in between a stat and the open, would hang a run that root
 * started. So every file mailharden reads is opened with O_NONBLOCK (which makes the open of a FIFO
 * return at once), its type is checked with fstat on that very descriptor, and only a regular file
 * is read (O_NONBLOCK changes nothing for those).
 */

/** A path that names something other than a regular file (found on the open descriptor). */
export class NotRegularFile extends Error {
  readonly code = 'ENOTREG';
  constructor(
    readonly path: string,
    /** What it is instead: `a FIFO`, `a directory`, … */
    readonly what: string,
  ) {
    super(`${path}: not a regular file (${what})`);
  }
}

/** What a stat says a path is, for messages: `a FIFO`, `a socket`, … */
export function typeOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a file';
}

/**
 * Opens a regular file for reading without ever blocking: O_NONBLOCK, and O_NOFOLLOW when `noFollow`
 * (the last component must not be a symlink: ELOOP). Returns the descriptor and its fstat; anything
 * but a regular file is closed again and thrown as NotRegularFile.
 */
export function openRegular(path: string | Buffer, opts: { noFollow?: boolean } = {}): { fd: number; st: Stats } {
  // A name that is not UTF-8 (found by a walk, core/fs-names.ts) is opened by its exact bytes.
  const fd = openSync(typeof path === 'string' ? fsName(path) : path, constants.O_RDONLY | constants.O_NONBLOCK | (opts.noFollow ? constants.O_NOFOLLOW : 0));
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    closeSync(fd);
    throw e;
  }
  if (!st.isFile()) {
    closeSync(fd);
    throw new NotRegularFile(String(path), typeOf(st));
  }
  return { fd, st };
}

/** Reads at most `max` bytes from the start of an open file (fewer when it ends first). */
export function readOpen(fd: number, max: number): Buffer {
  const buf = Buffer.allocUnsafe(max);
  let off = 0;
  while (off < max) {
    const n = readSync(fd, buf, off, max - off, off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/** A regular file's bytes, at most `max` of them (all by default), read as openRegular opens it. */
export function readRegular(path: string, opts: { noFollow?: boolean; max?: number } = {}): { bytes: Buffer; st: Stats } {
  const { fd, st } = openRegular(path, opts);
  try {
    return { bytes: readOpen(fd, Math.min(st.size, opts.max ?? st.size)), st };
  } finally {
    closeSync(fd);
  }
}
