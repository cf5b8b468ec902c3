import { closeSync } from 'node:fs';
import { posix } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { UserError } from '../core/errors.js';
import { nameFromBytes } from '../core/fs-names.js';
import { openRegular, readOpen } from '../core/open-regular.js';
import { COLLECT_FORMAT } from './collect-script.js';
import type { AttributeReader, Meta, TreeBacking } from './tree.js';

/** The largest archive read (compressed), and the most its contents may take once unpacked. */
export const ARCHIVE_LIMITS = { compressed: 256 * 1024 * 1024, unpacked: 512 * 1024 * 1024, entries: 200_000 } as const;

/** One path of the manifest. */
interface Entry {
  meta: Omit<Meta, 'path'>;
  immutable?: boolean;
  /** The file's bytes in the archive, or why they are not there (the collector's letter). */
  content?: Buffer;
  missing?: 'S' | 'B' | 'T' | 'U' | '-';
}

const WHY: Record<NonNullable<Entry['missing']>, string> = {
  S: 'not in the archive: the collector takes no secrets (its name says it holds one)',
  B: 'not in the archive: larger than the collector\'s MAILHARDEN_MAX_FILE',
  T: 'not in the archive: the collector had reached MAILHARDEN_MAX_TOTAL',
  U: 'not in the archive: the collector could not read it',
  '-': 'not in the archive: the collector took its metadata only',
};

/** A `.tar.gz` made by `mailharden collect-script`: is this path one (by name or gzip magic)? */
export function looksLikeArchive(path: string, head: Buffer | undefined): boolean {
  return /\.(tar\.gz|tgz)$/i.test(path) || (head !== undefined && head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b);
}

/**
 * Reads a collector's archive into memory: gunzip (bounded), the tar members `manifest` and
 * `files/N` only (nothing is written to disk, no name from the archive is ever used as a path
 * here), then the manifest, each field checked. Throws a UserError naming what is wrong.
 */
