import { defineRule } from '../../src/core/rule.js';
import { findVersion, payloadSpan } from '../../src/probe/transcript.js';

/** POP3 and IMAP servers that name themselves in their greeting. */
const SOFTWARE = /\b(?:dovecot|courier(?:-imap|-pop3)?|cyrus|uw imap|qpopper|popa3d|tpop3d|teapop|vm-pop3d|solid pop3d|zimbra|gpop|mdaemon|exchange|imapd|pop3d)\b(?:\s*\([^)]{0,40}\))?/i;

export default defineRule({
  meta: {
    id: 'MH7014',
    slug: 'probe-mailbox-greeting-software',
    kinds: ['probe'],
    description: "A POP3 or IMAP server's greeting should not name its software or version.",
    severity: 'low',
    tags: ['disclosure', 'greeting', 'probe', 'pop3', 'imap'],
    references: ['DISA-STIG:GEN004560'],
    messages: { named: 'the {protocol} greeting names the server software "{software}": "{reply}"' },
    fix: 'set a greeting without the name (dovecot: login_greeting = ready.)',
  },
  check(doc, ctx) {
    if (doc.protocol === 'smtp') return;
    const l = doc.find('')?.reply?.lines[0];
    if (!l) return;
    // The IMAP greeting's [CAPABILITY …] code is not the software's name.
    const text = l.text.replace(/\[[^\]]*\]/g, (m) => ' '.repeat(m.length));
    const m = SOFTWARE.exec(text);
    const v = m ? { at: m.index, text: m[0] } : findVersion(text);
    if (v) ctx.report({ messageId: 'named', data: { protocol: doc.protocol.toUpperCase(), software: v.text, reply: l.text }, span: payloadSpan(l.line, v.at, v.text.length) });
  },
});
