import { defineRule } from '../../src/core/rule.js';
import { addressFlaw, oddEntries } from '../../src/model/aliases.js';

export default defineRule({
  meta: {
    id: 'MH2016',
    slug: 'comment-after-value',
    kinds: ['aliases'],
    description: 'A "# comment" after an alias\'s targets is no comment: sendmail keeps it as part of the address, which then does not exist.',
    severity: 'medium',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: { comment: '"{comment}" is no comment after a target: sendmail keeps it in the address "{address}", and delivery to it fails with "User unknown"' },
    fix: 'move the comment onto a line of its own, starting with #, above the entry',
  },
  check(doc, ctx) {
    // Only entries with a #, quote, bracket or loose @ can have such a target: the rest are not read.
    for (const i of oddEntries(doc)) {
      for (const t of doc.entries.at(i)!.targets) {
        const flaw = addressFlaw(t);
        if (flaw?.kind === 'comment') ctx.report({ messageId: 'comment', data: { comment: flaw.comment, address: t.text }, span: t.span });
      }
    }
  },
});
