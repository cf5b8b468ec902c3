import { defineRule } from '../../src/core/rule.js';
import type { AliasEntry } from '../../src/parsers/aliases.js';

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
    const last = new Map<string, AliasEntry>();
    for (const e of doc.entries) last.set(e.key, e);
    for (const e of doc.entries) {
      const kept = last.get(e.key)!;
      if (kept !== e) ctx.report({ messageId: 'overridden', data: { name: e.name, line: kept.line }, span: e.nameSpan });
    }
  },
});
