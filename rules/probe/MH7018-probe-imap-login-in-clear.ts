import { defineRule } from '../../src/core/rule.js';
import { capabilitiesOf } from '../../src/probe/capabilities.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7018',
    slug: 'probe-imap-login-in-clear',
    kinds: ['probe'],
    description: 'An IMAP server must list LOGINDISABLED before TLS (RFC 9051 §6.2.3): without it, LOGIN takes the password in clear.',
    severity: 'medium',
    tags: ['auth', 'tls', 'probe', 'imap'],
    references: ['RFC:9051', 'RFC:2595'],
    messages: { enabled: 'CAPABILITY before TLS has no LOGINDISABLED: LOGIN would take the password in clear ("{reply}")' },
    fix: 'refuse LOGIN without TLS (dovecot: disable_plaintext_auth = yes, which lists LOGINDISABLED)',
  },
  check(doc, ctx) {
    if (doc.protocol !== 'imap') return;
    const caps = capabilitiesOf(doc, false);
    if (!caps || caps.words.has('LOGINDISABLED')) return;
    ctx.report({ messageId: 'enabled', data: { reply: caps.line.text.slice(0, 160) }, span: lineSpan(caps.line) });
  },
});
