import { defineRule } from '../../src/core/rule.js';
import { entryLikeName } from '../../src/model/aliases.js';

export default defineRule({
  meta: {
    id: 'MH2015',
    slug: 'entry-in-continuation',
    kinds: ['aliases'],
    description: 'A line that looks like an entry continues the entry above (it is indented, or the line above ends in a backslash), so sendmail adds its targets to that alias and defines no alias of its name.',
    severity: 'medium',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: {
      indented: 'this line starts with a blank, so it is no entry but part of alias "{alias}" (line {line}): sendmail defines no alias "{name}" and sends mail for "{alias}" to its targets too',
      backslash: 'the line above ends in a backslash, so this line is no entry but part of alias "{alias}" (line {line}): sendmail defines no alias "{name}" and sends mail for "{alias}" to its targets too',
    },
    fix: 'remove the indentation (or the backslash at the end of the line above) so that the line is an entry of its own',
  },
  check(doc, ctx) {
    const { entries, file } = doc;
    for (let i = 0; i < entries.length; i++) {
      const lines = entries.linesAt(i);
      if (lines === 1) continue;
      const first = entries.lineAt(i);
      for (let k = first + 1; k < first + lines; k++) {
        const text = file.line(k);
        const name = entryLikeName(text);
        if (name === undefined) continue;
        const messageId = text.charCodeAt(0) === 32 || text.charCodeAt(0) === 9 ? 'indented' : 'backslash';
        ctx.report({ messageId, data: { alias: entries.nameAt(i), line: first, name }, span: file.lineSpan(k) });
      }
    }
  },
});
