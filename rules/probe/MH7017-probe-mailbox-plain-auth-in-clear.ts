import { defineRule } from '../../src/core/rule.js';
import { capabilitiesOf } from '../../src/probe/capabilities.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7017',
    slug: 'probe-mailbox-plain-auth-in-clear',
    kinds: ['probe'],
    description: 'A POP3 or IMAP server must not offer SASL PLAIN or LOGIN before TLS: the password crosses the network base64-encoded, which is to say in clear.',
    severity: 'medium',
    tags: ['auth', 'tls', 'probe', 'pop3', 'imap'],
    references: ['RFC:2595', 'RFC:4616'],
    messages: { offered: '{protocol} offers {mechanisms} before TLS: "{reply}"' },
    fix: 'offer PLAIN and LOGIN only inside TLS (dovecot: disable_plaintext_auth = yes)',
  },
  check(doc, ctx) {
    if (doc.protocol === 'smtp') return;
    const caps = capabilitiesOf(doc, false);
    if (!caps) return;
    const prefix = doc.protocol === 'pop3' ? 'SASL' : 'AUTH';
    const offered = ['PLAIN', 'LOGIN'].filter((m) => caps.words.has(`${prefix}=${m}`));
    if (offered.length === 0) return;
    const line = doc.protocol === 'pop3' ? (caps.lines.find((l) => /^SASL\s/i.test(l.text)) ?? caps.line) : caps.line;
    ctx.report({ messageId: 'offered', data: { protocol: doc.protocol.toUpperCase(), mechanisms: offered.map((m) => `${prefix === 'SASL' ? 'SASL ' : 'AUTH='}${m}`).join(' and '), reply: line.text.slice(0, 160) }, span: lineSpan(line) });
  },
});
