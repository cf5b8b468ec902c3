import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2007',
    slug: 'lost-continuation',
    kinds: ['aliases'],
    description: 'An indented line continues no entry, so sendmail drops it: silently after a comment, with an error and exit 70 after a blank line.',
    severity: 'high',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: {
      afterComment: 'indented line follows a comment line, which swallows it: sendmail drops it silently instead of adding it to the entry above',
      afterBlank: 'indented line follows a blank line: newaliases prints "Non-continuation line starts with space", drops it and exits 70',
      atStart: 'indented line starts the file: newaliases prints "Non-continuation line starts with space", drops it and exits 70',
      withPrevious: 'indented line continues line {line}, which sendmail drops, so it is dropped too',
      backslashComment: 'the comment on the line above ends with a backslash, which joins this line to it: sendmail drops this line silently',
    },
    fix: 'move the addresses onto the entry they belong to, with no comment or blank line in between, or remove the indentation',
  },
  check(doc, ctx) {
    const orphanLines = new Set(doc.orphans.map((o) => o.line));
    for (const o of doc.orphans) {
      if (o.reason === 'joined-to-comment') {
        ctx.report({ messageId: 'backslashComment', span: o.span, fix: 'remove the backslash at the end of the comment line' });
        continue;
      }
      let head = o.line - 1;
      while (orphanLines.has(head) && orphanLines.has(head - 1)) head--;
      // A line holding only a CR (a blank line of a CRLF file) is an entry line to sendmail: it swallows this one.
      if (orphanLines.has(head) || doc.file.line(head) === '\r') {
        ctx.report({ messageId: 'withPrevious', data: { line: head }, span: o.span });
      } else {
        const messageId = o.reason === 'after-comment' ? 'afterComment' : o.reason === 'after-blank' ? 'afterBlank' : 'atStart';
        ctx.report({ messageId, span: o.span });
      }
    }
  },
});
