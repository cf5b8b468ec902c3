import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import type { Severity } from '../../src/core/types.js';
import type { Meta } from '../../src/host/tree.js';
import { octal } from '../../src/host/mode.js';
import { otherWriters } from '../../src/host/paths.js';
import { AT_START } from '../../src/host/qmail-paths.js';

/** A directory of hier.c (notqmail, qmail 1.03): owner, and the mode install gives it. */
interface Entry {
  path: string;
  owner: 'root' | 'alias' | 'qmailq' | 'qmails';
  mode: number;
  /** dsplit(): the numbered subdirectories 0…conf-split-1 have the same owner and mode. */
  split?: boolean;
}

/**
 * hier.c's directories. control/ is left to MH4011 (and ~alias's .qmail files to MH4010); the files
 * of bin/ are checked apart (every program root's, qmail-queue qmailq's and set-uid).
 */
const HIER: readonly Entry[] = [
  { path: '', owner: 'root', mode: 0o755 },
  { path: 'users', owner: 'root', mode: 0o755 },
  { path: 'bin', owner: 'root', mode: 0o755 },
  { path: 'boot', owner: 'root', mode: 0o755 },
  { path: 'alias', owner: 'alias', mode: 0o2755 },
  { path: 'queue', owner: 'qmailq', mode: 0o750 },
  { path: 'queue/pid', owner: 'qmailq', mode: 0o700 },
  { path: 'queue/intd', owner: 'qmailq', mode: 0o700 },
  { path: 'queue/todo', owner: 'qmailq', mode: 0o750 },
  { path: 'queue/bounce', owner: 'qmails', mode: 0o700 },
  { path: 'queue/mess', owner: 'qmailq', mode: 0o750, split: true },
  { path: 'queue/info', owner: 'qmails', mode: 0o700, split: true },
  { path: 'queue/local', owner: 'qmails', mode: 0o700, split: true },
  { path: 'queue/remote', owner: 'qmails', mode: 0o700, split: true },
  { path: 'queue/lock', owner: 'qmailq', mode: 0o750 },
];

/** What goes wrong when a directory of each kind belongs to someone else. */
function ownerHarm(path: string): string {
  if (path.startsWith('queue')) return 'qmail-queue (run as qmailq) and qmail-send (qmails) cannot write the queue as hier.c lays it out, so mail is refused or stuck, and that user can read and change every queued message';
  if (path === 'alias') return 'that user can add .qmail files for postmaster, root and every unknown address';
  return 'that user can replace what root runs or what qmail reads';
}

export default defineRule({
  meta: {
    id: 'MH4044',
    slug: 'qmail-hier-modes',
    kinds: ['host'],
    description: "The qmail tree must keep the owners and modes of hier.c: programs and directories root's, the queue qmailq's and qmails' and closed to others, and qmail-queue (04711 qmailq) the only set-uid program.",
    severity: 'high',
    tags: ['qmail', 'host', 'permissions'],
    references: ['qmail-hier.c:queue', 'qmail-SECURITY:4', 'qmail-INSTALL:instcheck'],
    messages: {
      owner: '{path} is owned by {owner}, hier.c makes it {expected}\'s: {harm}',
      writable: '{path} has mode {mode} (hier.c: {hier}): {who} can change it',
      open: '{path} has mode {mode} (hier.c: {hier}): {who} can read the queued messages and their envelopes',
      setuid: '{path} has mode {mode}: only qmail-queue is set-uid (or set-gid) in qmail, and this program runs as {owner} for whoever starts it',
      queueOwner: '{path} is owned by {owner}, not qmailq: set-uid, it runs as {owner} for every local user{more}',
      queueMode: '{path} has mode {mode}, not 04711: without the set-uid bit qmail-inject, sendmail and qmail-smtpd (running as qmaild) cannot write the queue, and every message is refused',
    },
    fix: 'restore hier.c\'s owners and modes (run "make setup check" in the qmail source, or instcheck), e.g. chown qmailq:qmail bin/qmail-queue && chmod 4711 bin/qmail-queue',
  },
  check(host, ctx) {
    const { tree, accounts } = host;
    const home = host.layout.qmailDir;
    const real = tree.resolve(home);
    if (real === undefined || tree.lstat(real)?.type !== 'dir') return;
    const report = (messageId: 'open' | 'owner' | 'writable' | 'setuid' | 'queueOwner' | 'queueMode', path: string, data: Record<string, string>, severity?: Severity): void => {
      ctx.report({ messageId, data: { path, ...data }, path, span: AT_START, ...(severity ? { severity } : {}) });
    };
    const uidOf = (name: string): number | undefined => (name === 'root' ? 0 : accounts.uidOf(name));

    const checkDir = (path: string, e: Entry, meta: Meta): void => {
      const want = uidOf(e.owner);
      const hier = `${octal(e.mode)} ${e.owner}`;
      if (want !== undefined && meta.uid !== want) report('owner', path, { owner: accounts.userName(meta.uid), expected: e.owner, harm: ownerHarm(e.path) }, e.path.startsWith('queue') ? 'medium' : 'high');
      const who = otherWriters(meta, accounts);
      if (who) report('writable', path, { mode: octal(meta.mode), hier, who });
      else if (e.path.startsWith('queue') && meta.mode & 0o007 & ~e.mode) report('open', path, { mode: octal(meta.mode), hier, who: 'every user' }, 'medium');
    };
    for (const e of HIER) {
      const path = e.path === '' ? real : posix.join(real, e.path);
      const meta = tree.lstat(path);
      if (meta?.type !== 'dir') continue;
      checkDir(path, e, meta);
      if (!e.split) continue;
      for (const name of tree.list(path)) {
        if (!/^[0-9]+$/.test(name)) continue;
        const sub = posix.join(path, name);
        const m = tree.lstat(sub);
        if (m?.type === 'dir') checkDir(sub, e, m);
      }
    }

    const bin = posix.join(real, 'bin');
    if (tree.lstat(bin)?.type !== 'dir') return;
    for (const name of tree.list(bin)) {
      const path = posix.join(bin, name);
      const meta = tree.lstat(path);
      if (meta?.type !== 'file') continue;
      const mode = octal(meta.mode);
      const who = otherWriters(meta, accounts);
      if (who) report('writable', path, { mode, hier: name === 'qmail-queue' ? '04711 qmailq' : 'root, not writable by others', who });
      if (name === 'qmail-queue') {
        const qmailq = accounts.uidOf('qmailq');
        if (qmailq !== undefined && meta.uid !== qmailq) {
          const setuid = (meta.mode & 0o4000) !== 0;
          report('queueOwner', path, { owner: accounts.userName(meta.uid), more: setuid ? '' : ' (without the set-uid bit it is harmless, but see its mode)' }, setuid && meta.uid === 0 ? 'high' : 'medium');
        }
        // Without the set-uid bit nothing but root can queue mail; read bits beyond 0711 only show the program.
        if ((meta.mode & 0o4000) === 0) report('queueMode', path, { mode }, 'medium');
        continue;
      }
      if (meta.uid !== 0) report('owner', path, { owner: accounts.userName(meta.uid), expected: 'root', harm: ownerHarm('bin') });
      if (meta.mode & 0o6000) report('setuid', path, { mode, owner: accounts.userName(meta.mode & 0o4000 ? meta.uid : meta.gid) });
    }
  },
});
