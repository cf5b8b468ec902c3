import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2008',
    slug: 'missing-colon',
    kinds: ['aliases'],
    description: 'A line that is no comment, blank line or continuation has no colon, so newaliases skips it and exits 70.',
    severity: 'medium',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: {
      missing: 'line has no colon after the alias name: newaliases prints "missing colon", skips it and exits 70',
      loneCR: 'line holds only a carriage return (a blank line of a CRLF file): newaliases reads it as an entry, prints "missing colon" and exits 70',
    },
    fix: 'write the line as "name: target, target", or make it a comment',
  },
  check(doc, ctx) {
    for (const m of doc.missingColon) {
      // A lone CR is no blank line to sendmail (measured with newaliases): it is an entry without a colon.
      if (doc.file.line(m.line) === '\r') ctx.report({ messageId: 'loneCR', span: m.span, fix: 'convert the file to LF line endings (dos2unix)' });
      else ctx.report({ messageId: 'missing', span: m.span });
    }
  },
});
