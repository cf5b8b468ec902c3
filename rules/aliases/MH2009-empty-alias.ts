import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2009',
    slug: 'empty-alias',
    kinds: ['aliases'],
    description: 'An alias has nothing after its colon, so newaliases skips it and exits 70.',
    severity: 'medium',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: { empty: 'alias "{name}" has no target: newaliases prints "missing value for alias", skips it and exits 70' },
    fix: 'give the alias a target, or delete it',
  },
  check(doc, ctx) {
    for (const e of doc.emptyValue) ctx.report({ messageId: 'empty', data: { name: e.name }, span: e.span });
  },
});
