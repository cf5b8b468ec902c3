import { defineRule } from '../../src/core/rule.js';
import { missingForStarttls, serverTls } from '../../src/model/sendmail-tls.js';

/** The m4 macro of each file option, for the fix of a .mc finding. */
const MACRO: Readonly<Record<string, string>> = { ServerCertFile: 'confSERVER_CERT', ServerKeyFile: 'confSERVER_KEY', CACertFile: 'confCACERT', CACertPath: 'confCACERT_PATH' };

export default defineRule({
  meta: {
    id: 'MH1070',
    slug: 'starttls-incomplete',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'A configuration with a server certificate or key must also set the other and CACertFile and CACertPath: without any one of them sendmail silently offers no STARTTLS.',
    severity: 'high',
    tags: ['tls'],
    references: ['sendmail-op:STARTTLS', 'sendmail-cf-README:STARTTLS', 'RFC:3207'],
    messages: {
      missing: '{intent} is set but {missing} {verb} not: sendmail then offers no STARTTLS (it logs "STARTTLS: {first} missing" only at LogLevel 13 and above), and mail to and from this server goes in the clear',
    },
    fix: 'set ServerCertFile, ServerKeyFile, CACertFile and CACertPath together (a directory of hashed CA certificates, e.g. /etc/ssl/certs), then check that EHLO offers STARTTLS',
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) offers STARTTLS to nobody.
    if (!doc.sendmail.servesSmtp) return;
    const tls = serverTls(doc.sendmail);
    if (!tls) return;
    const missing = missingForStarttls(tls);
    if (missing.length === 0) return;
    const mc = doc.sendmail.origin === 'mc';
    // The same words on a .mc and on the cf m4 builds from it (test/m4-agreement.test.ts); the fix names the macros.
    ctx.report({
      messageId: 'missing',
      data: { intent: tls.intent.name, missing: missing.join(' and '), verb: missing.length > 1 ? 'are' : 'is', first: missing[0]! },
      span: tls.intent.span,
      subject: missing.join(','),
      fix: mc ? `define ${missing.map((m) => `\`${MACRO[m]}'`).join(' and ')} too, then rebuild the .cf` : `add ${missing.map((m) => `O ${m}=…`).join(' and ')}`,
    });
  },
});
