import { defineRule } from '../../src/core/rule.js';
import { payloadSpan } from '../../src/probe/transcript.js';

export default defineRule({
  meta: {
    id: 'MH7016',
    slug: 'probe-pop3-apop',
    kinds: ['probe'],
    description: 'A POP3 server should not offer APOP: its MD5 challenge-response leaks the password to a server in the middle (CVE-2007-1558) and forces the server to keep passwords in clear.',
    severity: 'medium',
    tags: ['auth', 'probe', 'pop3'],
    references: ['CVE:2007-1558', 'RFC:1939'],
    messages: { offered: 'the greeting carries an APOP timestamp "{stamp}": APOP is offered' },
    fix: 'drop APOP from the mechanisms (dovecot: remove apop from auth_mechanisms) and offer logins over TLS',
  },
  check(doc, ctx) {
    if (doc.protocol !== 'pop3') return;
    const l = doc.find('')?.reply?.lines[0];
    // RFC 1939 §7: a server that supports APOP includes a timestamp, a msg-id `<…@…>`, in its greeting.
    const m = l && /<[^<>\s]+@[^<>\s]+>/.exec(l.text);
    if (l && m && /^\+OK/i.test(l.text)) ctx.report({ messageId: 'offered', data: { stamp: m[0] }, span: payloadSpan(l.line, m.index, m[0].length) });
  },
});
