import { defineRule } from '../../src/core/rule.js';
import { weakDhParameters } from '../../src/model/sendmail-tls.js';

export default defineRule({
  meta: {
    id: 'MH1073',
    slug: 'weak-dh-parameters',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'DHParameters must not select the built-in 512-bit (5) or 1024-bit (1) groups.',
    severity: 'low',
    tags: ['tls'],
    references: ['sendmail-op:DHParameters', 'CVE:2015-4000', 'RFC:7919'],
    messages: {
      weak: 'DHParameters={value} asks for the built-in {bits}-bit Diffie-Hellman group: an older TLS library uses a group small enough to break (Logjam), OpenSSL 3.0 offers no DHE suite at all (measured), so clients without ECDHE lose forward secrecy',
    },
    fix: 'use DHParameters=2 (a 2048-bit group), or a file made with openssl dhparam 2048, or remove the option',
  },
  check(doc, ctx) {
    const s = doc.sendmail.get('DHParameters');
    if (!s) return;
    const bits = weakDhParameters(s.value);
    if (bits) ctx.report({ messageId: 'weak', data: { value: s.value.trim(), bits }, span: s.span });
  },
});
