import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH4018',
    slug: 'databytes-leading-digits',
    kinds: ['qmail-control'],
    description: 'A unit after the number in databytes ("1k", "10M") is dropped, since qmail-smtpd reads only the leading digits of the first line, which makes a limit of a few bytes that refuses every message with 552.',
    severity: 'high',
    tags: ['qmail', 'limits', 'syntax'],
    references: ['qmail-smtpd.8:databytes'],
    messages: {
      unit: 'databytes "{text}" is read as {number} bytes (qmail-smtpd reads only the leading digits and knows no units): every message larger than that is refused with "552 sorry, that message size exceeds my databytes limit"',
      rest: 'databytes "{text}": qmail-smtpd reads only the leading digits, {number}; the rest is ignored (it works, but is not a comment: nothing else in this file is read)',
    },
    fix: 'write the limit in bytes, digits only, alone on the first line (e.g. 20971520 for 20 MiB)',
  },
  check(doc, ctx) {
    if (doc.name !== 'databytes' || !doc.hasDigits) return;
    const first = doc.lines.get(0);
    const text = first.text.replace(/\r$/, '');
    const digits = /^[0-9]+/.exec(text)![0];
    if (text.length === digits.length) return;
    const column = first.span.start.column + digits.length;
    const span = { start: { line: first.line, column }, end: { line: first.line, column: column + 1 } };
    const data = { text: text.slice(0, 40), number: String(doc.number) };
    // "100 # limit": the number stands alone; "1k", "10M", "20MB": a unit qmail drops.
    if (/^[ \t]/.test(text.slice(digits.length))) ctx.report({ messageId: 'rest', data, span, severity: 'info' });
    else ctx.report({ messageId: 'unit', data, span });
  },
});
