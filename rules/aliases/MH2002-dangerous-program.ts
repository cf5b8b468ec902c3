import { defineRule } from '../../src/core/rule.js';
import { dangerousProgram } from '../../src/model/aliases.js';

export default defineRule({
  meta: {
    id: 'MH2002',
    slug: 'dangerous-program',
    kinds: ['aliases'],
    description: 'An alias pipes mail into a shell, an interpreter, sed, awk, cat or tee, so whoever sends the message steers a general-purpose program.',
    severity: 'high',
    tags: ['aliases', 'program'],
    references: ['Tiger:ali002', 'Tiger:misc011w'],
    messages: { program: 'alias "{name}" pipes mail into "{program}", {what}' },
    fix: 'remove the target, or point it at one reviewed program that only reads the message, run through smrsh',
  },
  check(doc, ctx) {
    for (const e of doc.withDeliveries) {
      for (const t of e.deliveries) {
        const found = dangerousProgram(t);
        if (found) ctx.report({ messageId: 'program', data: { name: e.name, program: found.program, what: found.what }, span: t.span });
      }
    }
  },
});
