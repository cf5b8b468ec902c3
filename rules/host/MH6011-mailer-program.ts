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
    description: 'The program each mailer of sendmail.cf runs (its P= field) must exist and be executable, or every delivery through that mailer fails.',
    severity: 'medium',
    tags: ['host', 'program'],
    references: ['sendmail-op:mailer-definitions'],
    messages: {
      missing: 'mailer {mailer} runs {program}, which does not exist{via}: {consequence}{who}',
      notFile: 'mailer {mailer} runs {program}{via}, which is not a regular file: {consequence}',
      notExecutable: 'mailer {mailer} runs {program}{via} with mode {mode}, executable by nobody: {consequence}',
    },
    fix: "install the program the mailer names (Debian's sensible-mda: apt install sensible-mda) or point the mailer at one that exists (FEATURE(`local_lmtp', `/usr/libexec/sendmail/mail.local') before MAILER(`local'))",
  },
  check(host, ctx) {
    const cf = mtaCf(host);
    if (!cf) return;
    const { tree, accounts } = host;
    for (const m of mailerPrograms(cf.doc)) {
      const at = { path: cf.path, span: m.span };
      // A tree without the program's directory is a copy of some files (a config repository), not a system: nothing to judge.
      const dir = tree.stat(posix.dirname(m.path));
      if (!dir || dir.type !== 'dir') continue;
      // Resolved without tree.stat, so that a dangling link is reported here and not also as unreadable;
      // undefined: a loop or a link out of the tree, which MH6000 reports.
      const real = tree.resolve(m.path);
      if (real === undefined) continue;
      const via = real === posix.normalize(m.path) ? '' : ` (${real})`;
      // Measured (sendmail 8.17.1.9, Debian's cf without /usr/sbin/sensible-mda): sendmail -odi exits 71
      // and the message stays queued as "(Operating system error)"; a local mailer's exec failure is
      // temporary (deliver.c: EX_OSERR), so it is retried until Timeout.queuereturn bounces it.
      const consequence = m.flags.includes('l')
        ? `every delivery through it fails ("Operating system error") and stays in the queue until it bounces${m.mailer === 'local' ? ': no local user, root included, receives mail' : ''}`
        : 'every delivery through it fails';
      const meta = tree.lstat(real);
      if (!meta) {
        // Whoever can create the program there runs code with every message the mailer delivers.
        const unsafe = unsafeDirs(tree, real)[0];
        const who = unsafe ? `; ${unsafe.reason === 'owner' ? `${accounts.userName(unsafe.meta.uid)}, who owns ${unsafe.dir},` : `${otherWriters(unsafe.meta, accounts) ?? 'others'} (${unsafe.dir} has mode ${octal(unsafe.meta.mode)})`} can put a program there that runs with every message` : '';
        ctx.report({ messageId: 'missing', data: { mailer: m.mailer, program: m.path, via, consequence, who }, ...at, ...(unsafe ? { severity: 'high' as const } : {}) });
      } else if (meta.type !== 'file') {
        ctx.report({ messageId: 'notFile', data: { mailer: m.mailer, program: m.path, via, consequence }, ...at });
      } else if ((meta.mode & 0o111) === 0) {
        ctx.report({ messageId: 'notExecutable', data: { mailer: m.mailer, program: m.path, via, mode: octal(meta.mode), consequence }, ...at });
      }
    }
  },
});
