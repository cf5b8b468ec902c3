import { defineRule } from '../../src/core/rule.js';
import { KeyLog } from '../../src/core/duplicates.js';
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
    // A large file comes in parts: every definition's key is logged, compactly, and the repeats are
    // found once the last part is in.
    const seen = ctx.part.state(() => ({
      /** Per definition: its first line and the columns of its name (0 when the name's span is in `spans`). */
      log: new KeyLog(3),
      /** The name as written, where it is not written as its key (upper case, quotes). */
      names: new Map<number, string>(),
      /** The name's span, for a name that does not lie on the entry's first line. */
      spans: new Map<number, Span>(),
    }));
    const { entries, keys } = doc;
    const { log, names, spans } = seen;
    for (let i = 0; i < keys.length; i++) {
      const id = entries.nameIsKey(i) ? log.addRange(entries.nameText(i), entries.nameStart(i), entries.nameEnd(i)) : log.add(keys.at(i));
      const d = log.dataOf(id);
      const k = log.dataAt(id);
      const line = entries.lineAt(i);
      d[k] = line;
      if (!entries.nameIsKey(i)) names.set(id, detached(entries.nameAt(i)));
      if (entries.nameColumns(i, d, k + 1)) continue;
      // A continued entry: its name is nearly always on its first line.
      const span = entries.at(i)!.nameSpan;
      if (span.start.line === line && span.end.line === line) {
        d[k + 1] = span.start.column;
        d[k + 2] = span.end.column;
      } else {
        d[k + 1] = 0;
        spans.set(id, span);
      }
    }
    if (!ctx.part.last) return;
    log.repeats((ids) => {
      const last = ids[ids.length - 1]!;
      const kept = log.dataOf(last)[log.dataAt(last)]!;
      for (let j = 0; j < ids.length - 1; j++) {
        const id = ids[j]!;
        const d = log.dataOf(id);
        const k = log.dataAt(id);
        const line = d[k]!;
        const span = d[k + 1] ? { start: { line, column: d[k + 1]! }, end: { line, column: d[k + 2]! } } : spans.get(id)!;
        ctx.report({ messageId: 'overridden', data: { name: names.get(id) ?? log.key(id), line: kept }, span });
      }
    });
  },
});
