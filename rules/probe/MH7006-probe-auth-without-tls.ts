import { defineRule } from '../../src/core/rule.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7006',
    slug: 'probe-auth-without-tls',
    kinds: ['probe'],
    description: 'The running server must not offer AUTH PLAIN or LOGIN on a connection without TLS: the password would cross the network in clear.',
    severity: 'medium',
    tags: ['auth', 'tls', 'probe'],
    references: ['EX16-STIG:EX16-ED-000180'],
    messages: { clear: 'AUTH {mechanisms} is offered before STARTTLS: "{reply}"' },
    fix: 'add p to AuthOptions (O AuthOptions=p; in the .mc define(`confAUTH_OPTIONS\', `p\')dnl), so PLAIN and LOGIN are offered only after STARTTLS',
  },
  check(doc, ctx) {
    // The first EHLO: before STARTTLS (on smtps:// it is inside TLS already, and nothing crosses in clear).
    const ehlo = doc.find('EHLO');
    if (ehlo?.tls) return;
    const mechs = doc.extensions.get('AUTH') ?? [];
    const clear = mechs.filter((m) => m === 'PLAIN' || m === 'LOGIN');
    if (!ehlo?.reply || clear.length === 0) return;
    const l = ehlo.reply.lines.find((x) => /^250[ -]AUTH\b/i.test(x.text));
    if (l) ctx.report({ messageId: 'clear', data: { mechanisms: clear.join(' and '), reply: l.text }, span: lineSpan(l) });
  },
});
