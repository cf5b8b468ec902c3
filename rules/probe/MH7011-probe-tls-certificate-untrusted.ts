import { defineRule } from '../../src/core/rule.js';
import { certificateOf, UNTRUSTED } from '../../src/probe/certificate.js';
import { payloadSpan } from '../../src/probe/transcript.js';

export default defineRule({
  meta: {
    id: 'MH7011',
    slug: 'probe-tls-certificate-untrusted',
    kinds: ['probe'],
    description: "The server's TLS certificate should be issued by a CA that clients trust: a self-signed certificate, or one from an unknown issuer, proves nothing to them.",
    severity: 'medium',
    tags: ['tls', 'certificate', 'probe'],
    references: ['RFC:5280', 'RFC:7672'],
    messages: {
      selfSigned: 'the TLS certificate is self-signed ({subject}): OpenSSL says {verify}',
      unknown: 'the TLS certificate is not issued by a trusted CA (issuer {issuer}): OpenSSL says {verify}',
    },
    fix: 'use a certificate from a CA clients trust (or publish it with DANE TLSA records, RFC 7672); with a private CA, pass it to the probe with --ca',
  },
  check(doc, ctx) {
    const c = certificateOf(doc);
    const verify = c?.verify?.value ?? '';
    if (!c?.verify || verify === 'ok') return;
    const selfSigned = c.selfSigned?.value === 'yes';
    if (!UNTRUSTED.has(verify) && !selfSigned) return;
    const line = c.verify;
    ctx.report({
      messageId: selfSigned ? 'selfSigned' : 'unknown',
      data: { subject: c.subject?.value ?? '', issuer: doc.fact('issuer')?.value ?? '', verify },
      span: payloadSpan(line.line, line.key.length + 1, line.value.length),
    });
  },
});
