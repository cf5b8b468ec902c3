import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2011',
    slug: 'include-target',
    kinds: ['aliases'],
    description: 'An alias reads its targets from an :include: file, so whoever can write that file decides where the mail goes.',
    severity: 'info',
    tags: ['aliases', 'include'],
    references: ['Tiger:ali006'],
    messages: { include: 'alias "{name}" takes its targets from "{path}": every address, program and file listed there receives its mail' },
    fix: 'make sure the file exists, and that it and every directory above it are owned by root and writable by nobody else',
  },
  check(doc, ctx) {
    for (const e of doc.withDeliveries) {
      for (const t of e.deliveries) if (t.kind === 'include') ctx.report({ messageId: 'include', data: { name: e.name, path: t.path ?? '' }, span: t.span });
    }
  },
});
