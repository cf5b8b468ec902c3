import { growI32, growU8 } from '../core/typed-array.js';
import type { SourceFile } from '../core/source.js';
import type { ParseProblem, Span } from '../core/types.js';
import { withoutPasswords } from '../core/secrets.js';

export type AccessAction = 'RELAY' | 'OK' | 'REJECT' | 'DISCARD' | 'ERROR' | 'SKIP' | 'QUARANTINE' | 'OTHER';

/** One `key value` line of /etc/mail/access (the makemap source). */
export interface AccessEntry {
  line: number;
  span: Span;
  /** Tag before the colon (`Connect`, `From`, `To`, `Spam`, …) or '' for an untagged key. */
  tag: string;
  /** The key without its tag, as written. */
  key: string;
  keySpan: Span;
  value: string;
  valueSpan: Span;
  action: AccessAction;
}

export interface AccessDocument {
  kind: 'access';
  file: SourceFile;
  /** The entries as numbers and offsets into the file's text: what the rules read. */
  table: AccessTable;
  /** The entries as objects, made on first use from `table` (for small files: policy init, render, tests). */
  readonly entries: AccessEntry[];
  /** Keys without a value, and a file past MAX_ACCESS_ENTRIES: each problem is made when it is read. */
  problems: AccessProblems;
}

/**
 * The most entries and lines without a value a document keeps: an entry costs 14 bytes in the table
 * and a line without a value 4 (numbers in typed arrays, no object per line), from as little as 2 bytes
 * of input. A big site's map has tens of thousands; `lint`'s 40 MB test map about 1.1 million.
 */
export const MAX_ACCESS_ENTRIES = 8_388_608;

/** Tags the access map knows (cf/README "access database"); a key with another prefix is an address. */
export const ACCESS_TAGS = ['connect', 'from', 'to', 'spam', 'greetpause', 'clientrate', 'clientconn', 'srv_features', 'clt_features', 'try_tls', 'tls_clt', 'tls_srv', 'tls_rcpt', 'ehlo', 'compat', 'bcc', 'auth', 'quarantine', 'mta-sts'] as const;

export type AccessTag = (typeof ACCESS_TAGS)[number];

/** The number a table keeps for a tag (its lower-case name): 1 + its index in ACCESS_TAGS; 0 is an untagged key. */
export function tagCode(tag: AccessTag | ''): number {
  return tag === '' ? 0 : ACCESS_TAGS.indexOf(tag) + 1;
}

const TAG_CODE = new Map<string, number>(ACCESS_TAGS.map((t, i) => [t, i + 1]));

/** The actions as the table keeps them (the index is the code). */
export const ACCESS_ACTIONS: readonly AccessAction[] = ['OTHER', 'RELAY', 'OK', 'REJECT', 'DISCARD', 'ERROR', 'SKIP', 'QUARANTINE'];

export const ACTION_RELAY = 1;

/** The action words actionOf knows, upper case, each with its code. */
const WORDS: readonly (readonly [string, number])[] = [
  ['RELAY', 1],
  ['OK', 2],
  ['REJECT', 3],
  ['DISCARD', 4],
  ['ERROR', 5],
  ['SKIP', 6],
  ['QUARANTINE', 7],
];

/** The words of WORDS by length and first letter (`length * 128 + char`), and their codes. */
const WORD_AT: (string | undefined)[] = [];
const WORD_CODE: Record<string, number> = {};
for (const [word, code] of WORDS) {
  WORD_AT[word.length * 128 + word.charCodeAt(0)] = word;
  WORD_CODE[word] = code;
}



/**
 * The entries of an access map as numbers: per entry its line, the offsets of its value's first
 * character and just past its last (trailing blanks cut), its tag code and its action code. The key
 * starts at the line's start (after the tag and its colon) and ends at the blanks before the value, so
 * neither is stored. No object or string per entry: rules ask for them (`key`, `value`, `entry`) when
 * an entry's numbers make it one they judge.
 */
export class AccessTable {
  // The columns are public for the rules' loops; only the parser writes them.
  count = 0;
  lineNo: Int32Array<ArrayBuffer>;
  valueAt: Int32Array<ArrayBuffer>;
  valueEnd: Int32Array<ArrayBuffer>;
  /** tagCode() of the entry's tag. */
  tag: Uint8Array<ArrayBuffer>;
  /** The index of the entry's action in ACCESS_ACTIONS. */
  action: Uint8Array<ArrayBuffer>;

