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
 * A field's body as sendmail's munchstring() (readcf.c) reads it: a double quote starts or ends a quoted
 * stretch and is dropped, a backslash takes the next character as it is (\r, \n, \f and \b are those
 * controls), and the body ends at the first comma outside quotes. Returns the body and where reading
 * stopped (at that comma, or the end).
 */
function munched(s: string, from: number): { body: string; end: number } {
  let body = '';
  let quoted = false;
  let i = from;
  for (; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      i++;
      if (i >= s.length) break;
      const n = s[i]!;
      body += n === 'r' ? '\r' : n === 'n' ? '\n' : n === 'f' ? '\f' : n === 'b' ? '\b' : n;
    } else if (c === '"') quoted = !quoted;
    else if (quoted || c !== ',') body += c;
    else break;
  }
  return { body, end: i };
}

const BLANK = /[ \t\n\r\f\v]/;

/**
 * Reads a filter's equates as milter.c's milter_setup() does: commas and blanks skipped, a field keyed by
 * its first character (case-sensitive: sendmail refuses `s=` and `f=`, "unknown filter equate s=",
 * measured with sendmail 8.17.1.9 -bC), then everything up to the `=`, then the body as munchstring
 * reads it, so that a comma inside double quotes is part of the value: `S="local:/x, F=T, y"` is one
 * socket and no F= flag (measured with -bs: the filter down, the mail is accepted). Every character of
 * the F= body but blanks is a flag, and F= fields add up (`F=R, F=` is R: measured, 554). Undefined when a field has no `=` before its comma or the end:
 * sendmail refuses the declaration ("Xname: `=' expected") and installs no such filter.
 */
function milterOf(name: string, equates: string, span: Span): Milter | undefined {
  const m: Milter = { name, socket: '', flags: '', span };
  let i = 0;
  while (i < equates.length) {
    while (i < equates.length && (equates[i] === ',' || BLANK.test(equates[i]!))) i++;
    // A trailing comma too: sendmail looks for a field after it and finds no `=' (measured: `F=T,` is refused).
    const key = equates[i];
    while (i < equates.length && equates[i] !== '=' && equates[i] !== ',') i++;
    if (equates[i] !== '=') return undefined;
    i++;
    while (i < equates.length && BLANK.test(equates[i]!)) i++;
    const { body, end } = munched(equates, i);
    if (key === 'S') m.socket = body.trim();
    else if (key === 'F') m.flags += body.replace(/[ \t\n\r\f\v]/g, '');
    i = end;
  }
  return m;
}

/** The filter's name as milter_setup() collects it: up to the first comma or blank; the equates follow. */
function nameAndEquates(decl: string): { name: string; equates: string } {
  const m = /^[^,\s]*/.exec(decl)!;
  return { name: m[0], equates: decl.slice(m[0].length + (decl.length > m[0].length ? 1 : 0)) };
}

/** The X lines of a cf (m4 writes one for each INPUT_MAIL_FILTER and MAIL_FILTER). */
export function miltersOfCf(doc: CfDocument): Milter[] {
  const out: Milter[] = [];
  const { lines } = doc;
  for (const i of lines.withLetter('X')) {
    const line = lines.at(i);
    const { name, equates } = nameAndEquates(line.text.slice(1));
    const m = name ? milterOf(name, equates, line.span) : undefined;
    if (m) out.push(m);
  }
  return out;
}

/** The INPUT_MAIL_FILTER and MAIL_FILTER calls of an .mc (each writes an X line with its arguments). */
export function miltersOfMc(doc: McDocument): Milter[] {
  const out: Milter[] = [];
  for (const c of doc.calls) {
    if ((c.name !== 'INPUT_MAIL_FILTER' && c.name !== 'MAIL_FILTER') || !c.args[0]) continue;
    const m = milterOf(c.args[0].text.trim(), c.args[1]?.text ?? '', c.span);
    if (m) out.push(m);
  }
  return out;
}

/**
 * What sendmail does with mail when the milter cannot be reached, by its F= flags. Measured with
 * sendmail 8.17.1.9 `-bs`, a milter whose socket does not exist: no flag, the message is accepted
 * unfiltered (`250 2.0.0 … Message accepted for delivery`); `F=T`, `451 4.3.2 Please try again later`
 * at MAIL; `F=R`, the session is refused (`554 … not accepting messages`, then 550 to every command);
 * `F=4`, `421 4.7.0 … closing connection` at once (tempdrop). With several, T decides over 4 and 4
 * over R (F=RT and F=4T: 451 at MAIL; F=4R: 421), as milter.c's MILTER_CHECK_ERROR tests them.
 */
export function failMode(m: Milter): 'open' | 'tempfail' | 'tempdrop' | 'reject' {
  if (m.flags.includes('T')) return 'tempfail';
  if (m.flags.includes('4')) return 'tempdrop';
  if (m.flags.includes('R')) return 'reject';
  return 'open';
}

/** The host of an `inet:port@host` or `inet6:port@host` socket that is not loopback, else undefined. */
export function remoteHost(m: Milter): string | undefined {
  const s = /^inet6?:[^@]*@(.+)$/i.exec(m.socket.trim());
  if (!s) return undefined;
  const host = s[1]!.trim();
  return isLoopbackAddress(host) ? undefined : host;
}
