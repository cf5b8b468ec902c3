import type { Span } from '../core/types.js';
import type { CfDocument } from '../parsers/sendmail-cf.js';
import type { McDocument } from '../parsers/sendmail-mc.js';
import { isLoopbackAddress } from './address.js';

/** A mail filter (milter) as the configuration declares it: a cf's X line, an .mc's INPUT_MAIL_FILTER or MAIL_FILTER. */
export interface Milter {
  name: string;
  /** S=: `unix:/path`, `local:/path`, `inet:port@host`, `inet6:port@host`. */
  socket: string;
  /** F= flags, one letter each ('' when absent). */
  flags: string;
  span: Span;
}

/**
 * Reads `name, S=..., F=..., T=...` as milter.c's milter_setup() does: fields cut at commas, each keyed
 * by its first letter, blanks skipped. The letter is case-sensitive: sendmail refuses `s=` and `f=`
 * ("unknown filter equate s=", measured with sendmail 8.17.1.9 -bC).
 */
function milterOf(name: string, fields: string, span: Span): Milter {
  const m: Milter = { name: name.trim(), socket: '', flags: '', span };
  for (const field of fields.split(',')) {
    const eq = field.indexOf('=');
    if (eq < 0) continue;
    const key = field.trimStart()[0];
    const value = field.slice(eq + 1).trim();
    if (key === 'S') m.socket = value;
    else if (key === 'F') m.flags = value;
  }
  return m;
}

/** The X lines of a cf (m4 writes one for each INPUT_MAIL_FILTER and MAIL_FILTER). */
export function miltersOfCf(doc: CfDocument): Milter[] {
  const out: Milter[] = [];
  const { lines } = doc;
  for (let i = 0; i < lines.length; i++) {
    if (lines.letter(i) !== 'X') continue;
    const line = lines.at(i);
    const comma = line.text.indexOf(',');
    const name = comma < 0 ? line.text.slice(1) : line.text.slice(1, comma);
    out.push(milterOf(name, comma < 0 ? '' : line.text.slice(comma + 1), line.span));
  }
  return out;
}

/** The INPUT_MAIL_FILTER and MAIL_FILTER calls of an .mc (each writes an X line with its arguments). */
export function miltersOfMc(doc: McDocument): Milter[] {
  return doc.calls.filter((c) => (c.name === 'INPUT_MAIL_FILTER' || c.name === 'MAIL_FILTER') && c.args[0]).map((c) => milterOf(c.args[0]!.text, c.args[1]?.text ?? '', c.span));
}

/**
 * What sendmail does with mail when the milter cannot be reached, by its F= flags. Measured with
 * sendmail 8.17.1.9 `-bs`, a milter whose socket does not exist: no flag, the message is accepted
 * unfiltered (`250 2.0.0 … Message accepted for delivery`); `F=T`, `451 4.3.2 Please try again later`
 * at MAIL; `F=R`, the session is refused (`554 … not accepting messages`, then 550 to every command).
 */
export function failMode(m: Milter): 'open' | 'tempfail' | 'reject' {
  if (m.flags.includes('R')) return 'reject';
  if (m.flags.includes('T')) return 'tempfail';
  return 'open';
}

/** The host of an `inet:port@host` or `inet6:port@host` socket that is not loopback, else undefined. */
export function remoteHost(m: Milter): string | undefined {
  const s = /^inet6?:[^@]*@(.+)$/i.exec(m.socket.trim());
  if (!s) return undefined;
  const host = s[1]!.trim();
  return isLoopbackAddress(host) ? undefined : host;
}