  constructor(readonly file: SourceFile) {
    // An entry per line at most: sized for the file up front (up to the cap), the columns seldom grow.
    const n = Math.min(Math.max(1024, file.lineCount), MAX_ACCESS_ENTRIES);
    this.lineNo = new Int32Array(n);
    this.valueAt = new Int32Array(n);
    this.valueEnd = new Int32Array(n);
    this.tag = new Uint8Array(n);
    this.action = new Uint8Array(n);
  }

  add(line: number, valueAt: number, valueEnd: number, tag: number, action: number): void {
    const i = this.count;
    if (i === this.lineNo.length) {
      const n = i * 2;
      this.lineNo = growI32(this.lineNo, n);
      this.valueAt = growI32(this.valueAt, n);
      this.valueEnd = growI32(this.valueEnd, n);
      this.tag = growU8(this.tag, n);
      this.action = growU8(this.action, n);
    }
    this.lineNo[i] = line;
    this.valueAt[i] = valueAt;
    this.valueEnd[i] = valueEnd;
    this.tag[i] = tag;
    this.action[i] = action;
    this.count = i + 1;
  }

  line(i: number): number {
    return this.lineNo[i]!;
  }

  /** Offset of the first character of the key (after the tag's colon). */
  keyStart(i: number): number {
    const t = this.tag[i]!;
    return this.file.lineStart(this.lineNo[i]!) + (t === 0 ? 0 : ACCESS_TAGS[t - 1]!.length + 1);
  }

  /** Offset just past the key: the blanks before the value start there (the key holds none). */
  keyEnd(i: number): number {
    const text = this.file.text;
    let p = this.valueAt[i]!;
    for (let c = text.charCodeAt(p - 1); c === 32 || c === 9; c = text.charCodeAt(p - 1)) p--;
    return p;
  }

  /** The tag as written, '' for an untagged key. */
  tagText(i: number): string {
    const t = this.tag[i]!;
    if (t === 0) return '';
    const s = this.file.lineStart(this.lineNo[i]!);
    return this.file.text.slice(s, s + ACCESS_TAGS[t - 1]!.length);
  }

  key(i: number): string {
    return this.file.text.slice(this.keyStart(i), this.keyEnd(i));
  }

  value(i: number): string {
    return this.file.text.slice(this.valueAt[i]!, this.valueEnd[i]!);
  }

  actionOf(i: number): AccessAction {
    return ACCESS_ACTIONS[this.action[i]!]!;
  }

  /** The whole line, without its CR (trailing blanks included). */
  span(i: number): Span {
    const line = this.lineNo[i]!;
    const { file } = this;
    const end = file.lineEnd(line);
    const cr = end > 0 && file.text.charCodeAt(end - 1) === 13 ? 1 : 0;
    return file.span(line, 1, end - cr - file.lineStart(line));
  }

  keySpan(i: number): Span {
    const line = this.lineNo[i]!;
    const k = this.keyStart(i);
    return this.file.span(line, k - this.file.lineStart(line) + 1, this.keyEnd(i) - k);
  }

  valueSpan(i: number): Span {
    const line = this.lineNo[i]!;
    const v = this.valueAt[i]!;
    return this.file.span(line, v - this.file.lineStart(line) + 1, this.valueEnd[i]! - v);
  }

  /** Entry `i` for a rule: its strings now, its spans when asked for (made anew at each call). */
  view(i: number): AccessEntry {
    return new EntryView(this, i);
  }

  /** Entry `i` as an object (made anew at each call). */
  entry(i: number): AccessEntry {
    return {
      line: this.lineNo[i]!,
      span: this.span(i),
      tag: this.tagText(i),
      key: this.key(i),
      keySpan: this.keySpan(i),
      value: this.value(i),
      valueSpan: this.valueSpan(i),
      action: this.actionOf(i),
    };
  }
}

/** An entry read from a table, whose spans are made only for the findings that need them. */
class EntryView implements AccessEntry {
  readonly line: number;
  readonly tag: string;
  readonly key: string;
  readonly value: string;
  readonly action: AccessAction;

  constructor(
    private readonly table: AccessTable,
    private readonly i: number,
  ) {
    this.line = table.line(i);
    this.tag = table.tagText(i);
    this.key = table.key(i);
    this.value = table.value(i);
    this.action = table.actionOf(i);
  }

  get span(): Span {
    return this.table.span(this.i);
  }

  get keySpan(): Span {
    return this.table.keySpan(this.i);
  }

