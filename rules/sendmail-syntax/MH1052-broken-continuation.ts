import { defineRule } from '../../src/core/rule.js';
import { clip, visible, withoutComments } from '../../src/model/cf-syntax.js';

export default defineRule({
  meta: {
    id: 'MH1052',
    slug: 'broken-continuation',
    kinds: ['sendmail-cf'],
    description: 'A line that starts with a blank has no statement to continue, so sendmail refuses the whole file.',
    severity: 'critical',
    tags: ['syntax', 'continuation', 'fatal'],
    references: [],
    messages: {
      afterEmpty: 'this line starts with a blank, so it continues the empty line {empty}: sendmail reads a line that starts with a newline and refuses the file (unknown configuration line "{shown}")',
      blanksOnly: 'this line holds nothing but blanks (or a comment) and follows the empty line {empty}: sendmail joins the two and refuses the file (unknown configuration line "\\n")',
      firstLine: 'the first line of the file starts with a blank and has nothing to continue: sendmail refuses the file (unknown configuration line "{shown}")',
    },
    fix: 'remove the blanks at the start of the line, or delete the empty line before it if the line continues the statement above',
  },
  check(doc, ctx) {
    const { lines } = doc;
    for (let i = 0; i < lines.length; i++) {
      const kind = lines.kind(i);
      if (kind !== 'broken-continuation' && (i > 0 || kind !== 'statement')) continue;
      const line = lines.at(i);
      const { joined } = line;
      if (kind === 'broken-continuation') {
        const first = joined.segment(0);
        const last = joined.segment(joined.lineCount - 1);
        const second = joined.segment(1);
        const span = joined.span(second.offset, Math.max(last.offset + last.length, second.offset + 1));
        // translate_dollars() cuts comments and trailing blanks, but never the first character, the newline.
        const shown = (doc.configLevel >= 3 ? withoutComments(line.text) : line.text).trimEnd();
        if (shown === '') ctx.report({ messageId: 'blanksOnly', data: { empty: first.line }, span });
        else ctx.report({ messageId: 'afterEmpty', data: { empty: first.line, shown: clip(visible(shown)) }, span });
      } else if (/^\s/.test(line.text)) {
        const shown = line.text.trimEnd() || line.text[0]!;
        ctx.report({ messageId: 'firstLine', data: { shown: clip(visible(shown)) }, span: joined.span(0, joined.text.length) });
      }
    }
  },
});
