import { defineRule } from '../../src/core/rule.js';
import { capabilitiesOf } from '../../src/probe/capabilities.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7019',
    slug: 'probe-mailbox-no-tls',
    kinds: ['probe'],
    description: 'A POP3 or IMAP server must offer TLS (STLS, STARTTLS): every login and every message would cross the network in clear.',
    severity: 'medium',
    tags: ['tls', 'probe', 'pop3', 'imap'],
    references: ['RFC:2595', 'RFC:8314'],
    messages: { missing: '{protocol} offers no {command}: logins and mail cross the network in clear' },
    fix: 'give the server a certificate (dovecot: ssl = required, ssl_cert, ssl_key), or serve pop3s/imaps (ports 995/993) only',
  },
  check(doc, ctx) {
    if (doc.protocol === 'smtp') return;
    const caps = capabilitiesOf(doc, false);
    const command = doc.protocol === 'pop3' ? 'STLS' : 'STARTTLS';
    if (!caps || caps.words.has(command)) return;
    ctx.report({ messageId: 'missing', data: { protocol: doc.protocol.toUpperCase(), command }, span: lineSpan(caps.line) });
  },
});
