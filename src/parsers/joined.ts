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
 * line and column by binary search, so long continued entries stay linear to read.
 */
export class Joined {
  readonly segments: Segment[] = [];
  text = '';

  /** Appends a physical line, preceded by `separator` in the joined text (not part of any segment). */
  add(line: number, text: string, separator = ''): void {
    this.text += separator;
    this.segments.push({ line, offset: this.text.length, length: text.length });
    this.text += text;
  }

  get startLine(): number {
    return this.segments[0]?.line ?? 1;
  }

  get endLine(): number {
    return this.segments[this.segments.length - 1]?.line ?? 1;
  }

  /** Position of a joined-text offset. Offsets in a separator belong to the end of the previous line. */
  position(offset: number): Position {
    const segs = this.segments;
    let lo = 0;
    let hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.offset <= offset) lo = mid;
      else hi = mid - 1;
    }
    const seg = segs[lo]!;
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
