import type { Span } from '../core/types.js';
import { payloadSpan, type Exchange, type ProbeDocument, type ReplyLine } from './transcript.js';

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

/** The exchange of a command (VRFY, EXPN) and its final reply line, when the server answered it (250 or 251). */
export function answered(doc: ProbeDocument, command: string): { e: Exchange; l: ReplyLine; code: number } | undefined {
  const e = doc.find(command);
  const l = e && finalLine(e);
  return e?.reply && l && (e.reply.code === 250 || e.reply.code === 251) ? { e, l, code: e.reply.code } : undefined;
}
