import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH5008',
    slug: 'range-clipped',
    kinds: ['tcp-rules'],
    description: 'A range ends above 255, and tcprules writes its keys only up to 255 without a word, so the rule covers less than it says.',
    severity: 'low',
    tags: ['tcprules', 'qmail'],
    references: [],
    messages: { clipped: 'the range "{range}" ends above 255: tcprules writes keys only up to "{last}" without a word, so "{address}" covers {from} to 255 in that octet' },
    fix: 'write the range within 0-255, and give the addresses past it a rule of their own',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (const i of t.noted().ranged) {
      if (!t.hasRange(i) || !t.accepted(i)) continue;
      const r = t.range(i)!;
      // A range starting above 255 writes no key at all: MH5004 reports that one.
      if (!r.clipped || r.bot > r.top) continue;
      ctx.report({ messageId: 'clipped', data: { range: r.text, last: `${r.head}255${r.tail}`, address: t.address(i), from: r.bot }, span: r.span });
    }
  },
});
