import { growI32, growU8 } from '../core/typed-array.js';
import { Buffer } from 'node:buffer';
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
  /** The rule lines as numbers and offsets into the file's text: what the rules and the model read. */
  table: TcpRuleTable;
  /** The rule lines as objects, made on first use from `table` (for small files: policy init, render, tests). */
  readonly rules: TcpRule[];
  /** The lines with no colon, as objects, made on first use. */
  readonly ignored: TcpIgnoredLine[];
  /** The numbers of the lines with no colon (what `ignored` holds). */
  readonly ignoredLines: readonly number[];
  /** The span of such a line, without its trailing blanks and CR. */
  ignoredSpan(line: number): Span;
  /** Refusals are in `rules[].refused`; this holds only what mailharden itself did not read (a file past MAX_TCP_ITEMS). */
  problems: ParseProblem[];
  /** The first line tcprules refuses (it stops there, exit 100, and the old cdb stays), if any. */
  refusedAt?: number;
  /** How many refused rule lines end in a CR. */
  crLines: number;
}

const MAX_OCTET = 256;

/**
 * The most a document keeps of lines, their variables and the keys their ranges expand to. A line
 * costs about 30 bytes in the table and a key about 30 in the model (numbers in typed arrays, no
 * object per line or key), a variable 12; a range of 12 bytes writes 256 keys, so this bounds what a
 * file of ranges costs. A real tcp.smtp has tens of lines; `npm run bench`'s 40 MB file 2.4 million items.
 */
export const MAX_TCP_ITEMS = 8_388_608;

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
export const MAX_EXPANDED = 320;

