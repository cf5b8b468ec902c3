import { defineRule } from '../../src/core/rule.js';
import { daemonsOf } from '../../src/model/daemon.js';

export default defineRule({
  meta: {
    id: 'MH1083',
    slug: 'smtps-without-certificate',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'A daemon with M=s (SMTP over TLS from the first byte, port 465, RFC 8314) needs ServerCertFile and ServerKeyFile: without them no client can connect.',
    severity: 'medium',
    tags: ['tls'],
    references: ['RFC:8314', 'sendmail-cf-README:DaemonPortOptions'],
    messages: {
      nocert: 'the daemon {name} has M={modifiers} (TLS from the first byte) but {missing} is not set: sendmail has no certificate to start TLS with, and every connection to it fails',
    },
    fix: "set the server certificate and key (define(`confSERVER_CERT', `/etc/mail/tls/server.crt')dnl, define(`confSERVER_KEY', `/etc/mail/tls/server.key')dnl), or remove s from the daemon's M=",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const model = doc.sendmail;
    const missing = ['ServerCertFile', 'ServerKeyFile'].filter((o) => !model.get(o)?.value.trim());
    if (missing.length === 0) return;
    for (const d of daemonsOf(model)) {
      if (!d.modifiers.includes('s')) continue;
      ctx.report({ messageId: 'nocert', data: { name: d.name, modifiers: d.modifiers, missing: missing.join(' and ') }, span: d.setting.span, subject: d.name });
    }
  },
});
