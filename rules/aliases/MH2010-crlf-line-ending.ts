import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2010',
    slug: 'crlf-line-ending',
    kinds: ['aliases'],
    description: 'The aliases file has CRLF line endings; sendmail keeps each CR as data, which breaks blank lines and backslash continuations.',
    severity: 'medium',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: {
      crlf: 'CRLF line endings: sendmail keeps the carriage return as data in {count}, blank lines turn into "missing colon" errors and backslash continuations stop working',
    },
    fix: 'convert the file to LF line endings (dos2unix) and run newaliases',
  },
  check(doc, ctx) {
    if (!doc.file.text.includes('\r')) return;
    const withCR = doc.entries.filter((e) => e.hasCR);
    const first = withCR[0];
    if (!first) return;
    const count = withCR.length === 1 ? '1 entry' : `${withCR.length} entries`;
    ctx.report({ messageId: 'crlf', data: { count }, span: doc.file.lineSpan(first.line) });
  },
});
