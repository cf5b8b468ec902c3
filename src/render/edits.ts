import type { SourceFile } from '../core/source.js';

interface Edit {
  from: number;
  to: number;
  text: string;
  seq: number;
}

/**
 * Changes to a file's text, collected by position and applied at once: every byte outside an edit is
 * kept as it was. Edits may not overlap; insertions at the same place keep the order they were made in.
 */
export class TextEdits {
  private readonly edits: Edit[] = [];

  constructor(readonly file: SourceFile) {}

  /** Replaces the text between two offsets. */
  replace(from: number, to: number, text: string): void {
    this.edits.push({ from, to, text, seq: this.edits.length });
  }

  /** Offset just past line `last`'s newline (or the end of the text). */
  private afterLine(last: number): number {
    const end = this.file.lineEnd(last);
    return end < this.file.text.length ? end + 1 : end;
  }

  /** Replaces physical lines first..last (with their newlines) by the given lines. */
  replaceLines(first: number, last: number, lines: readonly string[]): void {
    const to = this.afterLine(last);
    const endsWithNewline = to > 0 && this.file.text.charCodeAt(to - 1) === 10;
    const text = lines.length === 0 ? '' : lines.join('\n') + (endsWithNewline || to < this.file.text.length ? '\n' : '');
    this.replace(this.file.lineStart(first), to, text);
  }

  removeLines(first: number, last: number): void {
    this.replaceLines(first, last, []);
  }

  /** Inserts whole lines before physical line `line` (past the last line: at the end). */
  insertBefore(line: number, lines: readonly string[]): void {
    // Past the last line (also after a last line without its newline): that is an append.
    if (line > this.file.lineCount) return this.append(lines);
    if (lines.length) this.replace(this.file.lineStart(line), this.file.lineStart(line), `${lines.join('\n')}\n`);
  }

  /** Inserts whole lines after physical line `line`. */
  insertAfter(line: number, lines: readonly string[]): void {
    this.insertBefore(line + 1, lines);
  }

  /** Appends whole lines at the end, adding the missing newline of the last line first. */
  append(lines: readonly string[]): void {
    if (!lines.length) return;
    const text = this.file.text;
    // The missing final newline is added once, however many appends there are.
    const sep = text.length && !text.endsWith('\n') && !this.appended ? '\n' : '';
    this.appended = true;
    this.replace(text.length, text.length, `${sep}${lines.join('\n')}\n`);
  }

  private appended = false;

  get size(): number {
    return this.edits.length;
  }

  /** The edited text. Throws on overlapping edits: that is a bug in the renderer, never the input's fault. */
  apply(): string {
    const sorted = [...this.edits].sort((a, b) => a.from - b.from || a.to - b.to || a.seq - b.seq);
    const text = this.file.text;
    let out = '';
    let at = 0;
    for (const e of sorted) {
      if (e.from < at) throw new Error(`overlapping edits at offset ${e.from} of ${this.file.path}`);
      out += text.slice(at, e.from) + e.text;
      at = e.to;
    }
    return out + text.slice(at);
  }
}
