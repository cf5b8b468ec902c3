import type { SourceFile } from '../core/source.js';
import type { Position, Span } from '../core/types.js';

/** One physical line inside a logical line. */
export interface Segment {
  line: number;
  /** Offset of this line's first character in the joined text. */
  offset: number;
  length: number;
}

/**
 * A logical line made of physical lines (continuations). Offsets into the joined text map back to
 * line and column by binary search, so long continued entries stay linear to read. The common case,
 * one physical line, keeps no segment objects at all.
 */
export class Joined {
  text = '';
  private firstLine = 0;
  private firstLength = 0;
  private rest: Segment[] | undefined;
  private count = 0;
  /** Set when the joined text is a slice of this file's text (lines joined by their own newlines). */
  private file: SourceFile | undefined;
  /** Offset of the joined text in the file's text. */
  private base = 0;

  /**
   * Lines `first` to `first + count - 1` of `file` joined by the newlines between them, when none holds
   * a CR: the text is then a slice of the file's and each position is found among the file's line
   * starts, so a logical line of millions of continuation lines costs no memory per line. Undefined
   * when a CR is there (it is not part of the joined text): `cr` is the offset of the first CR at or
   * after the first line's start (the text's length when there is none).
   */
  static ofFile(file: SourceFile, first: number, count: number, cr: number): Joined | undefined {
    const start = file.lineStart(first);
    const end = file.lineEnd(first + count - 1);
    if (cr < end) return undefined;
    const j = new Joined();
    j.file = file;
    j.base = start;
    j.firstLine = first;
    j.firstLength = file.lineEnd(first) - start;
    j.count = count;
    j.text = file.text.slice(start, end);
    return j;
  }

  /** Appends a physical line, preceded by `separator` in the joined text (not part of any segment). */
  add(line: number, text: string, separator = ''): void {
    if (this.count === 0) {
      this.firstLine = line;
      this.firstLength = text.length;
      this.text = text;
    } else {
      this.text += separator;
      (this.rest ??= []).push({ line, offset: this.text.length, length: text.length });
      this.text += text;
    }
    this.count++;
  }

  /** How many physical lines make up the logical one. */
  get lineCount(): number {
    return this.count;
  }

  /** The physical lines, first to last (built on each call; use segment(k) to walk a long line). */
  get segments(): Segment[] {
    return Array.from({ length: this.count }, (_, k) => this.segment(k));
  }

  /** The `k`th physical line (0 for the first). */
  segment(k: number): Segment {
    if (k === 0) return { line: this.firstLine, offset: 0, length: this.firstLength };
    const file = this.file;
    if (file) {
      const n = this.firstLine + k;
      const at = file.lineStart(n);
      return { line: n, offset: at - this.base, length: file.lineEnd(n) - at };
    }
    return this.rest![k - 1]!;
  }

  get startLine(): number {
    return this.count ? this.firstLine : 1;
  }

  get endLine(): number {
    if (this.file) return this.firstLine + this.count - 1;
    return this.rest ? this.rest[this.rest.length - 1]!.line : this.startLine;
  }

  /** Position of a joined-text offset. Offsets in a separator belong to the end of the previous line. */
  position(offset: number): Position {
    const file = this.file;
    if (file) {
      // The last line starting at or before the offset, by binary search over the file's line starts.
      let lo = 0;
      let hi = this.count - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (file.lineStart(this.firstLine + mid) - this.base <= offset) lo = mid;
        else hi = mid - 1;
      }
      const n = this.firstLine + lo;
      const at = file.lineStart(n) - this.base;
      return { line: n, column: Math.min(Math.max(offset - at, 0), file.lineEnd(n) - file.lineStart(n)) + 1 };
    }
    const rest = this.rest;
    if (!rest || offset < rest[0]!.offset) return { line: this.startLine, column: Math.min(offset, this.firstLength) + 1 };
    let lo = 0;
    let hi = rest.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (rest[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    const seg = rest[lo]!;
    return { line: seg.line, column: Math.min(offset - seg.offset, seg.length) + 1 };
  }

  /** Span of joined-text offsets [from, to); never empty. */
  span(from: number, to: number): Span {
    const start = this.position(from);
    let end = this.position(Math.max(to, from + 1) - 1);
    end = { line: end.line, column: end.column + 1 };
    return { start, end };
  }
}
