import { defineRule } from '../../src/core/rule.js';
import { lineSpan } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7008',
    slug: 'probe-no-starttls',
    kinds: ['probe'],
    description: 'The running server offers no STARTTLS, so mail to it crosses the network in clear.',
    severity: 'info',
    tags: ['tls', 'probe'],
    references: [],
    messages: { missing: 'EHLO does not offer STARTTLS: mail and any login cross the network unencrypted' },
    fix: 'give sendmail a certificate (confSERVER_CERT, confSERVER_KEY, confCACERT in the .mc) so that it offers STARTTLS',
  },
  check(doc, ctx) {
    const ehlo = doc.find('EHLO');
    // On smtps:// the session is TLS from the start: no STARTTLS is needed.
    if (!ehlo?.reply || ehlo.reply.code !== 250 || ehlo.tls || doc.extensions.has('STARTTLS')) return;
    const first = ehlo.reply.lines[0]!;
    ctx.report({ messageId: 'missing', span: lineSpan(first) });
  },
});
