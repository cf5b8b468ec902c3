import { defineRule } from '../../src/core/rule.js';
import { certificateOf } from '../../src/probe/certificate.js';
import { payloadSpan } from '../../src/probe/transcript.js';

/** The smallest RSA (and DSA) modulus still allowed (NIST SP 800-131A: 2048 bits since 2014). */
const MIN_BITS = 2048;

export default defineRule({
  meta: {
    id: 'MH7012',
    slug: 'probe-tls-weak-key',
    kinds: ['probe'],
    description: "The server's TLS certificate must not carry an RSA or DSA key under 2048 bits.",
    severity: 'high',
    tags: ['tls', 'certificate', 'probe'],
    references: ['NIST-SP800-131A:rev2'],
    messages: { weak: 'the TLS certificate\'s {type} key has {bits} bits (at least {min} are needed)' },
    fix: 'make a new key of 2048 bits or more (openssl req -newkey rsa:3072) and a certificate for it',
  },
  check(doc, ctx) {
    const key = certificateOf(doc)?.key;
    const m = key && /^(RSA|RSA-PSS|DSA) (\d+)$/.exec(key.value);
    if (!key || !m || Number(m[2]) >= MIN_BITS) return;
    ctx.report({ messageId: 'weak', data: { type: m[1]!, bits: m[2]!, min: String(MIN_BITS) }, span: payloadSpan(key.line, key.key.length + 1, key.value.length) });
  },
});
