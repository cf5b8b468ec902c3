import { posix } from 'node:path';
import type { Span } from '../core/types.js';
import type { HostDocument } from './document.js';
import type { Accounts } from './layout.js';
import type { HostTree, Meta } from './tree.js';
import type { SendmailCfDoc } from '../parsers/documents.js';
import { aliasSources, inQueueDirectory, mapSpec, queueDirectory } from '../model/cf-paths.js';

/** Where a finding about a file's metadata (not one of its lines) is anchored. */
import { FILE_START } from '../core/span.js';

/** Where metadata findings point: the first character of the file. */
export const AT_START: Span = FILE_START;

/** Groups the DISA items accept as "system groups" (GEN004370, GEN004410): RHEL, Solaris, HP-UX and AIX spellings. */
const SYSTEM_GROUPS = new Set(['root', 'bin', 'sys', 'system', 'wheel']);

/** Whether a group is a system group: gid 0, or one of the names the DISA items list. */
export function isSystemGroup(gid: number, accounts: Accounts): boolean {
  return gid === 0 || SYSTEM_GROUPS.has(accounts.groupName(gid));
}

/** Who besides the owner can write a file or directory with this metadata, for messages; undefined when nobody can. */
export function otherWriters(meta: Meta, accounts: Accounts): string | undefined {
  if (meta.mode & 0o002) return 'every user';
  if (meta.mode & 0o020) return `members of group ${accounts.groupName(meta.gid)}`;
  return undefined;
}

/** The tree's MTA configuration (`sendmail.cf` in the mail directory), not submit.cf. */
export function mtaCf(host: HostDocument): { path: string; doc: SendmailCfDoc } | undefined {
  const path = `${host.layout.mailDir}/sendmail.cf`;
  const doc = host.fileOf('sendmail-cf', path);
  return doc ? { path, doc } : undefined;
}

/** The directories above a path, from `/` down (`/usr/bin/x` → `/`, `/usr`, `/usr/bin`). */
export function ancestors(path: string): string[] {
  const out: string[] = [];
  for (let dir = posix.dirname(path); ; dir = posix.dirname(dir)) {
    out.unshift(dir);
    if (dir === '/') break;
  }
  return out;
}

/** A directory on the way to a file through which someone other than root could replace the file. */
export interface UnsafeDir {
  dir: string;
  meta: Meta;
  /** `owner`: not owned by root; `writable`: group or world writable. */
  reason: 'owner' | 'writable';
}

/**
 * The directories above `path` (as written and after following links inside the tree) through which
 * a user other than root could swap the file: not owned by root, or writable by group or others.
 * `trustSticky` accepts a root-owned sticky directory (what sendmail does with TrustStickyBit).
 */
export function unsafeDirs(tree: HostTree, path: string, opts: { trustSticky?: boolean; groupWritableOk?: boolean } = {}): UnsafeDir[] {
  const dirs = new Set(ancestors(path));
  const real = tree.resolve(path);
  if (real !== undefined) for (const d of ancestors(real)) dirs.add(d);
  const out: UnsafeDir[] = [];
  for (const dir of [...dirs].sort()) {
    const meta = tree.lstat(dir);
    if (!meta || meta.type !== 'dir') continue;
    if (meta.uid !== 0) out.push({ dir, meta, reason: 'owner' });
    else if (meta.mode & (opts.groupWritableOk ? 0o002 : 0o022) && !(opts.trustSticky && meta.mode & 0o1000)) out.push({ dir, meta, reason: 'writable' });
  }
  return out;
}

/** The search path of Debian's /bin/sh (dash) when PATH is unset, as it is for programs the prog mailer runs (measured). */
export const SHELL_DEFAULT_PATH = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'] as const;

/** Map types whose files sendmail keeps as `<path>.db` (Berkeley DB); a map without a type is one too on Debian (NEWDB). */
export const DB_TYPES: ReadonlySet<string> = new Set(['', 'hash', 'btree']);

/** An alias map of the system as tree paths: the source file, and the database newaliases builds when its class has one. */
export interface AliasFile {
  source: string;
  db?: string;
  /** Map class: `implicit` (none written), `hash`, `btree`, `text`. */
  class: string;
}

/**
 * The alias files of the system, as tree paths: those the MTA cf names in AliasFile (every line,
 * each a comma list; src/model/cf-paths.ts), relative names in its queue directory (none when the cf
 * sets no AliasFile); the layout's when there is no cf.
 */
export function aliasFiles(host: HostDocument): AliasFile[] {
  const model = mtaCf(host)?.doc.sendmail;
  const out: AliasFile[] = [];
  if (model) {
    // Measured: a cf without AliasFile reads no alias file at all (sendmail -bi builds nothing), so none is listed.
    for (const a of aliasSources(model)) {
      const source = inQueueDirectory(model, a.path, host.layout.mqueue);
      out.push({ source, ...(a.db ? { db: inQueueDirectory(model, a.db, host.layout.mqueue) } : {}), class: a.class });
    }
  } else {
    // No cf to ask: sendmail builds the database next to the name it is given, and Debian gives
    // /etc/mail/aliases, a link to /etc/aliases, so the database is /etc/mail/aliases.db.
    const { aliases, mailDir } = host.layout;
    const linked = `${mailDir}/aliases`;
    const viaMailDir = linked !== aliases && host.tree.lstat(linked)?.type === 'symlink' && host.tree.resolve(linked) === host.tree.resolve(aliases);
    out.push({ source: aliases, db: `${viaMailDir ? linked : aliases}.db`, class: 'implicit' });
  }
  return out;
}

/** The MTA's queue directory in the tree: the cf's QueueDirectory (the parent of a `q*` pattern), else the layout's. */
export function queueDir(host: HostDocument): string {
  const model = mtaCf(host)?.doc.sendmail;
  return (model && queueDirectory(model)) ?? host.layout.mqueue;
}

/**
 * The access map as the MTA cf declares it (`Kaccess hash -T<TMPF> -o /etc/mail/access`): the
 * source path, the database sendmail opens, and whether the map is optional (`-o`). Undefined when
 * the cf has no access map (no FEATURE(`access_db')) or is a type without a .db file.
 */
export function accessMap(host: HostDocument): { source: string; db: string; optional: boolean } | undefined {
  const cf = mtaCf(host);
  const spec = cf && mapSpec(cf.doc, 'access');
  if (!spec?.path || !DB_TYPES.has(spec.class)) return undefined;
  const { path } = spec;
  return { source: path.replace(/\.db$/, ''), db: path.endsWith('.db') ? path : `${path}.db`, optional: spec.optional };
}

/** A modification time for messages, to the second, in UTC. */
export function stamp(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
