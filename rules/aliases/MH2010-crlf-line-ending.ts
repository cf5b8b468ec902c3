import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';

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
    // Counted over every part of a large file; reported at the first entry holding a CR.
    const seen = ctx.part.state(() => ({ count: 0, first: undefined as Span | undefined }));
    if (doc.file.text.includes('\r')) {
      for (const e of doc.entries) {
        if (!e.hasCR) continue;
        seen.count++;
        seen.first ??= doc.file.lineSpan(e.line);
      }
    }
    if (!ctx.part.last || !seen.first) return;
    const count = seen.count === 1 ? '1 entry' : `${seen.count} entries`;
    // One finding about the whole file, however many entries hold a CR (apply stripping one is no new problem).
    ctx.report({ messageId: 'crlf', data: { count }, span: seen.first, subject: 'CRLF line endings' });
  },
});
