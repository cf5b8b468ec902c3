import { defineRule } from '../../src/core/rule.js';
import { atoi } from '../../src/model/option-values.js';

export default defineRule({
  meta: {
    id: 'MH1101',
    slug: 'noop-limit-off',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'MaxNOOPCommands must not be 0 or less, which removes the slowdown sendmail puts on a client that sends more than 20 useless commands.',
    severity: 'low',
    tags: ['dos'],
    references: ['sendmail-op:MaxNOOPCommands', 'CWE:400'],
    messages: {
      off: 'MaxNOOPCommands={value} removes the limit on useless commands (20 when unset): a client may keep a session and its sendmail process busy with NOOPs at full speed',
    },
    fix: "remove the setting (default 20) or give a positive number: define(`confMAX_NOOP_COMMANDS', `20')dnl",
  },
  check(doc, ctx) {
    if (!doc.sendmail.servesSmtp) return;
    const setting = doc.sendmail.get('MaxNOOPCommands');
    if (!setting || atoi(setting.value) > 0) return;
    ctx.report({ messageId: 'off', data: { value: setting.value.trim() }, span: setting.span, subject: 'MaxNOOPCommands' });
  },
});
