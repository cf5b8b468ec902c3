import { defineRule } from '../../src/core/rule.js';
import { qmailPaths } from '../../src/host/layout.js';
import { octal } from '../../src/host/mode.js';
import { AT_START, controlFile, smtpdCalls, smtpdIds } from '../../src/host/qmail-paths.js';

/** The control files qmail-smtpd opens at its start (qmail-smtpd.c setup, rcpthosts.c). */
const SMTPD_READS = ['me', 'smtpgreeting', 'localiphost', 'timeoutsmtpd', 'rcpthosts', 'morercpthosts.cdb', 'badmailfrom', 'databytes'];

/**
 * Whether every uid qmail-smtpd runs as (qmail-paths.ts smtpdIds) can read a file of this mode and
 * owner. With no ids known (no run script and no qmaild), a bit for the file's owner or group is taken
 * to be for it unless that owner or group is root, which qmaild never is.
 */
function readable(meta: { mode: number; uid: number; gid: number }, ids: { uids: Set<number>; gids: Set<number> }, bits: number): boolean {
  const [user, group, other] = [bits << 6, bits << 3, bits];
  if ((meta.mode & other) === other) return true;
  const one = (uid: number | undefined): boolean => {
    if (uid === 0) return true;
    if (uid !== undefined ? meta.uid === uid : meta.uid !== 0) return (meta.mode & user) === user;
    if (ids.gids.size ? ids.gids.has(meta.gid) : meta.gid !== 0) return (meta.mode & group) === group;
    return false;
  };
  return ids.uids.size ? [...ids.uids].every(one) : one(undefined);
}

const who = (ids: { uids: Set<number> }): string => (ids.uids.size ? [...ids.uids].map((u) => `uid ${u}`).join(', ') : 'qmaild');

export default defineRule({
  meta: {
    id: 'MH4015',
    slug: 'control-unreadable',
    kinds: ['host'],
    description: 'A control file that qmail-smtpd opens at its start and cannot read as the user it runs as makes it answer every connection with "421 unable to read controls".',
    severity: 'high',
    tags: ['qmail', 'host', 'permissions'],
    references: ['qmail-smtpd.8:control'],
    messages: {
      file: '{path} (mode {mode}, owner {owner}:{group}) cannot be read by {who}, which qmail-smtpd runs as: every connection is answered "421 unable to read controls" and no mail is received',
      dir: '{path} (mode {mode}, owner {owner}:{group}) cannot be searched by {who}, which qmail-smtpd runs as: every connection is answered "421 unable to read controls" and no mail is received',
    },
    fix: 'make the control files readable by everyone (0644, owned by root, as qmail installs them); keep secrets out of control/',
  },
  check(host, ctx) {
    if (smtpdCalls(host).length === 0) return;
    const ids = smtpdIds(host);
    const dir = host.tree.lstat(qmailPaths(host.layout).control);
    const data = (m: { path: string; mode: number; uid: number; gid: number }) => ({ path: m.path, mode: octal(m.mode), owner: String(m.uid), group: String(m.gid), who: who(ids) });
    if (dir?.type === 'dir' && !readable(dir, ids, 0o1)) {
      ctx.report({ messageId: 'dir', data: data(dir), path: dir.path, span: AT_START });
      return;
    }
    for (const name of SMTPD_READS) {
      const meta = host.tree.file(controlFile(host, name));
      if (meta && !readable(meta, ids, 0o4)) ctx.report({ messageId: 'file', data: data(meta), path: meta.path, span: AT_START });
    }
  },
});
