import { defineRule } from '../../src/core/rule.js';
import { atoi } from '../../src/model/option-values.js';

export default defineRule({
  meta: {
    id: 'MH1094',
    slug: 'header-limit-off',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'MaxHeadersLength must not be 0 or less, which removes the 32768-byte limit on the headers of a message.',
    severity: 'medium',
    tags: ['dos'],
    references: ['sendmail-op:MaxHeadersLength', 'CWE:770'],
    messages: {
      off: 'MaxHeadersLength={value} removes the limit on the size of a message\'s headers (32768 bytes when unset): sendmail reads headers of any size into memory',
    },
    fix: "remove the setting, or give a positive size: define(`confMAX_HEADERS_LENGTH', `32768')dnl",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const setting = doc.sendmail.get('MaxHeadersLength');
    if (!setting || atoi(setting.value) > 0) return;
    ctx.report({ messageId: 'off', data: { value: setting.value.trim() }, span: setting.span, subject: 'MaxHeadersLength' });
  },
});
