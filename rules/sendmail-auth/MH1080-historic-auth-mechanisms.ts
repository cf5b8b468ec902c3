import { defineRule } from '../../src/core/rule.js';
import { authConfig, HISTORIC_MECHANISMS, offeredBeforeTls } from '../../src/model/sendmail-auth.js';

export default defineRule({
  meta: {
    id: 'MH1080',
    slug: 'historic-auth-mechanisms',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'AUTH must not offer DIGEST-MD5 or CRAM-MD5 (historic, RFC 6331) before STARTTLS; sendmail offers both by default.',
    severity: 'medium',
    tags: ['auth', 'tls'],
    references: ['RFC:6331', 'RFC:8314', 'sendmail-cf-README:confAUTH_MECHANISMS'],
    messages: {
      historic:
        'SMTP AUTH offers {mechs} before STARTTLS ({why}): historic mechanisms (RFC 6331) whose exchange anyone on the path can record and attack with a dictionary, and which need the passwords stored in a form as good as clear text',
    },
    fix: "list only PLAIN and LOGIN and hold them back until STARTTLS: define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl and define(`confAUTH_OPTIONS', `A p y')dnl (or add d to AuthOptions to drop them)",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const auth = authConfig(doc.sendmail);
    const historic = offeredBeforeTls(auth).filter((m) => HISTORIC_MECHANISMS.has(m));
    if (historic.length === 0) return;
    const why = auth.mechanismsSetting ? 'AuthMechanisms lists them' : 'no AuthMechanisms line: sendmail\'s default list has them, offered wherever the SASL library has their plugins, as with Debian\'s libsasl2-modules';
    ctx.report({ messageId: 'historic', data: { mechs: historic.join(' and '), why }, span: auth.span, subject: 'AuthMechanisms' });
  },
});