export function readArchive(file: string, shown: string): CollectedHost {
  let packed: Buffer;
  let fd: number | undefined;
  try {
    const opened = openRegular(file);
    fd = opened.fd;
    if (opened.st.size > ARCHIVE_LIMITS.compressed) throw new UserError(`${shown}: ${(opened.st.size / 1024 / 1024).toFixed(0)} MiB is more than mailharden reads of an archive (${ARCHIVE_LIMITS.compressed / 1024 / 1024} MiB)`);
    packed = readOpen(fd, opened.st.size);
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${shown}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  let tar: Buffer;
  try {
    tar = gunzipSync(packed, { maxOutputLength: ARCHIVE_LIMITS.unpacked });
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${shown}: ${code === 'ERR_BUFFER_TOO_LARGE' ? `unpacks to more than ${ARCHIVE_LIMITS.unpacked / 1024 / 1024} MiB` : 'not a gzip archive (a collector\'s .tar.gz)'}`);
  }
  const members = tarMembers(tar, shown);
  const manifest = members.get('manifest');
  if (!manifest) throw new UserError(`${shown}: no manifest: not an archive made by \`mailharden collect-script\``);
  return parseManifest(manifest.toString('latin1'), members, shown);
}

/** The regular files of a tar (ustar or GNU), by name, for the names the collector makes; anything else is skipped. */
export function tarMembers(tar: Buffer, shown: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let at = 0;
  while (at + 512 <= tar.length) {
    const h = tar.subarray(at, at + 512);
    if (h.every((b) => b === 0)) break;
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    const stored = octalField(h, 148, 8);
    if (stored !== sum) throw new UserError(`${shown}: a tar header at byte ${at} has a bad checksum: the archive is damaged`);
    const size = octalField(h, 124, 12);
    if (size === undefined || size < 0) throw new UserError(`${shown}: a tar header at byte ${at} has no valid size`);
    const type = String.fromCharCode(h[156]!);
    const name = cString(h, 0, 100);
    const prefix = h.toString('latin1', 257, 263) === 'ustar\u0000' || h.toString('latin1', 257, 263) === 'ustar ' ? cString(h, 345, 155) : '';
    const full = (prefix ? `${prefix}/${name}` : name).replace(/^(\.\/)+/, '');
    const start = at + 512;
    if (start + size > tar.length) throw new UserError(`${shown}: the archive ends inside ${JSON.stringify(full)}: it is truncated`);
    if ((type === '0' || type === '\u0000') && /^(manifest|files\/[1-9][0-9]{0,6})$/.test(full)) {
      if (out.has(full)) throw new UserError(`${shown}: ${full} is in the archive twice`);
      out.set(full, tar.subarray(start, start + size));
    }
    at = start + Math.ceil(size / 512) * 512;
  }
  return out;
}

function cString(b: Buffer, off: number, len: number): string {
  const field = b.subarray(off, off + len);
  const end = field.indexOf(0);
  return field.toString('latin1', 0, end < 0 ? len : end);
}

function octalField(b: Buffer, off: number, len: number): number | undefined {
  const text = cString(b, off, len).trim();
  if (!/^[0-7]{1,12}$/.test(text)) return undefined;
  return parseInt(text, 8);
}

const HEX = /^(?:[0-9a-f]{2})+$/;
const decode = (hex: string): Buffer | undefined => (HEX.test(hex) ? Buffer.from(hex, 'hex') : undefined);

/** S_IFMT of the mode stat -c %f prints. */
function typeOfMode(mode: number): Meta['type'] {
  switch (mode & 0o170000) {
    case 0o100000:
      return 'file';
    case 0o040000:
      return 'dir';
    case 0o120000:
      return 'symlink';
    default:
      return 'other';
  }
}

function parseManifest(text: string, members: Map<string, Buffer>, shown: string): CollectedHost {
  const lines = text.split('\n');
  const bad = (n: number, why: string): UserError => new UserError(`${shown}: manifest line ${n}: ${why}`);
  if (lines[0] !== `mailharden-collect ${COLLECT_FORMAT}`) throw new UserError(`${shown}: the manifest is not format ${COLLECT_FORMAT} of \`mailharden collect-script\` (first line: ${JSON.stringify(lines[0]!.slice(0, 40))})`);
  const entries = new Map<string, Entry>();
  const unreadable = new Set<string>();
  let host = '';
  let full = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const f = line.split(' ');
    if (f[0] === 'host' && f.length === 2) host = f[1] === '-' ? '' : nameFromBytes(decode(f[1]!) ?? Buffer.alloc(0));
    else if (f[0] === 'full' && f.length === 2) full = f[1] === '1';
    else if (f[0] === 'time' || f[0] === 'limits') continue;
    else if (f[0] === 'U' && f.length === 2) unreadable.add(pathOf(f[1]!, () => bad(i + 1, 'a path that is not an absolute, normalised one')));
    else if (f[0] === 'E' && f.length === 12) {
      if (entries.size >= ARCHIVE_LIMITS.entries) throw bad(i + 1, `more than ${ARCHIVE_LIMITS.entries} paths`);
      const [, hp, mode, uid, gid, size, mtime, imm, , , target, content] = f as [string, string, string, string, string, string, string, string, string, string, string, string];
      const path = pathOf(hp, () => bad(i + 1, 'a path that is not an absolute, normalised one'));
      if (!/^[0-9a-f]{1,6}$/.test(mode) || !/^\d{1,10}$/.test(uid) || !/^\d{1,10}$/.test(gid) || !/^\d{1,15}$/.test(size) || !/^\d{1,12}(\.\d{1,9})?$/.test(mtime) || !/^[01-]$/.test(imm) || !/^(-|[SBTU]|[KR]?[1-9]\d{0,6})$/.test(content)) throw bad(i + 1, 'a field out of its form');
      const m = parseInt(mode, 16);
      const type = typeOfMode(m);
      const [sec, frac = ''] = mtime.split('.');
      // As Node computes mtimeMs from the seconds and nanoseconds stat gives.
      const mtimeMs = Number(sec) * 1e3 + Number(frac.padEnd(9, '0')) / 1e6;
      const meta: Omit<Meta, 'path'> = { type, mode: m & 0o7777, uid: Number(uid), gid: Number(gid), size: Number(size), mtimeMs };
      if (type === 'symlink') {
        const t = target === '-' ? undefined : decode(target);
        if (!t || t.includes(0)) throw bad(i + 1, 'a link without a valid target');
        meta.target = nameFromBytes(t);
      }
      const entry: Entry = { meta, ...(imm === '-' ? {} : { immutable: imm === '1' }) };
      if (type === 'file') {
        const num = /^[KR]?(\d+)$/.exec(content);
        if (num) {
          const bytes = members.get(`files/${num[1]}`);
          if (!bytes) throw bad(i + 1, `files/${num[1]} is not in the archive`);
          entry.content = bytes;
        } else entry.missing = content as Entry['missing'];
      }
      if (!entries.has(path)) entries.set(path, entry);
    } else throw bad(i + 1, 'not a line of the manifest');
  }
  return new CollectedHost(entries, unreadable, host, full);
}

