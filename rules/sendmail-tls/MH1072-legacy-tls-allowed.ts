import { defineRule } from '../../src/core/rule.js';
import { NO_LEGACY_TLS, securityLevel, sslOptions } from '../../src/model/sendmail-tls.js';

export default defineRule({
  meta: {
    id: 'MH1072',
    slug: 'legacy-tls-allowed',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'TLS 1.0 and 1.1 must stay refused (RFC 8996): CipherList must not lower OpenSSL\'s security level to 0 unless ServerSSLOptions sets SSL_OP_NO_TLSv1 and SSL_OP_NO_TLSv1_1, and the SSL options must not clear those flags.',
    severity: 'medium',
    tags: ['tls'],
    references: ['RFC:8996', 'sendmail-op:ServerSSLOptions', 'sendmail-op:CipherList'],
    messages: {
      seclevel: 'CipherList sets @SECLEVEL=0 and ServerSSLOptions does not set {flags}: the server accepts TLS 1.0 and 1.1 handshakes (RFC 8996 forbids them)',
      cleared: '{option} clears {flags}: TLS 1.0 and 1.1 are then refused only by the OpenSSL library\'s own minimum, not by sendmail\'s configuration',
    },
    fix: 'set O ServerSSLOptions=+SSL_OP_NO_SSLv2 +SSL_OP_NO_SSLv3 +SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1 (and the same ClientSSLOptions), and keep the security level at 1 or above',
  },
  check(doc, ctx) {
    const model = doc.sendmail;
    const list = model.get('CipherList');
    const server = model.get('ServerSSLOptions');
    const serverOptions = sslOptions(server?.value ?? '');
    if (list && securityLevel(list.value) === 0) {
      const lacking = NO_LEGACY_TLS.filter((f) => !serverOptions.set.has(f));
      if (lacking.length > 0) ctx.report({ messageId: 'seclevel', data: { flags: lacking.map(flagName).join(' and ') }, span: list.span, subject: 'seclevel' });
    }
    for (const name of ['ServerSSLOptions', 'ClientSSLOptions']) {
      const s = model.get(name);
      if (!s) continue;
      const cleared = NO_LEGACY_TLS.filter((f) => sslOptions(s.value).cleared.has(f));
      if (cleared.length > 0) ctx.report({ messageId: 'cleared', data: { option: name, flags: cleared.map(flagName).join(' and ') }, span: s.span, severity: 'low', subject: name });
    }
  },
});

/** The flag as op.me spells it. */
function flagName(upper: string): string {
  return upper.replace('TLSV1', 'TLSv1');
}
