import { defineRule } from '../../src/core/rule.js';
import { authOptionLetters } from '../../src/model/sendmail-auth.js';

export default defineRule({
  meta: {
    id: 'MH1021',
    slug: 'auth-without-tls',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'When AuthMechanisms offers PLAIN or LOGIN, AuthOptions must include "p", so that those mechanisms wait for STARTTLS.',
    severity: 'medium',
    tags: ['auth', 'tls'],
    references: ['EX16-STIG:EX16-ED-000180'],
    messages: { clear: 'AuthMechanisms offers {mechs} and AuthOptions lacks "p": clients can send their passwords in the clear before STARTTLS' },
    fix: "add p to AuthOptions (in the .mc: define(`confAUTH_OPTIONS', `A p y')dnl), so that PLAIN and LOGIN are offered only under TLS",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const model = doc.sendmail;
    // Unset, AuthMechanisms is EXTERNAL GSSAPI KERBEROS_V4 DIGEST-MD5 CRAM-MD5: no plain-text mechanism.
    const mechanisms = model.get('AuthMechanisms');
    if (!mechanisms) return;
    const plain = [...new Set(mechanisms.value.split(/[\s,]+/).filter((m) => /^(PLAIN|LOGIN)$/i.test(m)).map((m) => m.toUpperCase()))];
    if (plain.length === 0) return;
    const options = model.get('AuthOptions');
    if (options && authOptionLetters(options.value.trim()).has('p')) return;
    ctx.report({ messageId: 'clear', data: { mechs: plain.join(' and ') }, span: options?.span ?? mechanisms.span, subject: 'AuthOptions' });
  },
});
