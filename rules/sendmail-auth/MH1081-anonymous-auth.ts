import { defineRule } from '../../src/core/rule.js';
import { authConfig } from '../../src/model/sendmail-auth.js';

export default defineRule({
  meta: {
    id: 'MH1081',
    slug: 'anonymous-auth',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'When AuthMechanisms lists ANONYMOUS, AuthOptions must include "y", or any client authenticates without a password.',
    severity: 'high',
    tags: ['auth'],
    references: ['RFC:4505', 'sendmail-op:AuthOptions'],
    messages: {
      anonymous: 'AuthMechanisms lists ANONYMOUS and AuthOptions lacks "y": any client can AUTH ANONYMOUS and is answered 235 Authenticated, with no password',
    },
    fix: "remove ANONYMOUS from confAUTH_MECHANISMS, or add y to AuthOptions: define(`confAUTH_OPTIONS', `A p y')dnl",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const auth = authConfig(doc.sendmail);
    if (!auth.mechanisms.includes('ANONYMOUS') || auth.options.has('y')) return;
    ctx.report({ messageId: 'anonymous', span: auth.optionsSetting?.span ?? auth.span, subject: 'AuthOptions' });
  },
});
