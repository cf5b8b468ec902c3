import { defineRule } from '../../src/core/rule.js';
import { payloadSpan } from '../../src/probe/transcript.js';

export default defineRule({
  meta: {
    id: 'MH7013',
    slug: 'probe-tls-legacy-protocol',
    kinds: ['probe'],
    description: 'The running server must refuse TLS 1.0 and 1.1 (RFC 8996): the probe tries each alone.',
    severity: 'medium',
    tags: ['tls', 'probe'],
    references: ['RFC:8996'],
    messages: { accepted: 'a handshake allowing only {version} succeeded: "{line}"' },
    fix: 'refuse them: O ServerSSLOptions=+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1, and no @SECLEVEL=0 in CipherList (see MH1072)',
  },
  check(doc, ctx) {
    for (const f of doc.facts) {
      const m = /^try (TLSv1(?:\.1)?)$/.exec(f.key);
      if (m && /^accepted\b/.test(f.value)) {
        ctx.report({
          messageId: 'accepted',
          data: { version: m[1]!, line: `${f.key} ${f.value}` },
          span: payloadSpan(f.line, f.key.length + 1, f.value.length),
          ...(doc.protocol === 'smtp' ? {} : { fix: 'refuse them: in dovecot ssl_min_protocol = TLSv1.2, and no @SECLEVEL=0 in ssl_cipher_list' }),
        });
      }
    }
  },
});
