import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { AT_START, mtaCf } from '../../src/host/paths.js';
import { inQueueDirectory } from '../../src/model/cf-paths.js';

export default defineRule({
  meta: {
    id: 'MH6009',
    slug: 'statistics-permissions',
    kinds: ['host'],
    description: "The sendmail statistics file should be mode 0600, as the Operations Guide says: it shows how much mail goes through each mailer, and anyone who can write it can falsify or break the counts.",
    severity: 'low',
    tags: ['host', 'permissions'],
    references: ['sendmail-op:statistics'],
    messages: {
      mode: 'statistics file {path} has mode {mode}: {who} (sendmail asks for 0600)',
      debian: 'statistics file {path} has mode {mode}, readable by group {group} so that the set-group-id mailstats can show it (Debian\'s choice; sendmail asks for 0600)',
      notFile: 'statistics file {path} is not a regular file',
    },
    fix: 'chmod 0600 the statistics file (on Debian only root can then run mailstats)',
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    const cf = mtaCf(host);
    let path = layout.statistics;
    if (cf) {
      const setting = cf.doc.sendmail.get('StatusFile');
      // Without StatusFile sendmail keeps no statistics; an empty one means "statistics" (op.me).
      if (!setting) return;
      path = setting.value.trim() || 'statistics';
      path = inQueueDirectory(cf.doc.sendmail, path, layout.mqueue);
    }
    const real = tree.resolve(path);
    const meta = real === undefined ? undefined : tree.lstat(real);
    // sendmail only updates a statistics file that exists: none means none are kept.
    if (!meta) return;
    const at = { path: real!, span: AT_START };
    if (meta.type !== 'file') {
      ctx.report({ messageId: 'notFile', data: { path: real! }, ...at });
      return;
    }
    const extra = meta.mode & 0o7177;
    if (extra === 0) return;
    const group = accounts.groupName(meta.gid);
    if (extra === 0o040 && group === 'smmsp') {
      ctx.report({ messageId: 'debian', data: { path: real!, mode: octal(meta.mode), group }, ...at, severity: 'info' });
      return;
    }
    const who =
      meta.mode & 0o002
        ? 'every user can rewrite it'
        : meta.mode & 0o020
          ? `members of group ${group} can rewrite it`
          : meta.mode & 0o004
            ? 'every user can read it'
            : meta.mode & 0o040
              ? `members of group ${group} can read it`
              : 'it has execute or set-id bits';
    ctx.report({ messageId: 'mode', data: { path: real!, mode: octal(meta.mode), who }, ...at, ...(meta.mode & 0o002 ? { severity: 'medium' as const } : {}) });
  },
});
