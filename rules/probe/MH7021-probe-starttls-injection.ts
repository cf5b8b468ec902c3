import { defineRule } from '../../src/core/rule.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7021',
    slug: 'probe-starttls-injection',
    kinds: ['probe'],
    description: 'The running server must not answer, inside TLS, a command it read in clear before the handshake (STARTTLS command injection, CVE-2011-0411).',
    severity: 'high',
    tags: ['tls', 'probe'],
    references: ['CVE:2011-0411', 'RFC:3207'],
    messages: { injected: 'the RSET sent in clear with STARTTLS was answered inside TLS: "{reply}"; a man in the middle can add commands to the encrypted session' },
    fix: 'upgrade the server: after STARTTLS it must throw away whatever it had read in clear',
  },
  check(doc, ctx) {
    for (const f of doc.facts) {
      if (f.key !== 'injected' || f.value !== 'RSET') continue;
      const e = doc.exchanges.find((x) => x.connection === f.connection && x.line > f.line && x.verb === 'RSET' && x.tls);
      const l = e?.reply?.lines[e.reply.lines.length - 1];
      if (l) ctx.report({ messageId: 'injected', data: { reply: l.text }, span: lineSpan(l) });
    }
  },
});
