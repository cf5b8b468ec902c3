import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import type { Severity } from '../../src/core/types.js';
import { octal } from '../../src/host/mode.js';
import { otherWriters } from '../../src/host/paths.js';
import { AT_START } from '../../src/host/qmail-paths.js';
import { dirWrongs, hierDirs, isQueue, programWrongs, QUEUE_PROGRAM, type HierEntry } from '../../src/model/qmail-hier.js';

/** What goes wrong when a directory of each kind belongs to someone else. */
function ownerHarm(e: Pick<HierEntry, 'path'>): string {
  const { path } = e;
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
    for (const { path, entry: e } of hierDirs(real, (p) => tree.lstat(p)?.type === 'dir', (p) => tree.list(p))) {
      const meta = tree.lstat(path)!;
      const wrong = dirWrongs(e, meta, accounts);
      const hier = `${octal(e.mode)} ${e.owner}`;
      if (wrong.owner) report('owner', path, { owner: accounts.userName(meta.uid), expected: e.owner, harm: ownerHarm(e) }, isQueue(e) ? 'medium' : 'high');
      if (wrong.writable) report('writable', path, { mode: octal(meta.mode), hier, who: otherWriters(meta, accounts)! });
      else if (wrong.open) report('open', path, { mode: octal(meta.mode), hier, who: 'every user' }, 'medium');
    }

    const bin = posix.join(real, 'bin');
    if (tree.lstat(bin)?.type !== 'dir') return;
    for (const name of tree.list(bin)) {
      const path = posix.join(bin, name);
      const meta = tree.lstat(path);
      if (meta?.type !== 'file') continue;
      const mode = octal(meta.mode);
      const wrong = programWrongs(name, meta, accounts);
      const queue = name === QUEUE_PROGRAM.name;
      if (wrong.writable) report('writable', path, { mode, hier: queue ? '04711 qmailq' : 'root, not writable by others', who: otherWriters(meta, accounts)! });
      if (wrong.queueOwner) {
        const setuid = (meta.mode & 0o4000) !== 0;
        report('queueOwner', path, { owner: accounts.userName(meta.uid), more: setuid ? '' : ' (without the set-uid bit it is harmless, but see its mode)' }, setuid && meta.uid === 0 ? 'high' : 'medium');
      }
      // Without the set-uid bit nothing but root can queue mail; read bits beyond 0711 only show the program.
      if (wrong.queueMode) report('queueMode', path, { mode }, 'medium');
      if (wrong.owner) report('owner', path, { owner: accounts.userName(meta.uid), expected: 'root', harm: ownerHarm({ path: 'bin' }) });
      if (wrong.setuid) report('setuid', path, { mode, owner: accounts.userName(meta.mode & 0o4000 ? meta.uid : meta.gid) });
    }
  },
});
