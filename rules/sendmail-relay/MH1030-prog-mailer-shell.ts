import { defineRule } from '../../src/core/rule.js';
import { isShell } from '../../src/model/programs.js';

export default defineRule({
  meta: {
    id: 'MH1030',
    slug: 'prog-mailer-shell',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'The prog mailer must be smrsh: with a shell, every "|program" alias and .forward line runs any command it names.',
    severity: 'high',
    tags: ['smrsh', 'program'],
    references: ['Tiger:misc011w', 'sendmail-smrsh-README:smrsh'],
    messages: {
      shell: 'the prog mailer runs {path} instead of smrsh: any "|command" in an alias or a .forward file runs as a shell command line',
      noSmrsh: 'MAILER(`local\') without FEATURE(`smrsh\') before it makes the prog mailer /bin/sh: any "|command" in an alias or a .forward file runs as a shell command line',
      misplaced: 'FEATURE(`smrsh\') comes after MAILER(`local\'), so m4 keeps the prog mailer /bin/sh: any "|command" in an alias or a .forward file runs as a shell command line',
    },
    fix: 'use FEATURE(smrsh) before MAILER(local) in the .mc and rebuild the .cf, then link the allowed programs into /etc/mail/smrsh',
  },
  check(doc, ctx) {
    const prog = doc.sendmail.prog;
    if (!prog || !isShell(prog.path)) return;
    const smrshFeature = doc.sendmail.features.some((f) => f.name === 'smrsh');
    // One cause however it reads: the program the prog mailer runs.
    const cause = prog.path;
    if (prog.smrshMisplaced) {
      ctx.report({ messageId: 'misplaced', span: prog.span, cause, fix: 'move FEATURE(`smrsh\') above MAILER(`local\') and rebuild the .cf' });
    } else if (doc.sendmail.origin === 'mc' && !smrshFeature) {
      ctx.report({ messageId: 'noSmrsh', span: prog.span, cause });
    } else {
      // A .cf, or FEATURE(`smrsh') given a shell as its path argument.
      ctx.report({
        messageId: 'shell',
        data: { path: prog.path },
        span: prog.span,
        cause,
        fix: 'rebuild the .cf from a .mc with FEATURE(`smrsh\') before MAILER(`local\'), or set P= to smrsh and A= to "smrsh -c $u" on the Mprog line',
      });
    }
  },
});
