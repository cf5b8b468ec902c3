import { defineRule } from '../../src/core/rule.js';
import { KeyTable } from '../../src/core/duplicates.js';
import { detached } from '../../src/core/source.js';
import type { Span } from '../../src/core/types.js';

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
    // A large file comes in parts: the names seen so far are kept, compactly, for the parts after.
    const seen = ctx.part.state(() => ({
      /** Per name: the line and name columns of its latest definition (columns 0 for a continued entry, see spans). */
      table: new KeyTable(3),
      /** The latest definition's name where it is not written as its key (upper case, quotes). */
      names: new Map<number, string>(),
      /** The latest definition's name span, for a definition continued over several lines. */
      spans: new Map<number, Span>(),
      /** Earlier definitions by name id, in file order. */
      overridden: new Map<number, { name: string; span: Span }[]>(),
    }));
    const { entries, keys } = doc;
    const { table, names, spans, overridden } = seen;
    table.reserve(keys.length);
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const id = table.add(key);
      const d = table.data;
      const k = id * 3;
      if (!table.added) {
        const line = d[k]!;
        const earlier = { name: names.get(id) ?? detached(key), span: spans.get(id) ?? { start: { line, column: d[k + 1]! }, end: { line, column: d[k + 2]! } } };
        const list = overridden.get(id);
        if (list) list.push(earlier);
        else overridden.set(id, [earlier]);
        names.delete(id);
        spans.delete(id);
      }
      if (!entries.nameIsKey(i)) names.set(id, detached(entries.nameAt(i)));
      d[k] = entries.lineAt(i);
      if (!entries.nameColumns(i, d, k + 1)) spans.set(id, entries.at(i)!.nameSpan);
    }
    if (!ctx.part.last) return;
    for (const [id, list] of overridden) {
      const kept = table.data[id * 3]!;
      for (const e of list) ctx.report({ messageId: 'overridden', data: { name: e.name, line: kept }, span: e.span });
    }
  },
});
