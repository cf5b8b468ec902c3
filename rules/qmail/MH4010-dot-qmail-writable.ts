import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import { qmailPaths } from '../../src/host/layout.js';
import { octal } from '../../src/host/mode.js';
import { AT_START } from '../../src/host/qmail-paths.js';

export default defineRule({
  meta: {
    id: 'MH4010',
    slug: 'dot-qmail-writable',
    kinds: ['host'],
    description: 'A .qmail file in ~alias or a home directory that others can write lets them add "|program" deliveries that run as its user; qmail-local refuses only world-writable ones, and then defers the mail.',
    severity: 'high',
    tags: ['qmail', 'host', 'permissions'],
    references: ['qmail-SECURITY:1'],
    messages: {
      group: '{path} has mode {mode}: members of group {group} can add "|program" lines that run as {owner} with every message, and qmail-local (built with the default conf-patrn 002) accepts the file',
      world: '{path} has mode {mode}: every user can write it; qmail-local refuses it ("Uh-oh: .qmail file is writable. (#4.7.0)", a temporary failure), so mail to this address waits in the queue and bounces after queuelifetime',
    },
    fix: 'chmod go-w the file (0644 or 0600), and make sure only its owner can write the directory it is in',
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    // qmail never delivers to root (qmail-getpw ignores uid 0), so /root/.qmail is never read.
    const homes = new Set<string>([qmailPaths(layout).alias, ...accounts.homes.filter((h) => h !== '/root')]);
    for (const parent of layout.homeParents) for (const name of tree.list(parent)) homes.add(posix.join(parent, name));
    const seen = new Set<string>();
    for (const home of [...homes].sort()) {
      const real = tree.resolve(home);
      if (real === undefined || tree.lstat(real)?.type !== 'dir') continue;
      for (const name of tree.list(real)) {
        if (!name.startsWith('.qmail')) continue;
        const path = posix.join(real, name);
        const meta = tree.stat(path);
        if (!meta || meta.type !== 'file') continue;
        const file = tree.resolve(path)!;
        if (seen.has(file)) continue;
        seen.add(file);
        const data = { path, mode: octal(meta.mode), owner: accounts.userName(meta.uid), group: accounts.groupName(meta.gid) };
        // conf-patrn (default 002): the stat bits qmail-local refuses in ~ and ~/.qmail*.
        if (meta.mode & 0o002) ctx.report({ messageId: 'world', data, path, span: AT_START, severity: 'medium' });
        else if (meta.mode & 0o020) ctx.report({ messageId: 'group', data, path, span: AT_START });
      }
    }
  },
});