function pathOf(hex: string, fail: () => UserError): string {
  const bytes = decode(hex);
  if (!bytes || bytes.length > 4096 || bytes.includes(0)) throw fail();
  const path = nameFromBytes(bytes);
  if (!path.startsWith('/') || posix.normalize(path) !== path || (path.length > 1 && path.endsWith('/'))) throw fail();
  return path;
}

/** A collected host: the manifest's entries, as a HostTree reads them (TreeBacking), and their immutable bits. */
export class CollectedHost implements TreeBacking {
  private readonly children = new Map<string, string[]>();

  constructor(
    private readonly entries: ReadonlyMap<string, Entry>,
    private readonly unreadable: ReadonlySet<string>,
    /** The host's name, as the collector found it. */
    readonly host: string,
    /** The collector stopped at its limit of paths: some are not in the archive. */
    readonly full: boolean,
  ) {
    for (const path of entries.keys()) {
      if (path === '/') continue;
      const dir = posix.dirname(path);
      const list = this.children.get(dir) ?? [];
      list.push(posix.basename(path));
      this.children.set(dir, list);
    }
  }

  lstat(path: string): Omit<Meta, 'path'> | undefined | { code: string } {
    if (this.unreadable.has(path)) return { code: 'EACCES' };
    const e = this.entries.get(path);
    return e ? { ...e.meta } : undefined;
  }

  bytes(path: string, max: number): Buffer | { code: string; detail?: string } | { notRegular: string } {
    const e = this.entries.get(path);
    if (!e) return { code: this.unreadable.has(path) ? 'EACCES' : 'ENOENT' };
    if (e.meta.type === 'dir') return { notRegular: 'a directory' };
    if (e.meta.type !== 'file') return { notRegular: 'not a file' };
    // Secrets and programs were left out on purpose: read as nothing (a finding's snippet of them is
    // not shown). What the collector could not take (too large, unreadable) is a problem (MH6000).
    if (!e.content) return e.missing === 'S' || e.missing === '-' || e.missing === undefined ? { code: 'ENOENT' } : { code: 'EIO', detail: WHY[e.missing] };
    return e.content.subarray(0, Math.min(max, e.content.length));
  }

  list(path: string): string[] | { code: string } {
    const e = this.entries.get(path);
    if (!e) return { code: this.unreadable.has(path) ? 'EACCES' : 'ENOENT' };
    if (e.meta.type !== 'dir') return { code: 'ENOTDIR' };
    return [...(this.children.get(path) ?? [])];
  }

  /** lsattr's answer, as the collector recorded it, for the tree whose root (hostPath of /) is `root`. */
  attributes(root: string): AttributeReader {
    return (hostPaths) => {
      const out = new Map<string, string>();
      for (const hp of hostPaths) {
        if (!hp.startsWith(root)) continue;
        const e = this.entries.get(posix.normalize(`/${hp.slice(root.length)}`));
        if (e?.immutable !== undefined) out.set(hp, e.immutable ? '----i---------' : '--------------');
      }
      return out;
    };
  }
}
