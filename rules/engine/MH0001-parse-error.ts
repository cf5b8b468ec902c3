import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH0001',
    slug: 'parse-error',
    kinds: ['sendmail-cf', 'sendmail-mc', 'aliases', 'access', 'tcp-rules', 'qmail-control', 'qmail-run'],
    description: 'The file has text its program cannot read, so part of it never takes effect.',
    severity: 'high',
    tags: ['syntax'],
    references: [],
    messages: { problem: '{message}' },
    fix: 'correct the syntax at this position',
  },
  check(doc, ctx) {
    for (const p of doc.problems) ctx.report({ messageId: 'problem', data: { message: p.message }, span: p.span });
  },
});