  get valueSpan(): Span {
    return this.table.valueSpan(this.i);
  }
}

/**
 * The parse problems of an access map: the lines whose key has no value (kept as line numbers), then
 * the line past MAX_ACCESS_ENTRIES, if the file has one. Each problem object is made as it is read.
 */
export class AccessProblems implements Iterable<ParseProblem> {
  private lines = new Int32Array(16);
  private noValue = 0;
  /** The problem of a file past MAX_ACCESS_ENTRIES. */
  last: ParseProblem | undefined;

  constructor(private readonly file: SourceFile) {}

  get length(): number {
    return this.noValue + (this.last ? 1 : 0);
  }

  /** The number of lines whose key has no value. */
  get noValueCount(): number {
    return this.noValue;
  }

  addNoValue(line: number): void {
    const n = this.noValue;
    if (n === this.lines.length) this.lines = growI32(this.lines, n * 2);
    this.lines[n] = line;
    this.noValue = n + 1;
  }

  noValueProblem(k: number): ParseProblem {
    const line = this.lines[k]!;
    const text = this.file.line(line).replace(/\r$/, '');
    // `AuthInfo:host"U:me""P:secret"` (no blank) is all key: its password is not quoted (core/secrets.ts).
    return { message: `key "${withoutPasswords(text.trim())}" has no value`, span: this.file.lineSpan(line) };
  }

  *[Symbol.iterator](): Iterator<ParseProblem> {
    for (let k = 0; k < this.noValue; k++) yield this.noValueProblem(k);
    if (this.last) yield this.last;
  }
}

class Document implements AccessDocument {
  readonly kind = 'access';
  readonly table: AccessTable;
  readonly problems: AccessProblems;
  private objects: AccessEntry[] | undefined;

  constructor(readonly file: SourceFile) {
    this.table = new AccessTable(file);
    this.problems = new AccessProblems(file);
  }

  get entries(): AccessEntry[] {
    if (!this.objects) {
      const list: AccessEntry[] = [];
      for (let i = 0; i < this.table.count; i++) list.push(this.table.entry(i));
      this.objects = list;
    }
    return this.objects;
  }
}

/** The tag codes by length and lower-case first character (`length * 128 + char`): one candidate but for `tls_*`. */
const TAGS_AT: (number[] | undefined)[] = [];
ACCESS_TAGS.forEach((t, i) => (TAGS_AT[t.length * 128 + t.charCodeAt(0)] ??= []).push(i + 1));

/** The code of the tag that `text[from, colon)` spells in any case (ASCII only), or 0. */
function tagAt(text: string, from: number, colon: number): number {
  const n = colon - from;
  if (n < 2 || n > 12) return 0;
  let c0 = text.charCodeAt(from);
  if (c0 >= 65 && c0 <= 90) c0 += 32;
  const codes = TAGS_AT[n * 128 + c0];
  if (codes === undefined) return 0;
  for (let j = 0; j < codes.length; j++) {
    const name = ACCESS_TAGS[codes[j]! - 1]!;
    let k = 1;
    for (; k < n; k++) {
      let c = text.charCodeAt(from + k);
      if (c >= 65 && c <= 90) c += 32;
      if (c !== name.charCodeAt(k)) break;
    }
    if (k === n) return codes[j]!;
  }
  return 0;
}

/** The code of the action of the value `text[from, to)`, as actionOf reads it. */
function actionAt(text: string, from: number, to: number): number {
  let p = from;
  while (p < to) {
    const c = text.charCodeAt(p) | 32;
    if (c < 97 || c > 122) break;
    p++;
  }
  const n = p - from;
  if (n > 0) {
    // One word of each length and first letter: compare the rest.
    const word = WORD_AT[n * 128 + (text.charCodeAt(from) & ~32)];
    if (word === undefined) return 0;
    for (let k = 1; k < n; k++) if ((text.charCodeAt(from + k) & ~32) !== word.charCodeAt(k)) return 0;
    return WORD_CODE[word]!;
  }
  // /^[45]\d\d\b/: three digits, then the end of the value or a character that is no word character.
  if (to - from < 3) return 0;
  const c0 = text.charCodeAt(from);
  const c1 = text.charCodeAt(from + 1);
  const c2 = text.charCodeAt(from + 2);
  if ((c0 !== 52 && c0 !== 53) || c1 < 48 || c1 > 57 || c2 < 48 || c2 > 57) return 0;
  if (from + 3 === to) return 5;
  const c3 = text.charCodeAt(from + 3);
  const word = (c3 >= 48 && c3 <= 57) || (c3 >= 65 && c3 <= 90) || (c3 >= 97 && c3 <= 122) || c3 === 95;
  return word ? 0 : 5;
}

