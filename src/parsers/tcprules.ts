import type { SourceFile } from '../core/source.js';
import type { ParseProblem, Span } from '../core/types.js';

/**
 * The input of tcprules (ucspi-tcp 0.88), read the way tcprules reads it. Every behaviour here was
 * measured on the real program (FORMATS.md §7):
 * - a line whose first character is `#` is a comment; empty lines and lines with no colon are skipped;
 * - trailing blanks and TABs are stripped, a CR is not;
 * - the address is everything before the first colon, blanks included;
 * - the instructions start with exactly `allow` or `deny`, followed only by `,VAR=<d>value<d>` items
 *   with any delimiter character `<d>` (no blanks between items, no trailing comment);
 * - in an address with no `=` and no `@`, the first `-` makes a range of the octet around it.
 * tcprules stops at the first line it cannot parse (exit 100) and keeps the old cdb.
 */

export type TcpAction = 'allow' | 'deny';

/** Why tcprules refuses a line. */
export type TcpRefusal =
  /** The line ends in a carriage return (CRLF file). */
  | 'cr'
  /** The instructions do not start with lower-case allow or deny. */
  | 'action'
  /** Something after the action is not a well-formed `,VAR=<d>value<d>` item. */
  | 'item'
  /** The ends of a range are not plain numbers. */
  | 'range'
  /** An IPv6 address, which the standard build splits at its first colon. */
  | 'ipv6';

/** One `,VAR=<d>value<d>` item. */
export interface TcpVariable {
  /** Everything between the comma and the first `=`, as tcprules stores it (blanks included). */
  name: string;
  value: string;
  span: Span;
}

/** The range `bot-top` in one octet of an address; tcprules writes one key per value. */
export interface TcpRange {
  /** The address text before the ranged octet, and after it. */
  head: string;
  tail: string;
  /** First value, or 256 when it is above 255 (scan_ulong wraps at 2^64, as tcprules does). */
  bot: number;
  /** Last value, clipped at 255. */
  top: number;
  /** The last value as written is above 255 (tcprules clips it without a word; FORMATS.md §7). */
  clipped: boolean;
  /** The octet as written (`16-31`). */
  text: string;
  span: Span;
}

/** A line with a colon: an `address:instructions` rule, whether or not tcprules accepts it. */
export interface TcpRule {
  line: number;
  /** The line without its trailing blanks (and without its CR). */
  span: Span;
  /** The text before the first colon, byte for byte what tcprules stores as the key. */
  address: string;
  addressSpan: Span;
  /** Undefined when the instructions start with neither allow nor deny. */
  action?: TcpAction;
  variables: TcpVariable[];
  /** Set when the address holds a range that tcprules expands (parsed, even when its ends are bad). */
  range?: TcpRange;
  /** Set when tcprules cannot parse the line: it stops there with exit 100. */
  refused?: { code: TcpRefusal; message: string; span: Span };
}

/** A line that is no comment and no blank line but has no colon: tcprules skips it without a word. */
export interface TcpIgnoredLine {
  line: number;
  span: Span;
  text: string;
}

export interface TcpRulesDocument {
  kind: 'tcp-rules';
  file: SourceFile;
  rules: TcpRule[];
  ignored: TcpIgnoredLine[];
  /** Refusals are in `rules[].refused`; this holds only what mailharden itself did not read (a file past MAX_TCP_ITEMS). */
  problems: ParseProblem[];
  /** The first line tcprules refuses (it stops there, exit 100, and the old cdb stays), if any. */
  refusedAt?: number;
  /** How many refused rule lines end in a CR. */
  crLines: number;
}

const MAX_OCTET = 256;

/**
 * The most a document keeps of rules, their variables and the keys their ranges expand to (each costs
 * an object or a record in the model of 100 to 300 bytes, and a range of 12 bytes 256 records). A
 * real tcp.smtp has tens of lines.
 */
export const MAX_TCP_ITEMS = 262_144;

/** scan_ulong over a whole string of digits, or undefined when it holds anything else; values above 255 become 256. */
function octetValue(digits: string): number | undefined {
  if (!/^[0-9]*$/.test(digits)) return undefined;
  if (digits.length <= 15) return Math.min(Number(digits), MAX_OCTET);
  // tcprules adds digits into an unsigned long without an overflow check: the value wraps at 2^64.
  const v = BigInt(digits) % 2n ** 64n;
  return v > 255n ? MAX_OCTET : Number(v);
}

/**
 * Longest address a range is expanded for. No key longer than this can match a connection (an
 * IPv4 address, a prefix, `=` and a host name of at most 253 characters, `info@`), so a longer one
 * stands for itself: expanding a range in a megabyte of text would make 256 megabyte keys.
 */
const MAX_EXPANDED = 320;

