import { defineRule } from '../../src/core/rule.js';
import { certificateOf, nameMismatch } from '../../src/probe/certificate.js';
import { payloadSpan } from '../../src/probe/transcript.js';

export default defineRule({
  meta: {
    id: 'MH7010',
    slug: 'probe-tls-certificate-name',
    kinds: ['probe'],
    description: "The server's TLS certificate must name the host probed (RFC 6125), or a client that checks names refuses it.",
    severity: 'medium',
    tags: ['tls', 'certificate', 'probe'],
    references: ['RFC:6125', 'RFC:7817'],
    messages: { mismatch: 'the TLS certificate does not name {host}: {why}' },
    fix: 'use a certificate whose subjectAltName holds the name clients connect to (the MX name), or probe that name',
  },
  check(doc, ctx) {
    const c = certificateOf(doc);
    if (!c?.host || !c.subject) return;
    const why = nameMismatch(c.host.value, c.subject.value, c.names?.value ?? '(none)');
    const line = c.names ?? c.subject;
    if (why) ctx.report({ messageId: 'mismatch', data: { host: c.host.value, why }, span: payloadSpan(line.line, line.key.length + 1, line.value.length) });
  },
});
