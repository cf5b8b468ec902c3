import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { aliasFiles, AT_START, isSystemGroup, mtaCf } from '../../src/host/paths.js';

export default defineRule({
  meta: {
    id: 'MH6002',
    slug: 'aliases-permissions',
    kinds: ['host'],
    description: 'The aliases file and its database must be owned by root (the database may belong to the MTA user), group-owned by a system group, and no more permissive than 0644, since whoever can write them chooses which programs mail is piped into.',
    severity: 'medium',
    tags: ['host', 'aliases', 'permissions'],
    references: ['DISA-STIG:GEN004360', 'DISA-STIG:GEN004370', 'DISA-STIG:GEN004380'],
    messages: {
      owner: '{what} {path} is owned by {owner}, not root: that user can add aliases that pipe mail into any program',
      dbOwner: '{what} {path} is owned by {owner}, neither root nor the MTA user ({allowed}): that user can add aliases that pipe mail into any program',
      group: '{what} {path} belongs to group {group}, not a system group ({allowed})',
      mode: '{what} {path} has mode {mode}, more permissive than 0644{detail}',
      notFile: '{what} {path} is not a regular file',
    },
    fix: 'chown root, chgrp root (aliases.db: root or smmsp) and chmod 0644 (or stricter) the aliases file and aliases.db',
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    const trusted = mtaCf(host)?.doc.sendmail.get('TrustedUser')?.value.trim();
    const mtaOwners = new Set([...layout.mtaUsers, ...(trusted ? [trusted] : [])]);
    const seen = new Set<string>();
    const look = (path: string, what: 'aliases file' | 'alias database'): void => {
      const real = tree.resolve(path);
      if (real === undefined || seen.has(real)) return;
      const meta = tree.lstat(real);
      if (!meta) return;
      seen.add(real);
      const at = { path: real, span: AT_START };
      if (meta.type !== 'file') {
        ctx.report({ messageId: 'notFile', data: { what, path: real }, ...at });
        return;
      }
      const owner = accounts.userName(meta.uid);
      const db = what === 'alias database';
      if (meta.uid !== 0) {
        // newaliases gives the database to TrustedUser each time it runs (Debian: smmta), so that owner is not a finding.
        if (!db) ctx.report({ messageId: 'owner', data: { what, path: real, owner }, ...at });
        else if (!mtaOwners.has(owner) && !mtaOwners.has(String(meta.uid))) ctx.report({ messageId: 'dbOwner', data: { what, path: real, owner, allowed: ['root', ...mtaOwners].join(', ') }, ...at });
      }
      const group = accounts.groupName(meta.gid);
      if (!isSystemGroup(meta.gid, accounts) && !(db && group === 'smmsp')) {
        ctx.report({ messageId: 'group', data: { what, path: real, group, allowed: db ? 'root, bin, sys or smmsp' : 'root, bin or sys' }, ...at });
      }
      if (meta.mode & ~0o644 & 0o7777) {
        const detail = meta.mode & 0o002 ? ': every user can rewrite it' : meta.mode & 0o020 ? `: members of group ${group} can rewrite it` : '';
        // Measured: newaliases refuses such a source ("Group writable file", "World writable file",
        // "Executable files not allowed") and exits 0 without a database; sendmail reads any database.
        const refused = !db && meta.mode & 0o133 ? ', and newaliases refuses to build the database from it (exit 0, so the old database stays)' : '';
        ctx.report({ messageId: 'mode', data: { what, path: real, mode: octal(meta.mode), detail: `${detail}${refused}` }, ...at, ...(meta.mode & 0o002 ? { severity: 'high' as const } : {}) });
      }
    };
    for (const { source, db } of aliasFiles(host)) {
      look(source, 'aliases file');
      if (db) look(db, 'alias database');
    }
  },
});