/** The keys tcprules writes for a rule it accepts, in the order it writes them. */
export function ruleKeys(rule: TcpRule): string[] {
  const r = rule.range;
  if (!r || rule.address.length > MAX_EXPANDED) return [rule.address];
  const keys: string[] = [];
  for (let v = r.bot; v <= r.top; v++) keys.push(`${r.head}${v}${r.tail}`);
  return keys;
}

/** Splits `address` around its first `-` the way tcprules does; undefined when it does not expand. */
function rangeOf(address: string, line: number, file: SourceFile): { range: TcpRange; ok: boolean } | undefined {
  if (address.includes('=') || address.includes('@')) return undefined;
  const dash = address.indexOf('-');
  if (dash < 0) return undefined;
  const left = address.lastIndexOf('.', dash - 1) + 1;
  let right = address.indexOf('.', dash + 1);
  if (right < 0) right = address.length;
  const bot = octetValue(address.slice(left, dash));
  const top = octetValue(address.slice(dash + 1, right));
  const text = address.slice(left, right);
  const range: TcpRange = {
    head: address.slice(0, left),
    tail: address.slice(right),
    bot: bot ?? 0,
    top: Math.min(top ?? 0, 255),
    clipped: top !== undefined && top > 255,
    text,
    span: file.span(line, left + 1, text.length),
  };
  return { range, ok: bot !== undefined && top !== undefined };
}

const show = (s: string): string => JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);

/**
 * Reads the instructions after the colon (`text` from offset `from`). Returns the action and items, or
 * the offset and reason of the first thing tcprules refuses.
 */
