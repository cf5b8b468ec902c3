import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH4017',
    slug: 'smtpd-banner-empty',
    kinds: ['qmail-control'],
    description: 'An empty smtpgreeting, or an empty me without one, makes qmail-smtpd greet with "220  ESMTP" and no host name, and me names no host at all.',
    severity: 'medium',
    tags: ['qmail', 'syntax'],
    references: ['RFC:5321', 'qmail-control.5:me'],
    messages: {
      smtpgreeting: 'smtpgreeting {what}: qmail-smtpd reads an empty greeting (it does not fall back to me) and greets with "220  ESMTP", without the host name RFC 5321 asks for',
      me: 'me {what}: qmail calls this host "", and qmail-smtpd greets with "220  ESMTP" when there is no smtpgreeting',
    },
    fix: 'put the host\'s fully qualified name alone on the first line (or delete smtpgreeting to greet with me)',
  },
  check(doc, ctx) {
    if (doc.name !== 'smtpgreeting' && doc.name !== 'me') return;
    // A blank first line with a value below it is MH4012's: the value is there, but never read.
    if (doc.lines.someText((t) => t.trim() !== '')) return;
    const what = doc.file.text === '' ? 'is empty' : 'holds only blank lines';
    ctx.report({ messageId: doc.name, data: { what }, span: doc.lines.get(0).span });
  },
});
