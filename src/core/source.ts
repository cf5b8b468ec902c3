import type { Position, Span } from './types.js';

/**
 * The text of one file split into lines once. Lines keep a trailing CR (CRLF files), so parsers can
 * see it: sendmail and tcprules treat it as data, not as part of the line break.
 */
export class SourceFile {
  /** Offset of the first character of each line; lines are cut on demand, so no array of strings is kept. */
  private readonly starts: Uint32Array;
  readonly lineCount: number;

  constructor(
    /** Path used in findings. */
    readonly path: string,
    readonly text: string,
  ) {
    let starts = new Uint32Array(Math.max(16, Math.ceil(text.length / 32)));
    let n = 0;
    starts[n++] = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
      // A final newline ends the last line; it does not start an empty one.
      if (nl + 1 === text.length) break;
      if (n === starts.length) {
        const bigger = new Uint32Array(starts.length * 2);
        bigger.set(starts);
        starts = bigger;
      }
      starts[n++] = nl + 1;
    }
    this.starts = starts;
    this.lineCount = n;
  }

  /** Offset in `text` of the first character of 1-based line `n`; the text's length past the end. */
  lineStart(n: number): number {
    if (n < 1) return 0;
    if (n > this.lineCount) return this.text.length;
    return this.starts[n - 1]!;
  }

  /** Offset in `text` of a 1-based position (clipped to its line). */
  offsetOf(pos: Position): number {
    return Math.min(this.lineStart(pos.line) + pos.column - 1, this.lineEnd(pos.line));
  }

  /** The text of 1-based line `n` (with its CR, without the newline), or '' past the end. */
  line(n: number): string {
    if (n < 1 || n > this.lineCount) return '';
    return this.text.slice(this.starts[n - 1]!, this.lineEnd(n));
  }

  /** Offset in `text` just past the last character of 1-based line `n` (before its newline). */
  lineEnd(n: number): number {
    if (n < 1 || n > this.lineCount) return this.text.length;
    if (n < this.lineCount) return this.starts[n]! - 1;
    const len = this.text.length;
    return this.text.charCodeAt(len - 1) === 10 ? len - 1 : len;
  }

  /** Every line, as an array (for small files and tests; parsers use line()). */
  get lines(): string[] {
    return Array.from({ length: this.lineCount }, (_, i) => this.line(i + 1));
  }

  /** The span of `length` characters starting at 1-based `line`/`column`. */
  span(line: number, column: number, length: number): Span {
    return { start: { line, column }, end: { line, column: column + Math.max(length, 1) } };
  }

  /** The span of a whole line, without its CR. */
  lineSpan(line: number): Span {
    const text = this.line(line).replace(/\r$/, '');
    return this.span(line, 1, text.length);
  }

  /** A zero-width-safe span at the very start of the file (for findings about something absent). */
  startSpan(): Span {
    return this.lineSpan(1);
  }
}

/** Builds a span from two positions. */
export function spanOf(start: Position, end: Position): Span {
  return { start, end };
}