function readInstructions(text: string, from: number, maxVariables = Infinity): { action?: TcpAction; variables: { name: string; value: string; start: number; end: number }[]; dropped: number; error?: { at: number; code: 'action' | 'item'; message: string } } {
  /** Items read but not kept, past `maxVariables`: the line is still read to its end, so a refusal is found. */
  let dropped = 0;
  const variables: { name: string; value: string; start: number; end: number }[] = [];
  let action: TcpAction;
  let pos: number;
  if (text.startsWith('deny', from)) {
    action = 'deny';
    pos = from + 4;
  } else if (text.startsWith('allow', from)) {
    action = 'allow';
    pos = from + 5;
  } else {
    const rest = text.slice(from);
    const word = /^[ \t]*([A-Za-z]*)/.exec(rest)![1]!;
    let message: string;
    if (rest === '') message = 'nothing after the colon: write allow or deny';
    else if (/^[ \t]/.test(rest) && /^(allow|deny)/i.test(word)) message = `a blank between the colon and "${word}": write "${word.toLowerCase()}" right after the colon`;
    else if (/^(allow|deny)/i.test(word)) message = `"${word}": allow and deny must be lower case`;
    else message = `${show(rest)} after the colon is neither allow nor deny`;
    return { variables, dropped, error: { at: from, code: 'action', message } };
  }
  const len = text.length;
  while (pos < len) {
    const ch = text[pos]!;
    if (ch !== ',') {
      const rest = text.slice(pos);
      let message: string;
      if (ch === '\r') message = 'a carriage return at the end of the line';
      else if (/^[A-Za-z]/.test(ch)) message = `"${action}${/^[A-Za-z]*/.exec(rest)![0]}": the action must be exactly allow or deny`;
      else if (/^[ \t]+#/.test(rest) || ch === '#') message = `a comment after the rule (${show(rest.trim())}): tcprules reads no trailing comments`;
      else if (ch === ' ' || ch === '\t') message = `a blank before ${show(rest.trim())}: tcprules allows no blanks around items`;
      else message = `${show(rest)} where a ",VAR=\\"value\\"" item or the end of the line must follow`;
      return { action, variables, dropped, error: { at: pos, code: 'item', message } };
    }
    const eq = text.indexOf('=', pos);
    if (eq < 0) return { action, variables, dropped, error: { at: pos, code: 'item', message: `item ${show(text.slice(pos))} has no "="` } };
    const name = text.slice(pos + 1, eq);
    if (eq + 1 >= len) return { action, variables, dropped, error: { at: pos, code: 'item', message: `"${name}=" has no value: write ${name}=""` } };
    const delim = text[eq + 1]!;
    const close = text.indexOf(delim, eq + 2);
    if (close < 0) return { action, variables, dropped, error: { at: pos, code: 'item', message: `the value of "${name}" opens with ${JSON.stringify(delim)} but never closes` } };
    if (variables.length < maxVariables) variables.push({ name, value: text.slice(eq + 2, close), start: pos, end: close + 1 });
    else dropped++;
    pos = close + 1;
  }
  return { action, variables, dropped };
}

/** The address before the colon that the IPv6 build of tcprules would take (the colon before allow or deny), when it is IPv6. */
function ipv6Address(text: string): string | undefined {
  for (let colon = text.indexOf(':'); colon >= 0; colon = text.indexOf(':', colon + 1)) {
    if (!text.startsWith('allow', colon + 1) && !text.startsWith('deny', colon + 1)) continue;
    const address = text.slice(0, colon);
    const ip = address.slice(address.lastIndexOf('@') + 1);
    if (ip.includes(':') && /^[0-9A-Fa-f:.]+$/.test(ip) && ip.split(':').length >= 3) return address;
    return undefined;
  }
  return undefined;
}

/** Reads a tcprules source file. Never throws. */
export function parseTcpRules(file: SourceFile): TcpRulesDocument {
  const doc: TcpRulesDocument = { kind: 'tcp-rules', file, rules: [], ignored: [], problems: [], crLines: 0 };
  /** What is kept so far: a line, each of its variables and each key its range expands to count one. */
  let items = 0;
  for (let line = 1; line <= file.lineCount; line++) {
    const raw = file.line(line);
    if (raw === '' || raw.charCodeAt(0) === 35 /* # */) continue;
    if (items >= MAX_TCP_ITEMS) {
      doc.problems.push({ message: `more than ${MAX_TCP_ITEMS.toLocaleString('en-US')} rules, variables and keys of ranges: mailharden reads the lines before this one and checks none from here on`, span: file.lineSpan(line) });
      break;
    }
    items++;
    let end = raw.length;
    while (end > 0 && (raw.charCodeAt(end - 1) === 32 || raw.charCodeAt(end - 1) === 9)) end--;
    const text = raw.slice(0, end);
    const colon = text.indexOf(':');
    if (colon < 0) {
      // Blank lines, lines of blanks and CRs, and indented comments are skipped as intended.
      const shown = text.replace(/\r$/, '');
      if (shown.trim() !== '' && !shown.trimStart().startsWith('#')) doc.ignored.push({ line, span: file.span(line, 1, shown.length), text: shown });
      continue;
    }
    const hasCr = text.endsWith('\r');
    const visible = hasCr ? text.slice(0, -1) : text;
    const address = text.slice(0, colon);
    const rule: TcpRule = {
      line,
      span: file.span(line, 1, visible.length),
      address,
      addressSpan: file.span(line, 1, address.length),
      variables: [],
    };
    const instr = readInstructions(text, colon + 1, MAX_TCP_ITEMS - items);
    items += instr.variables.length;
    if (instr.dropped > 0) {
      doc.problems.push({ message: `more than ${MAX_TCP_ITEMS.toLocaleString('en-US')} rules, variables and keys of ranges: mailharden keeps the first ${instr.variables.length.toLocaleString('en-US')} variables of this line and checks none of the ${instr.dropped.toLocaleString('en-US')} after them, nor any later line`, span: file.lineSpan(line) });
    }
    if (instr.action) rule.action = instr.action;
    for (const v of instr.variables) rule.variables.push({ name: v.name, value: v.value, span: file.span(line, v.start + 1, v.end - v.start) });
    const range = rangeOf(address, line, file);
    if (range) rule.range = range.range;
    if (range && address.length <= MAX_EXPANDED) items += Math.max(0, range.range.top - range.range.bot + 1);
    if (instr.error) {
      const at = instr.error.at;
      rule.refused = { code: instr.error.code, message: instr.error.message, span: file.span(line, at + 1, Math.max(visible.length - at, 1)) };
      if (hasCr) {
        doc.crLines++;
        // Judge the line without its CR: if that reads, the CR alone is what tcprules refuses.
        let bare = visible.length;
        while (bare > colon + 1 && (visible.charCodeAt(bare - 1) === 32 || visible.charCodeAt(bare - 1) === 9)) bare--;
        const again = readInstructions(visible.slice(0, bare), colon + 1, instr.variables.length);
        if (!again.error) {
          if (again.action) rule.action = again.action;
          rule.variables = [];
          for (const v of again.variables) rule.variables.push({ name: v.name, value: v.value, span: file.span(line, v.start + 1, v.end - v.start) });
          rule.refused = { code: 'cr', message: 'the line ends in a carriage return (CRLF line endings)', span: file.span(line, visible.length + 1, 1) };
        }
      }
      const v6 = ipv6Address(visible);
      if (v6 !== undefined) rule.refused = { code: 'ipv6', message: `"${v6}" is an IPv6 address`, span: file.span(line, 1, v6.length) };
    } else if (range && !range.ok) {
      const text = range.range.text;
      const message = /[A-Za-z]/.test(text)
        ? `"${text}": a "-" in a key with no "=" or "@" makes a range, whose ends must be numbers (a host name needs "=" in front)`
        : `the range "${text}" must be two numbers joined by "-"`;
      rule.refused = { code: 'range', message, span: range.range.span };
    }
    if (rule.refused && doc.refusedAt === undefined) doc.refusedAt = line;
    doc.rules.push(rule);
    // The problem above said that nothing after this line's first variables is checked.
    if (instr.dropped > 0) break;
  }
  return doc;
}
