import { defineRule } from '../../src/core/rule.js';
import { certificateOf } from '../../src/probe/certificate.js';
import { payloadSpan } from '../../src/probe/transcript.js';

export default defineRule({
  meta: {
    id: 'MH7009',
    slug: 'probe-tls-certificate-dates',
    kinds: ['probe'],
    description: "The server's TLS certificate must be valid at the time of the probe: neither expired nor not yet valid.",
    severity: 'high',
    tags: ['tls', 'certificate', 'probe'],
    references: ['RFC:5280'],
    messages: {
      expired: 'the TLS certificate expired on {date} (the probe ran at {time})',
      early: 'the TLS certificate is not valid before {date} (the probe ran at {time})',
    },
    fix: 'install a current certificate (ServerCertFile, confSERVER_CERT) and restart the server',
  },
  check(doc, ctx) {
    const c = certificateOf(doc);
    const time = Date.parse(c?.time?.value ?? '');
    if (!c || Number.isNaN(time)) return;
    const after = c.notAfter && Date.parse(c.notAfter.value);
    const before = c.notBefore && Date.parse(c.notBefore.value);
    const at = (f: { line: number; key: string; value: string }) => payloadSpan(f.line, f.key.length + 1, f.value.length);
    if (c.notAfter && after !== undefined && !Number.isNaN(after) && after < time) {
      ctx.report({ messageId: 'expired', data: { date: c.notAfter.value, time: c.time!.value }, span: at(c.notAfter) });
    } else if (c.notBefore && before !== undefined && !Number.isNaN(before) && before > time) {
      ctx.report({ messageId: 'early', data: { date: c.notBefore.value, time: c.time!.value }, span: at(c.notBefore) });
    }
  },
});
