import { closeSync, constants, fstatSync, lstatSync, openSync } from 'node:fs';
import { replaceFileWith, writeAll } from './apply/write.js';
import { UserError } from './core/errors.js';
import { EXIT } from './core/exit.js';
import { visibleControls } from './core/visible.js';

/**
 * Writes a file the user named for output: `lint -f FORMAT=FILE`, `apply --script`, `probe --transcript`,
 * `init -o`, `baseline write`. Never through a symlink: the text goes to a new temp file beside the path
 * (O_EXCL|O_NOFOLLOW) that is renamed over it (replaceFileWith), so a link planted at a predictable name
 * (/tmp/report.json → /etc/shadow) is replaced, and what it points at is untouched. A character device
 * named as such (/dev/null, a terminal) is written in place, opened with O_NOFOLLOW and checked on the
 * descriptor; a directory, FIFO, socket or block device is refused (exit 3). System errors are thrown
 * as they are (with their `code`), for the caller to word.
 */
export function writeOutputFile(path: string, text: string, mode = 0o644): void {
  writeOutputWith(path, (write) => write(text), mode);
}

/** writeOutputFile() for text made in pieces: `render` writes each piece as it comes, none holds the whole. */
export function writeOutputWith(path: string, render: (write: (piece: string) => void) => void, mode = 0o644): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (st?.isCharacterDevice()) {
    writeDevice(path, render);
    return;
  }
  if (st && !st.isFile() && !st.isSymbolicLink()) throw new UserError(`${visibleControls(path)}: ${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a block device'}, not a file: not written`, EXIT.runtime);
  replaceFileWith(path, render, mode);
}

function writeDevice(path: string, render: (write: (piece: string) => void) => void): void {
  // No O_CREAT: only the device that is there; O_NOFOLLOW: not a link put in its place since.
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOFOLLOW | constants.O_NOCTTY);
  try {
    if (!fstatSync(fd).isCharacterDevice()) throw new UserError(`${visibleControls(path)}: changed while it was opened: not written`, EXIT.runtime);
    render((piece) => writeAll(fd, Buffer.from(piece, 'utf8')));
  } finally {
    closeSync(fd);
  }
}
