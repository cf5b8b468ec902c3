import { defineRule } from '../../src/core/rule.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7015',
    slug: 'probe-pop3-user-in-clear',
    kinds: ['probe'],
    description: 'A POP3 server must not take USER (and so PASS) on a connection without TLS: the password would follow in clear.',
    severity: 'medium',
    tags: ['auth', 'tls', 'probe', 'pop3'],
    references: ['RFC:2595', 'RFC:8314'],
    messages: { accepted: 'USER was answered "{reply}" without TLS: PASS would send the password in clear' },
    fix: 'refuse plain-text logins without TLS (dovecot: disable_plaintext_auth = yes, or ssl = required)',
  },
  check(doc, ctx) {
    if (doc.protocol !== 'pop3') return;
    for (const e of doc.exchanges) {
      const l = e.reply?.lines[0];
      if (e.verb === 'USER' && !e.tls && l && /^\+OK(\s|$)/i.test(l.text)) {
        ctx.report({ messageId: 'accepted', data: { reply: l.text.slice(0, 120) }, span: lineSpan(l) });
        return;
      }
    }
  },
});
