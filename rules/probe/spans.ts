import type { Span } from '../../src/core/types.js';
import { payloadSpan, type Exchange, type ReplyLine } from '../../src/probe/transcript.js';

/** The span of a whole reply line of the transcript (after its `S: ` prefix). */
export function lineSpan(l: ReplyLine): Span {
  return payloadSpan(l.line, 0, l.text.length);
}

/** The final line of an exchange's reply (the one whose code decides). */
export function finalLine(e: Exchange): ReplyLine | undefined {
  return e.reply?.lines[e.reply.lines.length - 1];
}

/** A reply quoted for a message: its final line, clipped. */
export function quote(e: Exchange): string {
  const text = finalLine(e)?.text ?? '';
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}
