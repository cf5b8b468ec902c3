import { defineRule } from '../../src/core/rule.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7020',
    slug: 'probe-auth-unadvertised',
    kinds: ['probe'],
    description: 'The running server must not take AUTH PLAIN or LOGIN in clear when its EHLO does not offer them there: a client that tries anyway sends the password unencrypted, and an audit of the EHLO reply misses it.',
    severity: 'medium',
    tags: ['auth', 'tls', 'probe'],
    references: ['RFC:4954', 'RFC:3207'],
    messages: { accepted: 'AUTH {mechanism} was answered "{reply}" before STARTTLS, though EHLO offers {offered} there: the server would take the password in clear' },
    fix: 'make the server refuse what it does not offer (sendmail with AuthOptions=p answers 504 to AUTH PLAIN before STARTTLS)',
  },
  check(doc, ctx) {
    const offered = doc.extensions.get('AUTH') ?? [];
    for (const e of doc.exchanges) {
      if (e.verb !== 'AUTH' || e.tls || e.connection !== 1 || e.reply?.code !== 334) continue;
      const mechanism = (e.command.split(/\s+/)[1] ?? '').toUpperCase();
      if (offered.includes(mechanism)) continue;
      const l = e.reply.lines[e.reply.lines.length - 1]!;
      ctx.report({ messageId: 'accepted', data: { mechanism, reply: l.text, offered: offered.length ? `only AUTH ${offered.join(' ')}` : 'no AUTH' }, span: lineSpan(l) });
    }
  },
});
