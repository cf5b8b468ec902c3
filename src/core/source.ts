import type { Position, Span } from './types.js';

/**
 * The text of one file split into lines once. Lines keep a trailing CR (CRLF files), so parsers can
 * see it: sendmail and tcprules treat it as data, not as part of the line break.
 */
export class SourceFile {
  readonly lines: string[];

  constructor(
    /** Path used in findings. */
    readonly path: string,
    readonly text: string,
  ) {
    const lines = text.split('\n');
    // A final newline ends the last line; it does not start an empty one.
    if (lines.length > 1 && lines[lines.length - 1] === '') lines.pop();
    this.lines = lines;
  }

  /** The text of 1-based line `n`, or '' past the end. */
  line(n: number): string {
    return this.lines[n - 1] ?? '';
  }

  get lineCount(): number {
    return this.lines.length;
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
