import { posix } from 'node:path';
import { defineRule, type Report } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { programsOf } from '../../src/model/aliases.js';
import { baseName } from '../../src/model/programs.js';
import { isSystemGroup, mtaCf, otherWriters, SHELL_DEFAULT_PATH, unsafeDirs } from '../../src/host/paths.js';

type Message = 'owner' | 'writable' | 'group' | 'mode' | 'dirOwner' | 'dirWritable' | 'missing' | 'missingSmrsh';

export default defineRule({
  meta: {
    id: 'MH6003',
    slug: 'alias-program-permissions',
    kinds: ['host'],
    description: 'Programs that aliases pipe mail into must be owned by root, writable only by root and kept in directories only root can change, since whoever can replace them runs code with every message.',
    severity: 'high',
    tags: ['host', 'aliases', 'program', 'permissions'],
    references: ['DISA-STIG:GEN004400', 'DISA-STIG:GEN004410', 'DISA-STIG:GEN004420', 'Tiger:ali001i', 'Tiger:ali003', 'Tiger:ali004'],
    messages: {
      owner: 'alias "{name}" runs {program}{resolved}, which is owned by {owner}, not root{more}',
      writable: 'alias "{name}" runs {program}{resolved} with mode {mode}: {who} can change what it does{more}',
      group: 'alias "{name}" runs {program}{resolved}, whose group {group} is not a system group (root, bin, sys){more}',
      mode: 'alias "{name}" runs {program}{resolved} with mode {mode}: set-id bits go beyond the 0755 that GEN004420 allows{more}',
      dirOwner: 'alias "{name}" runs {program}, but {dir} on its path is owned by {owner}, who can replace the program{more}',
      dirWritable: 'alias "{name}" runs {program}, but {dir} on its path has mode {mode}: {who} can replace the program{more}',
      missing: 'alias "{name}" runs {program}, which does not exist{where}: mail to it bounces, and whoever can create it there runs code with every message{more}',
      missingSmrsh: 'alias "{name}" runs {program}, but the prog mailer is smrsh and {path} does not exist: smrsh refuses it and the mail bounces{more}',
    },
    fix: 'chown root:root the program and its directories, chmod 0755 (or stricter) the program and go-w its directories; remove aliases whose program is gone',
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    // Every alias file linted: those the cf's AliasFile names (src/lint/root.ts).
    const aliasDocs = host.files.flatMap((f) => (f.doc.kind === 'aliases' && f.doc.withDeliveries.length > 0 ? [{ path: f.path, doc: f.doc }] : []));
    if (aliasDocs.length === 0) return;
    // Debian's prog mailer is /bin/sh, which finds a bare name through its default PATH; with
    // FEATURE(`smrsh') only the basename counts, looked up in smrsh's directory (FORMATS.md §5).
    const progPath = mtaCf(host)?.doc.sendmail.prog?.path;
    const smrsh = progPath !== undefined && baseName(progPath) === 'smrsh';
    const smrshDir = tree.resolve(layout.smrshDir) ?? layout.smrshDir;
    // One finding per program and problem, at the first alias that runs it; the rest are counted.
    const found = new Map<string, { report: Report<Message>; count: number }>();
    const add = (key: string, report: Report<Message>): void => {
      const hit = found.get(key);
      if (hit) hit.count++;
      else found.set(key, { report, count: 0 });
    };
    for (const { path: aliasesPath, doc } of aliasDocs) {
      for (const e of doc.withDeliveries) {
        for (const t of e.deliveries) {
          for (const program of programsOf(t)) {
            if (program === '' || /[$`]/.test(program)) continue;
            const base = { name: e.name, program, more: '' };
            const at = { path: aliasesPath, span: t.span };
            let candidates: string[];
            if (smrsh) candidates = [posix.join(smrshDir, baseName(program))];
            else if (program.startsWith('/')) candidates = [posix.normalize(program)];
            else if (program.includes('/')) continue; // relative to the recipient's home ($z): not known here
            else candidates = SHELL_DEFAULT_PATH.map((d) => `${d}/${program}`);
            const path = candidates.find((c) => tree.stat(c)?.type === 'file');
            if (path === undefined) {
              if (smrsh) add(`missing\0${candidates[0]}`, { messageId: 'missingSmrsh', data: { ...base, path: candidates[0]! }, ...at, severity: 'info' });
              else add(`missing\0${candidates.join(':')}`, { messageId: 'missing', data: { ...base, where: candidates.length > 1 ? ` in /bin/sh's default PATH (${SHELL_DEFAULT_PATH.join(':')})` : '' }, ...at, severity: 'info' });
              continue;
            }
            const real = tree.resolve(path)!;
            const meta = tree.lstat(real)!;
            const resolved = real === path && path === program ? '' : real === path ? ` (${path})` : ` (${path} → ${real})`;
            const data = { ...base, resolved, mode: octal(meta.mode) };
            if (meta.uid !== 0) add(`owner\0${real}`, { messageId: 'owner', data: { ...data, owner: accounts.userName(meta.uid) }, ...at });
            const who = otherWriters(meta, accounts);
            if (who) add(`writable\0${real}`, { messageId: 'writable', data: { ...data, who }, ...at });
            if (!isSystemGroup(meta.gid, accounts)) add(`group\0${real}`, { messageId: 'group', data: { ...data, group: accounts.groupName(meta.gid) }, ...at, severity: 'medium' });
            if (meta.mode & 0o7000) add(`mode\0${real}`, { messageId: 'mode', data, ...at, severity: 'medium' });
            // Under smrsh, its directory and those above it are MH6005's subject: only where the entry leads counts here.
            const dirs = smrsh ? unsafeDirs(tree, real).filter((u) => u.dir !== smrshDir && !smrshDir.startsWith(`${u.dir === '/' ? '' : u.dir}/`)) : unsafeDirs(tree, path);
            for (const u of dirs) {
              if (u.reason === 'owner') add(`dirOwner\0${u.dir}`, { messageId: 'dirOwner', data: { ...base, dir: u.dir, owner: accounts.userName(u.meta.uid) }, ...at });
              else add(`dirWritable\0${u.dir}`, { messageId: 'dirWritable', data: { ...base, dir: u.dir, mode: octal(u.meta.mode), who: otherWriters(u.meta, accounts) ?? 'others' }, ...at });
            }
          }
        }
      }
    }
    for (const { report, count } of found.values()) {
      if (count > 0) report.data = { ...report.data, more: ` (and ${count} more alias${count === 1 ? '' : 'es'})` };
      ctx.report(report);
    }
  },
});
