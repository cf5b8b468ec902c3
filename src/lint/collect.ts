import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { isIgnoredName, kindFromContent, kindFromName, kindFromNameOrHead } from '../core/detect.js';
import { UserError } from '../core/errors.js';
import { fsName, nameFromBytes } from '../core/fs-names.js';
import { readRegular } from '../core/open-regular.js';
import { FILE_KINDS, type FileKind } from '../core/types.js';
import type { LintTarget } from './read.js';
import { shownPath } from './shown-path.js';

/** The fields of a lint request that finding its files needs (LintRequest has them). */
export interface CollectRequest {
  paths: readonly string[];
  /** Every file is of this kind (--type); otherwise told from its name or content. */
  type?: FileKind;
  /** A file given by name whose kind cannot be told is skipped (and listed in `skipped`) instead of an error. */
  skipUnknown?: boolean;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

/** Resolves the command-line paths into files with kinds; every unusable path is a one-line error. */
export function collect(req: CollectRequest, cwd: string, skipped: string[]): LintTarget[] {
  const out: LintTarget[] = [];
  const seen = new Set<string>();
  const show = (abs: string): string => shownPath(cwd, abs);
  for (const p of req.paths) {
    const abs = resolve(cwd, p);
    const st = statOrFail(abs, p);
    if (st.isDirectory()) {
      const before = out.length;
      walk(abs, realOrSelf(abs), new Set(), (file, real) => {
        // A file reached twice (Debian's /etc/mail/aliases is a link to ../aliases) is linted once.
        const key = real ?? realOrSelf(file);
        if (seen.has(key) || isIgnoredName(file)) return;
        let kind = req.type ?? kindFromNameOrHead(file, () => readHeadOrEmpty(file));
        // Other programs use .cf too (SpamAssassin's local.cf): in a walk, such a file must look like sendmail's.
        if (!req.type && kind === 'sendmail-cf' && !/(^|\/)(sendmail|submit)\.cf$/.test(file) && kindFromContent(readHeadOrEmpty(file)) !== 'sendmail-cf') kind = undefined;
        if (!kind) return;
        seen.add(key);
        out.push({ abs: file, shown: show(file), kind });
      });
      if (out.length === before) throw new UserError(`${p}: no mail configuration files found (names like sendmail.cf, sendmail.mc, aliases, access, tcp.smtp, control/rcpthosts)`);
    } else if (st.isFile()) {
      if (seen.has(realOrSelf(abs))) continue;
      seen.add(realOrSelf(abs));
      let head: string;
      try {
        head = req.type || kindFromName(abs) ? '' : readHead(abs);
      } catch (e) {
        throw new UserError(`${p}: cannot read: ${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : ((e as NodeJS.ErrnoException).code ?? String(e))}`);
      }
      const kind = req.type ?? kindFromName(abs) ?? kindFromContent(head);
      if (!kind) {
        if (req.skipUnknown) {
          skipped.push(p);
          continue;
        }
        throw new UserError(`${p}: cannot tell what kind of file this is; name it with --type (${FILE_KINDS.join(', ')})`);
      }
      out.push({ abs, shown: show(abs), kind });
    } else {
      throw new UserError(`${p}: not a regular file or directory`);
    }
  }
  return out;
}

function statOrFail(abs: string, shown: string): Stats {
  try {
    return statSync(fsName(abs));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${shown}: no such file or directory`);
    if (code === 'ELOOP') throw new UserError(`${shown}: too many levels of symbolic links`);
    if (code === 'EACCES') throw new UserError(`${shown}: permission denied`);
    throw new UserError(`${shown}: cannot read: ${code ?? String(e)}`);
  }
}

/**
 * Walks a directory; symlinked directories are not followed (no loops, no escaping the tree). Names are
 * read as bytes: one that is not UTF-8 is carried surrogate-escaped (core/fs-names.ts), reached by its
 * exact bytes and shown escaped (`\xff`), as --root does (host/tree.ts). `realDir` is the directory's
 * real path: the walk enters no symbolic link, so a directory's or a file's below it is that and its
 * name, and only a link needs realpath (which looks at every part of the path again).
 */
function walk(dir: string, realDir: string, visited: Set<string>, visit: (file: string, real: string | undefined) => void): void {
  let entries;
  try {
    entries = readdirSync(fsName(dir), { withFileTypes: true, encoding: 'buffer' }).map((e) => ({ e, name: nameFromBytes(e.name) }));
  } catch (e) {
    throw new UserError(`${dir}: cannot list directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const { e, name } of entries) {
    const p = join(dir, name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(name) && !visited.has(p)) {
        visited.add(p);
        walk(p, join(realDir, name), visited, visit);
      }
    } else if (e.isFile()) visit(p, join(realDir, name));
    else if (e.isSymbolicLink()) {
      try {
        if (statSync(fsName(p)).isFile() && lstatSync(fsName(p)).isSymbolicLink()) visit(p, undefined);
      } catch {
        // A dangling link names nothing to lint.
      }
    }
  }
}

function realOrSelf(path: string): string {
  try {
    // realpath(3), one system call: Node.js's own realpathSync makes an lstat of every component.
    return nameFromBytes(realpathSync.native(fsName(path), { encoding: 'buffer' }));
  } catch {
    return path;
  }
}

/** readHead, or '' when the file cannot be read (the walk then skips it). */
function readHeadOrEmpty(abs: string): string {
  try {
    return readHead(abs);
  } catch {
    return '';
  }
}

/** The first 64 KiB of a file, for content detection. */
function readHead(abs: string): string {
  return readRegular(abs, { max: 64 * 1024 }).bytes.toString('utf8');
}