/** The keys tcprules writes for a rule it accepts, in the order it writes them. */
export function ruleKeys(rule: TcpRule): string[] {
  const r = rule.range;
  if (!r || rule.address.length > MAX_EXPANDED) return [rule.address];
  const keys: string[] = [];
  for (let v = r.bot; v <= r.top; v++) keys.push(`${r.head}${v}${r.tail}`);
  return keys;
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

/** scan_ulong over `s[a..b)` when it is all digits (see octetValue); -1 when it holds anything else. */
function octetAt(s: string, a: number, b: number): number {
  if (b - a > 15) return octetValue(s.slice(a, b)) ?? -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return Math.min(v, MAX_OCTET);
}

/** The action in the low two bits of a line's flags. */
export const ALLOW = 1;
export const DENY = 2;
/** Flag: the line (after its trailing blanks are cut) ends in a CR. */
const CR = 4;
/** Flag: a variable read on the line (perhaps one dropped when the line was read again) has V_EDGE. */
const NOTE_EDGE = 8;
/** Flag: a variable read on the line (perhaps one dropped when the line was read again) is RELAYCLIENT with a value. */
const NOTE_RELAY_VALUE = 16;
/** Variable flag: the name is RELAYCLIENT. */
const V_RELAYCLIENT = 1;
/** Variable flag: the name is not empty and its first or last character is not printable ASCII (it may be a blank). */
const V_EDGE = 2;
const RELAYCLIENT = 'RELAYCLIENT';
const RELAYCLIENT_CODES = Uint8Array.from(RELAYCLIENT, (c) => c.charCodeAt(0));

/**
 * The code units of `text` in a typed array: one byte each when the text is ASCII (Buffer's latin1
 * copy is then exact), two otherwise. Reading a typed array in a loop costs a fraction of charCodeAt.
 */
export function codeUnits(text: string): Uint8Array | Uint16Array {
  if (Buffer.byteLength(text, 'utf8') === text.length) {
    const b = Buffer.from(text, 'latin1');
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  }
  const u = new Uint16Array(text.length);
  for (let i = 0; i < text.length; i++) u[i] = text.charCodeAt(i);
  return u;
}

/** The flags of the variable named `t[from..to)` (V_RELAYCLIENT, V_EDGE). */
function nameFlags(t: Uint8Array | Uint16Array, from: number, to: number): number {
  if (from === to) return 0;
  const first = t[from]!;
  const last = t[to - 1]!;
  if (first < 33 || first > 126 || last < 33 || last > 126) return V_EDGE;
  if (to - from !== RELAYCLIENT.length) return 0;
  for (let k = 0; k < RELAYCLIENT_CODES.length; k++) if (t[from + k] !== RELAYCLIENT_CODES[k]) return 0;
  return V_RELAYCLIENT;
}

/** Lines of a table, by what a rule looks for on them (see TcpRuleTable.noted). */
export interface TcpNotedLines {
  /** Lines tcprules refuses (any refusal code). */
  readonly refused: Int32Array;
  /** Lines with a range (expanded or not, accepted or not). */
  readonly ranged: Int32Array;
  /** Lines with a variable whose name's first or last character is not printable ASCII. */
  readonly edgeVars: Int32Array;
  /** Lines with a RELAYCLIENT variable that has a value (of any action, accepted or not). */
  readonly relayValues: Int32Array;
}

/** Refusal codes as stored: 0 is none. */
const REFUSALS: readonly (TcpRefusal | undefined)[] = [undefined, 'cr', 'action', 'item', 'range', 'ipv6'];
const REFUSAL_CODE: Readonly<Record<TcpRefusal, number>> = { cr: 1, action: 2, item: 3, range: 4, ipv6: 5 };



/**
 * The rule lines of a tcp.smtp as numbers: per line its number, offsets into the file's text (start,
 * colon, end), the action, the refusal code, its variables (offsets of the comma, the `=` and the
 * closing delimiter) and its range (offsets of the octet and its two ends). No object per line: the
 * strings and objects a rule reports are made when it asks for them (`address`, `rule`, `refused`).
 */
export class TcpRuleTable {
  // The columns are public for the model's loops, which run once over millions of lines before V8
  // optimises them: a call per field costs more there than the field itself. Only the parser writes them.
  /** How many rule lines (lines with a colon that are no comment). */
  count = 0;
  lineNo = new Int32Array(256);
  start = new Int32Array(256);
  colonAt = new Int32Array(256);
  /** Just past the line's last character that is not a trailing blank (a final CR included). */
  endAt = new Int32Array(256);
  flags = new Uint8Array(256);
  refusal = new Uint8Array(256);
  /** Variables of line i: varFirst[i] to varFirst[i + 1]. */
  varFirst = new Int32Array(257);
  /** 1 + the index of line i's range in the range columns, 0 when it has none. */
  rangeRef = new Int32Array(256);
  vars = 0;
  vComma = new Int32Array(256);
  vEq = new Int32Array(256);
  vClose = new Int32Array(256);
  /** Per variable: V_RELAYCLIENT, V_EDGE (worked out by the parser while the line is in the cache). */
  vFlags = new Uint8Array(256);
  ranges = 0;
  /** Offsets of the ranged octet's start, its `-` and its end, and its values (bot 256 when above 255; top clipped at 255). */
  rLeft = new Int32Array(16);
  rDash = new Int32Array(16);
  rRight = new Int32Array(16);
  rBot = new Int32Array(16);
  rTop = new Int32Array(16);
  rClipped = new Uint8Array(16);

  /** The file's text as UTF-16 code units in a typed array (one byte each when it is ASCII): what the loops over characters read. */
  readonly codes: Uint8Array | Uint16Array;

  constructor(readonly file: SourceFile) {
    this.codes = file.asciiBytes ?? codeUnits(file.text);
    // Room for a rule line per 32 characters (and at most one per line): a file of typical lines never
    // grows the columns, and a file of no rules wastes at most 1.2 bytes per byte.
    const room = Math.max(256, Math.min(file.lineCount, file.text.length >> 5));
    this.lineNo = new Int32Array(room);
    this.start = new Int32Array(room);
    this.colonAt = new Int32Array(room);
    this.endAt = new Int32Array(room);
    this.flags = new Uint8Array(room);
    this.refusal = new Uint8Array(room);
    this.varFirst = new Int32Array(room + 1);
    this.rangeRef = new Int32Array(room);
    this.vComma = new Int32Array(room);
    this.vEq = new Int32Array(room);
    this.vClose = new Int32Array(room);
    this.vFlags = new Uint8Array(room);
  }

  /** Starts line `i` = count; returns its index. */
  add(line: number, start: number, colon: number, end: number, cr: boolean): number {
    const i = this.count;
    if (i === this.lineNo.length) {
      const n = i * 2;
      this.lineNo = growI32(this.lineNo, n);
      this.start = growI32(this.start, n);
      this.colonAt = growI32(this.colonAt, n);
      this.endAt = growI32(this.endAt, n);
      this.flags = growU8(this.flags, n);
      this.refusal = growU8(this.refusal, n);
      this.rangeRef = growI32(this.rangeRef, n);
      this.varFirst = growI32(this.varFirst, n + 1);
    }
    this.lineNo[i] = line;
    this.start[i] = start;
    this.colonAt[i] = colon;
    this.endAt[i] = end;
    this.flags[i] = cr ? CR : 0;
    this.refusal[i] = 0;
    this.rangeRef[i] = 0;
    this.varFirst[i] = this.vars;
    this.varFirst[i + 1] = this.vars;
    this.count = i + 1;
    return i;
  }

  /** Appends a variable to the last line. */
  addVariable(comma: number, eq: number, close: number, flags: number): void {
    const k = this.vars;
    if (k === this.vComma.length) {
      this.vComma = growI32(this.vComma, k * 2);
      this.vEq = growI32(this.vEq, k * 2);
      this.vClose = growI32(this.vClose, k * 2);
      this.vFlags = growU8(this.vFlags, k * 2);
    }
    this.vComma[k] = comma;
    this.vEq[k] = eq;
    this.vClose[k] = close;
    this.vFlags[k] = flags;
    if (flags !== 0) {
      const i = this.count - 1;
      if (flags & V_EDGE) this.flags[i]! |= NOTE_EDGE;
      else if (close !== eq + 2) this.flags[i]! |= NOTE_RELAY_VALUE;
    }
    this.vars = k + 1;
    this.varFirst[this.count] = this.vars;
  }

  /** Drops the last line's variables (to read it again). */
  dropVariables(): void {
    this.vars = this.varFirst[this.count - 1]!;
    this.varFirst[this.count] = this.vars;
  }

  setAction(i: number, action: number): void {
    this.flags[i] = (this.flags[i]! & ~3) | action;
  }

  setRefusal(i: number, code: TcpRefusal): void {
    this.refusal[i] = REFUSAL_CODE[code];
  }

  setRange(i: number, left: number, dash: number, right: number, bot: number, top: number, clipped: boolean): void {
    const k = this.ranges;
    if (k === this.rLeft.length) {
      this.rLeft = growI32(this.rLeft, k * 2);
      this.rDash = growI32(this.rDash, k * 2);
      this.rRight = growI32(this.rRight, k * 2);
      this.rBot = growI32(this.rBot, k * 2);
      this.rTop = growI32(this.rTop, k * 2);
      this.rClipped = growU8(this.rClipped, k * 2);
    }
    this.rLeft[k] = left;
    this.rDash[k] = dash;
    this.rRight[k] = right;
    this.rBot[k] = bot;
    this.rTop[k] = top;
    this.rClipped[k] = clipped ? 1 : 0;
    this.ranges = k + 1;
    this.rangeRef[i] = k + 1;
  }

  private notedLines?: TcpNotedLines;

  /**
   * The lines that some rule looks at closer, found in one pass over the columns on first use, so
   * that each rule does not loop over every line of the file. Each list is in line order and may
   * hold more lines than its rule reports (the rule checks each line as before).
   */
  noted(): TcpNotedLines {
    if (this.notedLines) return this.notedLines;
    let refused = new Int32Array(16);
    let ranged = new Int32Array(16);
    let edgeVars = new Int32Array(16);
    let relayValues = new Int32Array(16);
    let nRefused = 0;
    let nRanged = 0;
    let nEdge = 0;
    let nRelay = 0;
    const { refusal, rangeRef, flags } = this;
    for (let i = 0; i < this.count; i++) {
      if (refusal[i] !== 0) (refused = growI32(refused, nRefused + 1))[nRefused++] = i;
      if (rangeRef[i] !== 0) (ranged = growI32(ranged, nRanged + 1))[nRanged++] = i;
      const f = flags[i]!;
      if (f & NOTE_EDGE) (edgeVars = growI32(edgeVars, nEdge + 1))[nEdge++] = i;
      if (f & NOTE_RELAY_VALUE) (relayValues = growI32(relayValues, nRelay + 1))[nRelay++] = i;
    }
    this.notedLines = { refused: refused.subarray(0, nRefused), ranged: ranged.subarray(0, nRanged), edgeVars: edgeVars.subarray(0, nEdge), relayValues: relayValues.subarray(0, nRelay) };
    return this.notedLines;
  }

  /** The file's line number of rule line `i`. */
  line(i: number): number {
    return this.lineNo[i]!;
  }

  action(i: number): TcpAction | undefined {
    const a = this.flags[i]! & 3;
    return a === ALLOW ? 'allow' : a === DENY ? 'deny' : undefined;
  }

  /** Whether tcprules writes records for line `i`: it has an action and is not refused. */
  accepted(i: number): boolean {
    return this.refusal[i] === 0 && (this.flags[i]! & 3) !== 0;
  }

  isAllow(i: number): boolean {
    return (this.flags[i]! & 3) === ALLOW;
  }

  refusedCode(i: number): TcpRefusal | undefined {
    return REFUSALS[this.refusal[i]!];
  }

  /** The key as written (the text before the colon). */
  address(i: number): string {
    return this.file.text.slice(this.start[i]!, this.colonAt[i]!);
  }

  addressStart(i: number): number {
    return this.start[i]!;
  }

  addressEnd(i: number): number {
    return this.colonAt[i]!;
  }

  addressSpan(i: number): Span {
    return this.file.span(this.lineNo[i]!, 1, this.colonAt[i]! - this.start[i]!);
  }

  /** The line's text without trailing blanks, and without its CR. */
  private visibleLength(i: number): number {
    return this.endAt[i]! - this.start[i]! - (this.flags[i]! & CR ? 1 : 0);
  }

  span(i: number): Span {
    return this.file.span(this.lineNo[i]!, 1, this.visibleLength(i));
  }

  varCount(i: number): number {
    return this.varFirst[i + 1]! - this.varFirst[i]!;
  }

  /** Index of line i's first variable, for varName/varValue/… (its others follow). */
  varBase(i: number): number {
    return this.varFirst[i]!;
  }

  varName(v: number): string {
    return this.file.text.slice(this.vComma[v]! + 1, this.vEq[v]!);
  }

  varValue(v: number): string {
    return this.file.text.slice(this.vEq[v]! + 2, this.vClose[v]!);
  }

  /** Whether variable `v` is named `name` exactly. */
  varNameIs(v: number, name: string): boolean {
    const from = this.vComma[v]! + 1;
    if (this.vEq[v]! - from !== name.length) return false;
    const t = this.file.text;
    for (let k = 0; k < name.length; k++) if (t.charCodeAt(from + k) !== name.charCodeAt(k)) return false;
    return true;
  }

  /** Whether variable `v` is named RELAYCLIENT exactly (varNameIs(v, 'RELAYCLIENT'), read off a flag). */
  varIsRelayClient(v: number): boolean {
    return (this.vFlags[v]! & V_RELAYCLIENT) !== 0;
  }

  /**
   * Whether the name of variable `v` may start or end in white space (its first or last character is
   * not printable ASCII): when false, `varName(v).trim() === varName(v)` without making the name.
   */
  varNameMayHaveBlankEdge(v: number): boolean {
    return (this.vFlags[v]! & V_EDGE) !== 0;
  }

  /** Whether variable `v`'s value is empty. */
  varValueEmpty(v: number): boolean {
    return this.vClose[v] === this.vEq[v]! + 2;
  }

  /** Whether variables `v` and `w` have the same name and value. */
  varEquals(v: number, w: number): boolean {
    const t = this.file.text;
    const nv = this.vEq[v]! - this.vComma[v]!;
    const xv = this.vClose[v]! - this.vEq[v]!;
    if (nv !== this.vEq[w]! - this.vComma[w]! || xv !== this.vClose[w]! - this.vEq[w]!) return false;
    const a = this.vComma[v]! + 1;
    const b = this.vComma[w]! + 1;
    for (let k = 0; k < nv - 1; k++) if (t.charCodeAt(a + k) !== t.charCodeAt(b + k)) return false;
    const c = this.vEq[v]! + 2;
    const d = this.vEq[w]! + 2;
    for (let k = 0; k < xv - 2; k++) if (t.charCodeAt(c + k) !== t.charCodeAt(d + k)) return false;
    return true;
  }

  varSpan(v: number, i: number): Span {
    const s = this.start[i]!;
    return this.file.span(this.lineNo[i]!, this.vComma[v]! - s + 1, this.vClose[v]! + 1 - this.vComma[v]!);
  }

  variables(i: number): TcpVariable[] {
    const out: TcpVariable[] = [];
    for (let v = this.varFirst[i]!; v < this.varFirst[i + 1]!; v++) out.push({ name: this.varName(v), value: this.varValue(v), span: this.varSpan(v, i) });
    return out;
  }

  hasRange(i: number): boolean {
    return this.rangeRef[i] !== 0;
  }

  /** The range of line `i`, as an object. */
  range(i: number): TcpRange | undefined {
    const k = this.rangeRef[i]! - 1;
    if (k < 0) return undefined;
    const t = this.file.text;
    const s = this.start[i]!;
    const left = this.rLeft[k]!;
    const right = this.rRight[k]!;
    const text = t.slice(left, right);
    return {
      head: t.slice(s, left),
      tail: t.slice(right, this.colonAt[i]!),
      bot: this.rBot[k]!,
      top: this.rTop[k]!,
      clipped: this.rClipped[k] === 1,
      text,
      span: this.file.span(this.lineNo[i]!, left - s + 1, text.length),
    };
  }

  /** Whether line `i`'s range is expanded (its key is short enough): then its keys are head + value + tail. */
  expands(i: number): boolean {
    return this.rangeRef[i] !== 0 && this.colonAt[i]! - this.start[i]! <= MAX_EXPANDED;
  }

  rangeBot(i: number): number {
    return this.rBot[this.rangeRef[i]! - 1]!;
  }

  rangeTop(i: number): number {
    return this.rTop[this.rangeRef[i]! - 1]!;
  }

  /** Offsets of the ranged octet (head is start..left, tail right..colon). */
  rangeLeft(i: number): number {
    return this.rLeft[this.rangeRef[i]! - 1]!;
  }

  rangeRight(i: number): number {
    return this.rRight[this.rangeRef[i]! - 1]!;
  }

  /** How many cdb keys tcprules writes for line `i` when it accepts it (0 for a range that runs backwards). */
  keyCount(i: number): number {
    if (!this.expands(i)) return 1;
    return Math.max(0, this.rangeTop(i) - this.rangeBot(i) + 1);
  }

  /** Key `k` of line `i` (see ruleKeys). */
  key(i: number, k: number): string {
    if (!this.expands(i)) return this.address(i);
    const t = this.file.text;
    return `${t.slice(this.start[i]!, this.rangeLeft(i))}${this.rangeBot(i) + k}${t.slice(this.rangeRight(i), this.colonAt[i]!)}`;
  }

  /** Why tcprules refuses line `i`, worked out again from its text (refusals are rare, and the message is made only when asked). */
  refused(i: number): TcpRule['refused'] {
    const code = this.refusal[i]!;
    if (code === 0) return undefined;
    const line = this.lineNo[i]!;
    const file = this.file;
    const text = file.text.slice(this.start[i]!, this.endAt[i]!);
    const colon = this.colonAt[i]! - this.start[i]!;
    const hasCr = (this.flags[i]! & CR) !== 0;
    const visible = hasCr ? text.slice(0, -1) : text;
    if (REFUSALS[code] === 'range') {
      const r = this.range(i)!;
      const message = /[A-Za-z]/.test(r.text)
        ? `"${r.text}": a "-" in a key with no "=" or "@" makes a range, whose ends must be numbers (a host name needs "=" in front)`
        : `the range "${r.text}" must be two numbers joined by "-"`;
      return { code: 'range', message, span: r.span };
    }
    if (REFUSALS[code] === 'ipv6') {
      const v6 = ipv6Address(visible)!;
      return { code: 'ipv6', message: `"${v6}" is an IPv6 address`, span: file.span(line, 1, v6.length) };
    }
    if (REFUSALS[code] === 'cr') return { code: 'cr', message: 'the line ends in a carriage return (CRLF line endings)', span: file.span(line, visible.length + 1, 1) };
    const { error } = readInstructions(text, colon + 1, 0);
    const at = error!.at;
    return { code: error!.code, message: error!.message, span: file.span(line, at + 1, Math.max(visible.length - at, 1)) };
  }

  /** Line `i` as an object. */
  rule(i: number): TcpRule {
    const rule: TcpRule = { line: this.lineNo[i]!, span: this.span(i), address: this.address(i), addressSpan: this.addressSpan(i), variables: this.variables(i) };
    const action = this.action(i);
    if (action) rule.action = action;
    const range = this.range(i);
    if (range) rule.range = range;
    const refused = this.refused(i);
    if (refused) rule.refused = refused;
    return rule;
  }
}

/** The items past `maxVariables` that the last scanInstructions read but did not keep. */
let scanDropped = 0;

/**
 * Reads the instructions of a line (offsets `from` to `end` of the file's text `t`, the line's trailing
 * blanks left out) into the table's line `i`: its action and variables, at most `maxVariables` of them
 * (scanDropped counts the rest). Returns false when tcprules refuses the instructions (why is worked
 * out again by readInstructions when asked). Every search stops at `end`: no string is made.
 */
function scanInstructions(t: Uint8Array | Uint16Array, from: number, end: number, table: TcpRuleTable, i: number, maxVariables: number): boolean {
  scanDropped = 0;
  let pos: number;
  const c0 = from < end ? t[from]! : -1;
  if (c0 === 100 /* d */ && from + 4 <= end && t[from + 1]! === 101 && t[from + 2]! === 110 && t[from + 3]! === 121) {
    table.setAction(i, DENY);
    pos = from + 4;
  } else if (c0 === 97 /* a */ && from + 5 <= end && t[from + 1]! === 108 && t[from + 2]! === 108 && t[from + 3]! === 111 && t[from + 4]! === 119) {
    table.setAction(i, ALLOW);
    pos = from + 5;
  } else return false;
  let kept = 0;
  while (pos < end) {
    if (t[pos]! !== 44 /* , */) return false;
    let eq = pos + 1;
    while (eq < end && t[eq]! !== 61 /* = */) eq++;
    if (eq + 1 >= end) return false;
    const delim = t[eq + 1]!;
    let close = eq + 2;
    while (close < end && t[close]! !== delim) close++;
    if (close >= end) return false;
    if (kept < maxVariables) {
      table.addVariable(pos, eq, close, nameFlags(t, pos + 1, eq));
      kept++;
    } else scanDropped++;
    pos = close + 1;
  }
  return true;
}

/** The document of a tcprules source: the table, with the objects of its lines made on first use. */
class TcpRulesDoc implements TcpRulesDocument {
  readonly kind = 'tcp-rules';
  readonly table: TcpRuleTable;
  problems: ParseProblem[] = [];
  refusedAt?: number;
  crLines = 0;
  /** Line numbers of the lines with no colon that mailharden reports. */
  ignoredLines: number[] = [];
  private ruleObjects?: TcpRule[];
  private ignoredObjects?: TcpIgnoredLine[];

  constructor(readonly file: SourceFile) {
    this.table = new TcpRuleTable(file);
  }

  get rules(): TcpRule[] {
    if (!this.ruleObjects) {
      const out: TcpRule[] = [];
      for (let i = 0; i < this.table.count; i++) out.push(this.table.rule(i));
      this.ruleObjects = out;
    }
    return this.ruleObjects;
  }

  get ignored(): TcpIgnoredLine[] {
    this.ignoredObjects ??= this.ignoredLines.map((line) => {
      const text = trimEndBlanks(this.file.line(line)).replace(/\r$/, '');
      return { line, span: this.file.span(line, 1, text.length), text };
    });
    return this.ignoredObjects;
  }

  ignoredSpan(line: number): Span {
    const text = trimEndBlanks(this.file.line(line));
    return this.file.span(line, 1, text.length - (text.endsWith('\r') ? 1 : 0));
  }
}

function trimEndBlanks(raw: string): string {
  let end = raw.length;
  while (end > 0 && (raw.charCodeAt(end - 1) === 32 || raw.charCodeAt(end - 1) === 9)) end--;
  return end === raw.length ? raw : raw.slice(0, end);
}

/** Reads a tcprules source file. Never throws. */
export function parseTcpRules(file: SourceFile): TcpRulesDocument {
  const doc = new TcpRulesDoc(file);
  /** What is kept so far: a line, each of its variables and each key its range expands to count one. */
  let items = 0;
  const last = file.lastLine;
  parseStopped = false;
  // In blocks of lines, so that V8 optimises the function by its calls rather than by replacing it in the middle of one loop.
  for (let line = file.firstLine; line <= last && !parseStopped; line += 4096) items = parseLines(doc, line, Math.min(last, line + 4095), items);
  return doc;
}

/** Set by parseLines when it stops before its last line (past MAX_TCP_ITEMS). */
let parseStopped = false;

/**
 * Reads lines `from` to `to` (inclusive) into the document, with `items` kept before them; returns
 * the items kept after them. Each line is read as offsets into the file's text (trailing blanks left
 * out); a string of it is made only for the rare lines with no colon or that tcprules refuses.
 */
function parseLines(doc: TcpRulesDoc, from: number, to: number, items: number): number {
  const file = doc.file;
  const table = doc.table;
  const all = file.text;
  const codes = table.codes;
  for (let line = from; line <= to; line++) {
    const base = file.lineStart(line);
    const rawEnd = file.lineEnd(line);
    if (rawEnd === base || codes[base]! === 35 /* # */) continue;
    if (items >= MAX_TCP_ITEMS) {
      doc.problems.push({ message: `more than ${MAX_TCP_ITEMS.toLocaleString('en-US')} rules, variables and keys of ranges: mailharden reads the lines before this one and checks none from here on`, span: file.lineSpan(line) });
      parseStopped = true;
      break;
    }
    items++;
    let te = rawEnd;
    while (te > base && (codes[te - 1]! === 32 || codes[te - 1]! === 9)) te--;
    // The first colon, and before it the first "-", "=" and "@".
    let colonAt = base;
    let dashAt = -1;
    let eqBefore = false;
    let atBefore = false;
    for (; colonAt < te; colonAt++) {
      const c = codes[colonAt]!;
      if (c === 58 /* : */) break;
      if (c === 45 /* - */) {
        if (dashAt < 0) dashAt = colonAt;
      } else if (c === 61 /* = */) eqBefore = true;
      else if (c === 64 /* @ */) atBefore = true;
    }
    if (colonAt === te) {
      // Blank lines, lines of blanks and CRs, and indented comments are skipped as intended.
      const shown = all.slice(base, te).replace(/\r$/, '');
      if (shown.trim() !== '' && !shown.trimStart().startsWith('#')) doc.ignoredLines.push(line);
      continue;
    }
    const hasCr = codes[te - 1]! === 13;
    const i = table.add(line, base, colonAt, te, hasCr);
    const ok = scanInstructions(codes, colonAt + 1, te, table, i, MAX_TCP_ITEMS - items);
    const dropped = scanDropped;
    const kept = table.varCount(i);
    items += kept;
    if (dropped > 0) {
      doc.problems.push({ message: `more than ${MAX_TCP_ITEMS.toLocaleString('en-US')} rules, variables and keys of ranges: mailharden keeps the first ${kept.toLocaleString('en-US')} variables of this line and checks none of the ${dropped.toLocaleString('en-US')} after them, nor any later line`, span: file.lineSpan(line) });
    }
    // A range: the first "-" of an address with no "=" and no "@".
    let rangeOk = true;
    if (dashAt >= 0 && !eqBefore && !atBefore) {
      let left = dashAt;
      while (left > base && codes[left - 1]! !== 46 /* . */) left--;
      let right = dashAt + 1;
      while (right < colonAt && codes[right]! !== 46) right++;
      const bot = octetAt(all, left, dashAt);
      const top = octetAt(all, dashAt + 1, right);
      rangeOk = bot >= 0 && top >= 0;
      table.setRange(i, left, dashAt, right, Math.max(bot, 0), Math.min(Math.max(top, 0), 255), top > 255);
      if (colonAt - base <= MAX_EXPANDED) items += Math.max(0, Math.min(Math.max(top, 0), 255) - Math.max(bot, 0) + 1);
    }
    if (!ok) {
      table.setRefusal(i, table.action(i) ? 'item' : 'action');
      if (hasCr) {
        doc.crLines++;
        // Judge the line without its CR: if that reads, the CR alone is what tcprules refuses.
        let bare = te - 1;
        while (bare > colonAt + 1 && (codes[bare - 1]! === 32 || codes[bare - 1]! === 9)) bare--;
        const before = table.varCount(i);
        table.dropVariables();
        if (scanInstructions(codes, colonAt + 1, bare, table, i, before)) table.setRefusal(i, 'cr');
        else {
          table.dropVariables();
          scanInstructions(codes, colonAt + 1, te, table, i, before);
        }
      }
      if (ipv6Address(all.slice(base, hasCr ? te - 1 : te)) !== undefined) table.setRefusal(i, 'ipv6');
    } else if (!rangeOk) table.setRefusal(i, 'range');
    if (table.refusedCode(i) !== undefined && doc.refusedAt === undefined) doc.refusedAt = line;
    // The problem above said that nothing after this line's first variables is checked.
    if (dropped > 0) {
      parseStopped = true;
      break;
    }
  }
  return items;
}
