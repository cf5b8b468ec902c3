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

  /** The physical lines, first to last (built on each call; check lineCount first in hot loops). */
  get segments(): Segment[] {
    if (this.count === 0) return [];
    return [{ line: this.firstLine, offset: 0, length: this.firstLength }, ...(this.rest ?? [])];
  }

  get startLine(): number {
    return this.count ? this.firstLine : 1;
  }

  get endLine(): number {
    return this.rest ? this.rest[this.rest.length - 1]!.line : this.startLine;
  }

  /** Position of a joined-text offset. Offsets in a separator belong to the end of the previous line. */
  position(offset: number): Position {
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
