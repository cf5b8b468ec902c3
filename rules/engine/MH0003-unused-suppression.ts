import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH0003',
    slug: 'unused-suppression',
    kinds: ['sendmail-cf', 'sendmail-mc', 'aliases', 'access', 'tcp-rules', 'qmail-run'],
    description: 'A suppression directive silences no finding, so it is stale or points at the wrong line.',
    severity: 'low',
    tags: ['suppression'],
    references: [],
    messages: { unused: 'suppression of {ids} matches no finding' },
    fix: 'remove the directive, or move it to the line before the finding it is meant for',
    suppressible: false,
    phase: 'post',
  },
  check(_doc, ctx) {
    for (const use of ctx.suppressionUses) if (!use.used) ctx.report({ messageId: 'unused', data: { ids: use.ids.join(', ') }, span: use.span });
  },
});
