import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { posix } from 'node:path';
import type { HostDocument } from '../../src/host/document.js';
import { accessMap, aliasFiles, AT_START, otherWriters } from '../../src/host/paths.js';

/** The files under the mail directory that decide what the MTA does. */
const FILES = ['sendmail.cf', 'submit.cf', 'sendmail.mc', 'submit.mc', 'access'] as const;

export default defineRule({
  meta: {
    id: 'MH6004',
    slug: 'config-writable',
    kinds: ['host'],
    description: 'The files sendmail.cf, submit.cf, their .mc sources and the access map, and the directories that hold configuration, must be owned by root and writable by nobody else, since sendmail (running as root) uses whatever they say.',
    severity: 'high',
    tags: ['host', 'permissions'],
    references: ['sendmail-SECURITY:cf'],
    messages: {
      owner: '{path} is owned by {owner}, not root: that user can rewrite the configuration sendmail runs as root with',
      writable: '{path} has mode {mode}: {who} can rewrite it, and sendmail uses a writable configuration without complaint{note}',
      dirOwner: 'directory {path} holds {what} and is owned by {owner}, not root: that user can replace any file in it, whatever the file\'s own owner and mode, and the next rebuild or restart uses it{note}',
      dirWritable: 'directory {path} holds {what} and has mode {mode}: {who} can replace any file in it, whatever the file\'s own owner and mode, and the next rebuild or restart uses it',
      dirSticky: 'directory {path} holds {what} and has mode {mode}: the sticky bit keeps {who} from replacing root\'s files there, not from adding one the configuration names and lacks',
    },
    fix: 'chown root and chmod go-w the file (sendmail.cf and submit.cf: 0644 or 0444; access: 0600 or 0640) and the directories that hold them (chown root /etc/mail /etc/mail/m4)',
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    // Two names for one file (submit.cf a link to sendmail.cf) are one file: judged once.
    const judged = new Set<string>();
    for (const name of FILES) {
      const path = `${layout.mailDir}/${name}`;
      const real = tree.resolve(path);
      const meta = real === undefined ? undefined : tree.lstat(real);
      if (!meta || meta.type !== 'file' || judged.has(real!)) continue;
      judged.add(real!);
      const at = { path: real!, span: AT_START };
      if (meta.uid !== 0) ctx.report({ messageId: 'owner', data: { path: real!, owner: accounts.userName(meta.uid) }, ...at });
      const who = otherWriters(meta, accounts);
      if (who) {
        // Measured (FORMATS.md §2): only `sendmail -bC` warns "dangerous write permissions"; -bs, -bv and the daemon read it silently.
        const note = name.endsWith('.cf') ? ' (only sendmail -bC warns: "dangerous write permissions")' : '';
        ctx.report({ messageId: 'writable', data: { path: real!, mode: octal(meta.mode), who, note }, ...at });
      }
    }
    // One finding per directory, not one per file in it.
    for (const { dir, what } of configDirs(host)) {
      const meta = tree.lstat(dir)!;
      const at = { path: dir, span: AT_START };
      if (meta.uid !== 0) {
        const owner = accounts.userName(meta.uid);
        // Debian's sendmail-base gives /etc/mail, m4/ and tls/ to smmta (FORMATS.md §1), the TrustedUser that already owns the databases.
        const mta = layout.mtaUsers.includes(owner);
        const note = mta ? ` (Debian's sendmail-base sets ${owner}; root is safer)` : '';
        ctx.report({ messageId: 'dirOwner', data: { path: dir, what, owner, note }, ...at, ...(mta ? { severity: 'medium' as const } : {}) });
        continue;
      }
      const who = otherWriters(meta, accounts);
      if (!who) continue;
      if (meta.mode & 0o1000) ctx.report({ messageId: 'dirSticky', data: { path: dir, what, mode: octal(meta.mode), who }, ...at, severity: 'medium' });
      else ctx.report({ messageId: 'dirWritable', data: { path: dir, what, mode: octal(meta.mode), who }, ...at });
    }
  },
});

/**
 * The directories that hold configuration, as real paths in the tree, each once: the mail directory
 * and its subdirectories (m4 files, TLS and SASL settings; the smrsh directory is MH6005's), the m4
 * trees a .mc is built from and their subdirectories, and the directories of the alias files and the
 * access map in force.
 */
function configDirs(host: HostDocument): { dir: string; what: string }[] {
  const { tree, layout } = host;
  const out = new Map<string, string>();
  const smrsh = tree.resolve(layout.smrshDir);
  const add = (path: string, what: string): void => {
    const real = tree.resolve(path);
    if (real === undefined || real === smrsh || out.has(real) || tree.lstat(real)?.type !== 'dir') return;
    out.set(real, what);
  };
  const subdirs = (path: string, what: string): void => {
    const real = tree.resolve(path);
    if (real === undefined || tree.lstat(real)?.type !== 'dir') return;
    for (const name of tree.list(real)) if (tree.lstat(posix.join(real, name))?.type === 'dir') add(posix.join(real, name), what);
  };
  add(layout.mailDir, 'the mail configuration (sendmail.mc, sendmail.cf, access, …)');
  for (const m4 of layout.m4Trees) add(m4, 'm4 files that sendmail.mc is built from');
  subdirs(layout.mailDir, 'files the mail configuration reads or includes');
  for (const m4 of layout.m4Trees) subdirs(m4, 'm4 files that sendmail.mc is built from');
  for (const a of aliasFiles(host)) {
    // The name the cf gives and the file it leads to (Debian: the link /etc/mail/aliases, the file /etc/aliases).
    add(posix.dirname(a.source), `the aliases file ${posix.basename(a.source)}`);
    const real = tree.resolve(a.source);
    if (real !== undefined) add(posix.dirname(real), `the aliases file ${posix.basename(real)}`);
  }
  const access = accessMap(host);
  if (access) add(posix.dirname(access.source), `the access map ${posix.basename(access.source)}`);
  return [...out].map(([dir, what]) => ({ dir, what }));
}
