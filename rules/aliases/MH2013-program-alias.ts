import { defineRule } from '../../src/core/rule.js';
import { dangerousProgram, uudecodeIn } from '../../src/model/aliases.js';

export default defineRule({
  meta: {
    id: 'MH2013',
    slug: 'program-alias',
    kinds: ['aliases'],
    description: 'An alias pipes mail into a program, which runs with the sender choosing its input.',
    severity: 'info',
    tags: ['aliases', 'program'],
    references: ['Tiger:ali005'],
    messages: { program: 'alias "{name}" pipes mail into "{program}"' },
    fix: 'make sure the program and its directory are owned by root and writable only by root, and run it through smrsh',
  },
  check(doc, ctx) {
    for (const e of doc.withDeliveries) {
      for (const t of e.deliveries) {
        // uudecode and general-purpose programs are MH2001's and MH2002's findings.
        if (t.kind !== 'program' || uudecodeIn(t) !== undefined || dangerousProgram(t)) continue;
        ctx.report({ messageId: 'program', data: { name: e.name, program: t.program || t.text }, span: t.span });
      }
    }
  },
});
