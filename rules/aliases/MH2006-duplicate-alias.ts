import { defineRule } from '../../src/core/rule.js';
import { AliasNames } from '../../src/model/alias-names.js';

export default defineRule({
  meta: {
    id: 'MH2006',
    slug: 'duplicate-alias',
    kinds: ['aliases'],
    description: 'An alias name is defined more than once; sendmail keeps only the last definition, so the earlier ones do nothing.',
    severity: 'medium',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: { overridden: 'alias "{name}" is defined again on line {line}, and sendmail keeps only that last definition: these targets are ignored' },
    fix: 'merge the targets into one definition and delete the others',
  },
  check(doc, ctx) {
    // A large file comes in parts: the names of every part go into one index, asked in the last.
    const names = ctx.part.state(() => new AliasNames());
    names.add(doc);
    if (!ctx.part.last) return;
    names.repeats((r) => {
      const kept = r.definition(r.count - 1).line;
      for (let j = 0; j < r.count - 1; j++) {
        const d = r.definition(j);
        ctx.report({ messageId: 'overridden', data: { name: d.name, line: kept }, span: d.span });
      }
    });
  },
});
