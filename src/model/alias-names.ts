import { KeyLog } from '../core/duplicates.js';
import { detached } from '../core/source.js';
import type { Span } from '../core/types.js';
import type { AliasesDocument } from '../parsers/aliases.js';

/** One definition of an alias name. */
export interface AliasDefinition {
  /** The name as written (`Root`, `"root"`); its key is the same for every definition of a repeat. */
  name: string;
  /** The entry's first line. */
  line: number;
  /** The name's span. */
  span: Span;
}

/** The definitions of a name defined more than once, in file order: sendmail keeps the last. */
export interface AliasRepeat {
  readonly count: number;
  /** Definition `j` (0-based), made when asked for: a hostile file may define one name a million times. */
  definition(j: number): AliasDefinition;
}

/**
 * The alias names of a file, by key, for finding those defined more than once. A large file comes in
 * parts: keep one index in `ctx.part.state`, `add` each part, and ask `repeats` in the last. It keeps
 * about 30 bytes a definition whatever the names (KeyLog), and no slice of a part's text.
 */
export class AliasNames {
  /** Per definition: its first line and the columns of its name (0 when the name's span is in `spans`). */
  private readonly log = new KeyLog(3);
  /** The name as written, where it is not written as its key (upper case, quotes). */
  private readonly written = new Map<number, string>();
  /** The name's span, for a name that does not lie on the entry's first line. */
  private readonly spans = new Map<number, Span>();

  /** Adds the definitions of `doc` (a file, or the next part of one). */
  add(doc: AliasesDocument): void {
    const { entries, keys } = doc;
    const { log } = this;
    for (let i = 0; i < keys.length; i++) {
      const id = entries.nameIsKey(i) ? log.addRange(entries.nameText(i), entries.nameStart(i), entries.nameEnd(i)) : log.add(keys.at(i));
      const d = log.dataOf(id);
      const k = log.dataAt(id);
      const line = entries.lineAt(i);
      d[k] = line;
      if (!entries.nameIsKey(i)) this.written.set(id, detached(entries.nameAt(i)));
      if (entries.nameColumns(i, d, k + 1)) continue;
      // A continued entry: its name is nearly always on its first line.
      const span = entries.at(i)!.nameSpan;
      if (span.start.line === line && span.end.line === line) {
        d[k + 1] = span.start.column;
        d[k + 2] = span.end.column;
      } else {
        d[k + 1] = 0;
        this.spans.set(id, span);
      }
    }
  }

  /** Calls `repeat` for each name defined more than once (the names in no particular order). */
  repeats(repeat: (r: AliasRepeat) => void): void {
    this.log.repeats((ids) => repeat({ count: ids.length, definition: (j) => this.definition(ids[j]!) }));
  }

  private definition(id: number): AliasDefinition {
    const { log } = this;
    const d = log.dataOf(id);
    const k = log.dataAt(id);
    const line = d[k]!;
    const span = d[k + 1] ? { start: { line, column: d[k + 1]! }, end: { line, column: d[k + 2]! } } : this.spans.get(id)!;
    return { name: this.written.get(id) ?? log.key(id), line, span };
  }
}