/**
 * Reads the access map source the way makemap does: `#` lines and blank lines are skipped; the key is
 * the first word and the value the rest of the line after the blanks that follow it.
 */
export function parseAccess(file: SourceFile): AccessDocument {
  const doc = new Document(file);
  const { table, problems } = doc;
  const text = file.text;
  const last = file.lastLine;
  // Lines follow each other: each starts after the newline that ends the one before.
  let next = file.lineStart(file.firstLine);
  for (let line = file.firstLine; line <= last; line++) {
    const s = next;
    const nl = text.indexOf('\n', s);
    let e = nl < 0 ? text.length : nl;
    next = e + 1;
    // One CR at the end is the line break's (CRLF); makemap sees what is before it.
    if (e > s && text.charCodeAt(e - 1) === 13) e--;
    const c0 = text.charCodeAt(s);
    if (s === e || c0 === 35) continue;
    // The scanner reads lines of printable ASCII and TABs, where the blanks are space and TAB and
    // nothing else is; at any other character (a control, a CR, anything beyond ASCII) the line is
    // read again by readOther, with the regular expressions that define the format.
    let keyEnd = s;
    let colon = -1;
    let other = false;
    if (c0 === 32 || c0 === 9) {
      // A line of blanks is skipped; one with a word after blanks has no key at its start.
      let p = s + 1;
      while (p < e) {
        const c = text.charCodeAt(p);
        if (c !== 32 && c !== 9) break;
        p++;
      }
      if (p === e) continue;
      const c = text.charCodeAt(p);
      other = c < 32 || c > 126;
    } else {
      while (keyEnd < e) {
        const c = text.charCodeAt(keyEnd);
        if (c === 32 || c === 9) break;
        if (c < 32 || c > 126) {
          other = true;
          break;
        }
        if (c === 58 && colon < 0) colon = keyEnd;
        keyEnd++;
      }
    }
    let v = keyEnd;
    let ve = e;
    if (!other && keyEnd > s && keyEnd < e) {
      v = keyEnd + 1;
      while (v < e) {
        const c = text.charCodeAt(v);
        if (c !== 32 && c !== 9) break;
        v++;
      }
      // The value runs to its last character that is not a blank.
      ve = v;
      for (let p = v; p < e; p++) {
        const c = text.charCodeAt(p);
        if (c === 32 || c === 9) continue;
        if (c < 32 || c > 126) {
          other = true;
          break;
        }
        ve = p + 1;
      }
    }
    if (other) {
      readOther(doc, line, s, e);
      if (problems.last) break;
      continue;
    }
    if (table.count + problems.noValueCount >= MAX_ACCESS_ENTRIES) {
      capped(doc, line);
      break;
    }
    if (keyEnd === s || keyEnd === e) {
      // A line that starts with a blank, or a key alone.
      problems.addNoValue(line);
      continue;
    }
    table.add(line, v, ve, colon > s ? tagAt(text, s, colon) : 0, actionAt(text, v, ve));
  }
  return doc;
}

function capped(doc: Document, line: number): void {
  const n = MAX_ACCESS_ENTRIES.toLocaleString('en-US');
  doc.problems.last = { message: `more than ${n} entries: mailharden reads the first ${n} and checks none from this line on`, span: doc.file.lineSpan(line) };
}

/** A line with other characters than printable ASCII and TABs, read with the regular expressions that define the format. */
function readOther(doc: Document, line: number, s: number, e: number): void {
  const { file, table, problems } = doc;
  const text = file.text.slice(s, e);
  if (text.trim() === '' || text.startsWith('#')) return;
  if (table.count + problems.noValueCount >= MAX_ACCESS_ENTRIES) {
    capped(doc, line);
    return;
  }
  const m = /^(\S+)([ \t]+)(.*?)[ \t]*$/.exec(text);
  if (!m) {
    problems.addNoValue(line);
    return;
  }
  const fullKey = m[1]!;
  const colon = fullKey.indexOf(':');
  const tag = colon > 0 ? (TAG_CODE.get(fullKey.slice(0, colon).toLowerCase()) ?? 0) : 0;
  const v = s + fullKey.length + m[2]!.length;
  const ve = v + m[3]!.length;
  table.add(line, v, ve, tag, actionAt(file.text, v, ve));
}
