import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2012',
    slug: 'file-target',
    kinds: ['aliases'],
    description: 'An alias appends mail to a file, so anyone who can send mail can add text to it.',
    severity: 'info',
    tags: ['aliases', 'file'],
    references: [],
    messages: { file: 'alias "{name}" appends every message it receives to "{path}"' },
    fix: 'make sure the file is meant to take text from anyone, is readable only by those who need it, and that no program trusts its contents',
  },
  check(doc, ctx) {
    for (const e of doc.withDeliveries) {
      for (const t of e.deliveries) {
        // Mail to /dev/null is simply discarded.
        if (t.kind === 'file' && t.path !== '/dev/null') ctx.report({ messageId: 'file', data: { name: e.name, path: t.path ?? t.text }, span: t.span });
      }
    }
  },
});
