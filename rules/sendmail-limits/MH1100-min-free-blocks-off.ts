import { defineRule } from '../../src/core/rule.js';
import { atoi } from '../../src/model/option-values.js';

export default defineRule({
  meta: {
    id: 'MH1100',
    slug: 'min-free-blocks-off',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'MinFreeBlocks must not be 0 or less, which lets sendmail accept mail however little room is left for the queue.',
    severity: 'medium',
    tags: ['dos', 'queue'],
    references: ['sendmail-op:MinFreeBlocks', 'CWE:400'],
    messages: {
      off: 'MinFreeBlocks={value} turns off the free space check: sendmail accepts MAIL commands (without a SIZE= above the free space) until the queue\'s filesystem is full',
    },
    fix: "remove the setting (the m4 default is 100 blocks) or give a positive number: define(`confMIN_FREE_BLOCKS', `100')dnl",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const setting = doc.sendmail.get('MinFreeBlocks');
    if (!setting || atoi(setting.value) > 0) return;
    ctx.report({ messageId: 'off', data: { value: setting.value.trim() }, span: setting.span, subject: 'MinFreeBlocks' });
  },
});
