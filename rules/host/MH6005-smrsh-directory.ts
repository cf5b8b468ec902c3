import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import { type Meta } from '../../src/host/tree.js';
import { octal } from '../../src/host/mode.js';
import { baseName, smrshForbidden } from '../../src/model/programs.js';
import { AT_START, otherWriters, unsafeDirs } from '../../src/host/paths.js';

export default defineRule({
  meta: {
    id: 'MH6005',
    slug: 'smrsh-directory',
    kinds: ['host'],
    description: "The smrsh program directory must hold only purpose-built delivery programs (no shell, interpreter, sed, awk, cat, grep or uudecode), and neither it nor the programs its links point to may be writable by anyone but root.",
    severity: 'high',
    tags: ['host', 'smrsh', 'program', 'permissions'],
    references: ['Tiger:misc011w', 'sendmail-smrsh-README:smrsh'],
    messages: {
      program: '{path} is {what}: smrsh lets aliases and .forward files run it, which undoes smrsh',
      link: '{path} links to {target}, {what}: smrsh lets aliases and .forward files run it, which undoes smrsh',
      dirOwner: 'smrsh directory {path} is owned by {owner}, not root: that user can put any program in it{note}',
      dirWritable: 'smrsh directory {path} has mode {mode}: {who} can put any program in it',
      targetOwner: '{path} runs {target}, which is owned by {owner}, not root: that user decides what smrsh runs',
      targetWritable: '{path} runs {target} (mode {mode}): {who} can replace what smrsh runs',
      targetDir: '{path} runs {target}, but {dir} on its path {why}',
      dangling: '{path} links to {target}, which does not exist: smrsh refuses it, and whoever can create {target} decides what it runs',
      notAllowed: '{path} is not on the smrsh allowlist ({allowed}): aliases and .forward files can run it',
    },
    fix: 'keep only links to root-owned delivery programs (mail.local, procmail, vacation, …) in the smrsh directory, owned by root and mode 0755',
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    const dir = tree.resolve(layout.smrshDir);
    const dmeta = dir === undefined ? undefined : tree.lstat(dir);
    if (dir === undefined || !dmeta || dmeta.type !== 'dir') return;
    const at = (path: string) => ({ path, span: AT_START });
    if (dmeta.uid !== 0) {
      const owner = accounts.userName(dmeta.uid);
      // Debian's update_smrsh makes it smmta:smmsp 02755: smmta (the TrustedUser) already controls aliases.db, so this is less than a stranger's write access.
      const mta = layout.mtaUsers.includes(owner);
      ctx.report({ messageId: 'dirOwner', data: { path: dir, owner, note: mta ? ` (Debian's update_smrsh sets ${owner}; root is safer)` : '' }, ...at(dir), ...(mta ? { severity: 'medium' as const } : {}) });
    }
    const who = otherWriters(dmeta, accounts);
    if (who) ctx.report({ messageId: 'dirWritable', data: { path: dir, mode: octal(dmeta.mode), who }, ...at(dir) });

    // The site's allowlist (settings.smrsh-allow in .mailharden.yaml): smrsh looks programs up by name.
    const allowed = ctx.settings.smrshAllow ? new Set(ctx.settings.smrshAllow.map((p) => baseName(p))) : undefined;
    for (const name of tree.list(dir)) {
      const path = posix.join(dir, name);
      const own = tree.lstat(path);
      if (!own) continue;
      if (allowed && !allowed.has(name)) ctx.report({ messageId: 'notAllowed', data: { path, allowed: [...allowed].join(', ') || 'empty' }, ...at(path) });
      let meta: Meta | undefined = own;
      let target = path;
      if (own.type === 'symlink') {
        // Resolve without tree.stat, so that a dangling link is reported here and not also as unreadable.
        const real = tree.resolve(path);
        if (real === undefined) {
          // A loop or a link out of the tree (MH6000 reports it), or into a directory the tree lacks:
          // what the link's text names is still what smrsh would run on the host.
          const what = smrshForbidden(own.target ?? '');
          if (what) ctx.report({ messageId: 'link', data: { path, target: own.target ?? '', what }, ...at(path) });
          continue;
        }
        target = real;
        meta = tree.lstat(real);
        if (!meta) {
          ctx.report({ messageId: 'dangling', data: { path, target: real }, ...at(path), severity: unsafeDirs(tree, real).length ? 'high' : 'low' });
          continue;
        }
        // By the link's text and by what it finally names (/usr/bin/awk → /etc/alternatives/awk → /usr/bin/mawk).
        const what = smrshForbidden(own.target ?? '') ?? smrshForbidden(real);
        if (what) ctx.report({ messageId: 'link', data: { path, target: real, what }, ...at(path) });
      } else if (own.type === 'file') {
        const what = smrshForbidden(name);
        if (what) ctx.report({ messageId: 'program', data: { path, what }, ...at(path) });
      }
      if (meta.type !== 'file') continue;
      const data = { path, target, mode: octal(meta.mode) };
      if (meta.uid !== 0) ctx.report({ messageId: 'targetOwner', data: { ...data, owner: accounts.userName(meta.uid) }, ...at(path) });
      const writers = otherWriters(meta, accounts);
      if (writers) ctx.report({ messageId: 'targetWritable', data: { ...data, who: writers }, ...at(path) });
      if (target !== path) {
        for (const u of unsafeDirs(tree, target)) {
          const why = u.reason === 'owner' ? `is owned by ${accounts.userName(u.meta.uid)}, who can replace it` : `has mode ${octal(u.meta.mode)}: ${otherWriters(u.meta, accounts) ?? 'others'} can replace it`;
          ctx.report({ messageId: 'targetDir', data: { ...data, dir: u.dir, why }, ...at(path) });
        }
      }
    }
  },
});
