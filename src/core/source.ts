import { Buffer, isAscii } from 'node:buffer';
import { grown } from './typed-array.js';
import type { Position, Span } from './types.js';

/**
 * The text of one file split into lines once. Lines keep a trailing CR (CRLF files), so parsers can
 * see it: sendmail and tcprules treat it as data, not as part of the line break.
 *
 * A large file is linted in parts (see `partCut` in parsers/documents.ts): a part is a SourceFile
 * whose first line is not line 1, and every line number it takes or gives is the file's.
 */
export class SourceFile {
  /** Offset of the first character of each line; lines are cut on demand, so no array of strings is kept. */
  private readonly starts: Uint32Array;
  readonly lineCount: number;
  /**
   * The file's bytes, set by fromBytes when every one is ASCII and the reader asked to keep them: byte
   * i is then code unit i of `text`, so a parser can loop over them without copying the text again.
   */
  readonly asciiBytes?: Uint8Array;

  /**
   * The SourceFile of a file's bytes decoded as UTF-8. When they are all ASCII (checked first; UTF-8
   * and latin1 then give the same string, latin1 faster) and `keepAscii` is set, the bytes are kept
   * as `asciiBytes`.
   */
  static fromBytes(path: string, bytes: Buffer, keepAscii = false): SourceFile {
    const ascii = isAscii(bytes);
    const file = new SourceFile(path, bytes.toString(ascii ? 'latin1' : 'utf8'));
    if (ascii && keepAscii) (file as { asciiBytes?: Uint8Array }).asciiBytes = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    return file;
  }

  constructor(
    /** Path used in findings. */
    readonly path: string,
    readonly text: string,
    /** The file's number of this text's first line (1 unless this is a later part of a large file). */
    readonly firstLine = 1,
  ) {
    let starts = new Uint32Array(Math.max(16, Math.ceil(text.length / 32)));
    let n = 0;
    starts[n++] = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', nl + 1)) {
      // A final newline ends the last line; it does not start an empty one.
      if (nl + 1 === text.length) break;
      if (n === starts.length) starts = grown(starts, starts.length * 2);
      starts[n++] = nl + 1;
    }
    this.starts = starts;
    this.lineCount = n;
  }

  /** The number of the last line of this text. */
  get lastLine(): number {
    return this.firstLine + this.lineCount - 1;
  }

  /** Whether line `n` lies in this text (always, for `n` within a whole file). */
  has(n: number): boolean {
    return n >= this.firstLine && n <= this.lastLine;
  }

  /** Offset in `text` of the first character of line `n`; the text's length past the end. */
  lineStart(n: number): number {
    const i = n - this.firstLine;
    if (i < 0) return 0;
    if (i >= this.lineCount) return this.text.length;
    return this.starts[i]!;
  }

  /** Offset in `text` of a 1-based position (clipped to its line). */
  offsetOf(pos: Position): number {
    return Math.min(this.lineStart(pos.line) + pos.column - 1, this.lineEnd(pos.line));
  }

  /** The text of line `n` (with its CR, without the newline), or '' outside this text. */
  line(n: number): string {
    const i = n - this.firstLine;
    if (i < 0 || i >= this.lineCount) return '';
    return this.text.slice(this.starts[i]!, this.lineEnd(n));
  }

  /** Offset in `text` just past the last character of line `n` (before its newline). */
  lineEnd(n: number): number {
    const i = n - this.firstLine;
    if (i < 0 || i >= this.lineCount) return this.text.length;
    if (i < this.lineCount - 1) return this.starts[i + 1]! - 1;
    const len = this.text.length;
    return this.text.charCodeAt(len - 1) === 10 ? len - 1 : len;
  }

  /** Every line, as an array (for small files and tests; parsers use line()). */
  get lines(): string[] {
    return Array.from({ length: this.lineCount }, (_, i) => this.line(this.firstLine + i));
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

  /** A zero-width-safe span at the start of this text: of the file, or of a part (for findings about something absent). */
  startSpan(): Span {
    return this.lineSpan(this.firstLine);
  }
}

/** Builds a span from two positions. */
export function spanOf(start: Position, end: Position): Span {
  return { start, end };
}

/**
 * A copy of `s` that keeps no larger string alive. V8 makes a slice of a string (a line cut from a
 * file's text) point into the whole text, so a finding or a whole-file rule keeping such a slice would
 * keep every part of a large file in memory. Slicing a concatenation copies it first.
 */
export function detached(s: string): string {
  return `${s} `.slice(0, -1);
}
