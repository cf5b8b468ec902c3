import { defineRule } from '../../src/core/rule.js';
import { optionTrue } from '../../src/model/sendmail-tls.js';

export default defineRule({
  meta: {
    id: 'MH1074',
    slug: 'tls-fallback-to-clear',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'TLSFallbacktoClear should stay off: with it, when a STARTTLS handshake with another server fails, sendmail delivers the message again over a plain connection.',
    severity: 'low',
    tags: ['tls'],
    references: ['sendmail-op:TLSFallbacktoClear', 'RFC:3207'],
    messages: {
      on: 'TLSFallbacktoClear is on: whoever can break the STARTTLS handshake of an outgoing connection (a man in the middle) gets the message in the clear',
    },
    fix: 'remove TLSFallbacktoClear (in the .mc: confTLS_FALLBACK_TO_CLEAR); for a peer whose TLS is broken, add a Try_TLS: entry for it in the access map instead',
  },
  check(doc, ctx) {
    const s = doc.sendmail.get('TLSFallbacktoClear');
    if (s && optionTrue(s.value)) ctx.report({ messageId: 'on', span: s.span });
  },
});
