import { defineRule } from '../../src/core/rule.js';
import { duplicateGroups } from '../../src/core/duplicates.js';

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
    const entries = doc.entries;
    for (const group of duplicateGroups(doc.keys)) {
      const kept = entries.at(group[group.length - 1]!)!;
      for (const i of group.slice(0, -1)) {
        const e = entries.at(i)!;
        ctx.report({ messageId: 'overridden', data: { name: e.name, line: kept.line }, span: e.nameSpan });
      }
    }
  },
});
