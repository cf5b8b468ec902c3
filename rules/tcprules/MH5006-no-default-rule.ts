import { defineRule } from '../../src/core/rule.js';
import { modelOf } from '../../src/model/tcprules.js';

export default defineRule({
  meta: {
    id: 'MH5006',
    slug: 'no-default-rule',
    kinds: ['tcp-rules'],
    description: 'Advice: end the rules with an explicit default (":allow" or ":deny"), so that what happens to every other client is written down.',
    severity: 'info',
    tags: ['tcprules', 'qmail'],
    references: [],
    messages: { missing: 'no default rule: a client that no line matches is allowed, with no variables set' },
    fix: 'end the file with ":deny" if only the listed clients may connect, or with ":allow" otherwise',
  },
  check(doc, ctx) {
    if (modelOf(doc).findId('') < 0) ctx.report({ messageId: 'missing', span: ctx.file.startSpan() });
  },
});
