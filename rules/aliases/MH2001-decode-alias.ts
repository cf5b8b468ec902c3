import { defineRule } from '../../src/core/rule.js';
import { KeySet } from '../../src/parsers/aliases.js';
import { legacyAliasNames, uudecodeIn } from '../../src/model/aliases.js';

const DECODE_NAMES = new KeySet(legacyAliasNames('decode'));

export default defineRule({
  meta: {
    id: 'MH2001',
    slug: 'decode-alias',
    kinds: ['aliases'],
    description: 'An alias is the classic decode alias or pipes mail into uudecode, which writes files wherever the sender says.',
    severity: 'high',
    tags: ['aliases', 'program'],
    references: ['DISA-STIG:GEN004640', 'SSG-RHEL5:mail_decode_active', 'Tiger:ali002'],
    messages: {
      program: 'alias "{name}" pipes mail into uudecode ("{program}"), which writes a file at the path the sender puts in the message',
      named: 'alias "{name}" is the classic uudecode alias that benchmarks require to be removed',
    },
    fix: 'delete the alias and run newaliases',
  },
  check(doc, ctx) {
    for (const e of doc.withDeliveries) {
      for (const t of e.deliveries) {
        const program = uudecodeIn(t);
        if (program !== undefined) ctx.report({ messageId: 'program', data: { name: e.name, program }, span: t.span });
      }
    }
    const { keys } = doc;
    for (let i = 0; i < keys.length; i++) {
      if (!keys.in(i, DECODE_NAMES)) continue;
      // A decode alias that pipes into uudecode is reported above, at its program.
      const e = doc.entries.at(i)!;
      if (!e.deliveries.some((t) => uudecodeIn(t) !== undefined)) ctx.report({ messageId: 'named', data: { name: e.name }, span: e.nameSpan });
    }
  },
});
