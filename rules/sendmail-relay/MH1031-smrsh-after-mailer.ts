import { defineRule } from '../../src/core/rule.js';
import { isSmrsh } from '../../src/model/programs.js';

export default defineRule({
  meta: {
    id: 'MH1031',
    slug: 'smrsh-after-mailer',
    kinds: ['sendmail-mc', 'sendmail-cf'],
    description: 'FEATURE(smrsh) must come before MAILER(local): after it, m4 exits 0 and the prog mailer stays /bin/sh.',
    severity: 'high',
    tags: ['smrsh', 'program', 'm4'],
    references: ['sendmail-cf-README:smrsh'],
    messages: {
      mc: 'FEATURE(`smrsh\') after MAILER(`local\') has no effect: m4 prints "FEATURE(smrsh) must occur before MAILER(local)", exits 0 and keeps the prog mailer /bin/sh',
      cf: 'this cf was built with FEATURE(`smrsh\'), yet its prog mailer runs {path}: the .mc has FEATURE(`smrsh\') after MAILER(`local\')',
    },
    fix: 'move FEATURE(smrsh) above MAILER_DEFINITIONS and MAILER(local) in the .mc, then rebuild the .cf',
  },
  check(doc, ctx) {
    const model = doc.sendmail;
    if (doc.kind === 'sendmail-mc') {
      if (model.prog?.smrshMisplaced) ctx.report({ messageId: 'mc', span: model.prog.smrshMisplaced });
      return;
    }
    const prog = model.prog;
    if (!prog || isSmrsh(prog.path) || prog.path.startsWith('[')) return;
    const smrsh = model.features.find((f) => f.name === 'smrsh');
    if (smrsh) ctx.report({ messageId: 'cf', data: { path: prog.path }, span: smrsh.span });
  },
});
