import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2014',
    slug: 'blank-in-name',
    kinds: ['aliases'],
    description: 'An alias name holds a blank outside quotes, and sendmail stores it with a dot in its place.',
    severity: 'low',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: { blank: 'alias name "{name}" holds a blank: sendmail stores it as "{key}", so mail for "{name}" does not reach it' },
    fix: 'write the name without blanks (with a dot or a dash), or in double quotes if the blank is meant',
  },
  check(doc, ctx) {
    const { entries, keys } = doc;
    for (let i = 0; i < entries.length; i++) {
      // Nearly every name is its own key, and a name with a blank never is: nothing to read for the others.
      if (entries.nameIsKey(i)) continue;
      const name = entries.nameAt(i);
      if (name.charCodeAt(0) === 34 /* " */ || !/[ \t]/.test(name)) continue;
      ctx.report({ messageId: 'blank', data: { name, key: keys.at(i) }, span: entries.at(i)!.nameSpan });
    }
  },
});
