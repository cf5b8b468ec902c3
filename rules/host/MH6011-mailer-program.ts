import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { mtaCf, otherWriters, unsafeDirs } from '../../src/host/paths.js';
import { mailerPrograms } from '../../src/model/cf-paths.js';

export default defineRule({
  meta: {
    id: 'MH6011',
    slug: 'mailer-program',
    kinds: ['host'],
    description: 'The program each mailer of sendmail.cf runs (its P= field) must exist, be executable, and be replaceable by root only: it runs with every message the mailer delivers.',
    severity: 'medium',
    tags: ['host', 'program'],
    references: ['sendmail-op:mailer-definitions'],
    messages: {
      missing: 'mailer {mailer} runs {program}, which does not exist{via}: {consequence}{who}',
      notFile: 'mailer {mailer} runs {program}{via}, which is not a regular file: {consequence}',
      notExecutable: 'mailer {mailer} runs {program}{via} with mode {mode}, executable by nobody: {consequence}',
      replaceable: 'mailer {mailer} runs {program}{via}, which {who} can replace: the program runs with every message the mailer delivers',
    },
    fix: "install the program the mailer names (Debian's sensible-mda: apt install sensible-mda) or point the mailer at one that exists (FEATURE(`local_lmtp', `/usr/libexec/sendmail/mail.local') before MAILER(`local'))",
  },
  check(host, ctx) {
    const cf = mtaCf(host);
    if (!cf) return;
    const { tree, accounts } = host;
    // A tree without any directory of programs is a copy of some files (a config repository), not a system: nothing to judge.
    if (!['/usr/sbin', '/usr/bin', '/bin', '/usr/libexec'].some((d) => tree.stat(d)?.type === 'dir')) return;
    for (const m of mailerPrograms(cf.doc)) {
      const at = { path: cf.path, span: m.span };
      // Resolved without tree.stat, so that a dangling link is reported here and not also as unreadable;
      // undefined: a loop or a link out of the tree, which MH6000 reports.
      const problems = tree.problems.length;
      const resolved = tree.resolve(m.path);
      if (resolved === undefined && tree.problems.length > problems) continue;
      // Not resolved without a new problem: a directory on the way is missing, so the program is too.
      const real = resolved ?? posix.normalize(m.path);
      const via = real === posix.normalize(m.path) ? '' : ` (${real})`;
      // Measured (sendmail 8.17.1.9, Debian's cf without /usr/sbin/sensible-mda): sendmail -odi exits 71
      // and the message stays queued as "(Operating system error)"; a local mailer's exec failure is
      // temporary (deliver.c: EX_OSERR), so it is retried until Timeout.queuereturn bounces it.
      const consequence = m.flags.includes('l')
        ? `every delivery through it fails ("Operating system error") and stays in the queue until it bounces${m.mailer === 'local' ? ': no local user, root included, receives mail' : ''}`
        : 'every delivery through it fails';
      const meta = tree.lstat(real);
      // Whoever can create or replace the program, or a directory above it, runs code with every message
      // the mailer delivers (the local mailer's, as root).
      const unsafe = unsafeDirs(tree, real)[0];
      const dirWho = unsafe ? (unsafe.reason === 'owner' ? `${accounts.userName(unsafe.meta.uid)}, who owns ${unsafe.dir},` : `${otherWriters(unsafe.meta, accounts) ?? 'others'} (${unsafe.dir} has mode ${octal(unsafe.meta.mode)})`) : undefined;
      if (!meta) {
        const who = dirWho ? `; ${dirWho} can put a program there that runs with every message` : '';
        ctx.report({ messageId: 'missing', data: { mailer: m.mailer, program: m.path, via, consequence, who }, ...at, ...(unsafe ? { severity: 'high' as const } : {}) });
      } else if (meta.type !== 'file') {
        ctx.report({ messageId: 'notFile', data: { mailer: m.mailer, program: m.path, via, consequence }, ...at });
      } else if ((meta.mode & 0o111) === 0) {
        ctx.report({ messageId: 'notExecutable', data: { mailer: m.mailer, program: m.path, via, mode: octal(meta.mode), consequence }, ...at });
      } else {
        const who = meta.uid !== 0 ? `${accounts.userName(meta.uid)}, who owns it,` : (otherWriters(meta, accounts) ?? dirWho);
        if (who) ctx.report({ messageId: 'replaceable', data: { mailer: m.mailer, program: m.path, via, who }, ...at, severity: 'high' });
      }
    }
  },
});
