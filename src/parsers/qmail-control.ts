import { grown } from '../core/typed-array.js';
import type { SourceFile } from '../core/source.js';
import type { ParseProblem, Span } from '../core/types.js';

/**
 * One file of qmail's control directory (`/var/qmail/control/<name>`), read the way qmail reads it
 * (notqmail control.c, qmail-smtpd.c, qmail-newmrh.c; RULES.md §1g):
 * - `control_readfile` (list files): every line, trailing blanks, TABs and the newline stripped (a CR
 *   stays), empty lines and lines whose first character is `#` skipped;
 * - `control_readline` (one-value files): the first line only, trailing blanks stripped; a `#` there
 *   is data, and later lines are never read;
 * - `control_readint` (numbers): `scan_ulong` over the first line: the leading digits, and when there
 *   are none the program's default.
 */

/** How qmail reads a control file. */
export type ControlForm = 'list' | 'line' | 'number';

export interface ControlSpec {
  form: ControlForm;
  /** The program that reads it. */
  readBy: string;
  /** For numbers: the value qmail uses when the file is missing or its first line holds no digits. */
  defaultNumber?: number;
}

/**
 * The control files of qmail-control(5) and the two the run scripts of Life with qmail read
 * (concurrencyincoming with `cat`, defaultdelivery in dot-qmail format, whose `#` lines are comments).
 */
export const QMAIL_CONTROLS: Readonly<Record<string, ControlSpec>> = {
  badmailfrom: { form: 'list', readBy: 'qmail-smtpd' },
  locals: { form: 'list', readBy: 'qmail-send' },
  morercpthosts: { form: 'list', readBy: 'qmail-newmrh' },
  percenthack: { form: 'list', readBy: 'qmail-send' },
  qmqpservers: { form: 'list', readBy: 'qmail-qmqpc' },
  rcpthosts: { form: 'list', readBy: 'qmail-smtpd' },
  smtproutes: { form: 'list', readBy: 'qmail-remote' },
  virtualdomains: { form: 'list', readBy: 'qmail-send' },
  defaultdelivery: { form: 'list', readBy: 'qmail-start (through the rc script)' },
  me: { form: 'line', readBy: 'every qmail program' },
  bouncefrom: { form: 'line', readBy: 'qmail-send' },
  bouncehost: { form: 'line', readBy: 'qmail-send' },
  defaultdomain: { form: 'line', readBy: 'qmail-inject' },
  defaulthost: { form: 'line', readBy: 'qmail-inject' },
  doublebouncehost: { form: 'line', readBy: 'qmail-send' },
  doublebounceto: { form: 'line', readBy: 'qmail-send' },
  envnoathost: { form: 'line', readBy: 'qmail-send' },
  helohost: { form: 'line', readBy: 'qmail-remote' },
  idhost: { form: 'line', readBy: 'qmail-inject' },
  localiphost: { form: 'line', readBy: 'qmail-smtpd' },
  plusdomain: { form: 'line', readBy: 'qmail-inject' },
  smtpgreeting: { form: 'line', readBy: 'qmail-smtpd' },
  concurrencyincoming: { form: 'number', readBy: 'the qmail-smtpd run script (tcpserver -c)', defaultNumber: 40 },
  concurrencylocal: { form: 'number', readBy: 'qmail-send', defaultNumber: 10 },
  concurrencyremote: { form: 'number', readBy: 'qmail-send', defaultNumber: 20 },
  databytes: { form: 'number', readBy: 'qmail-smtpd', defaultNumber: 0 },
  queuelifetime: { form: 'number', readBy: 'qmail-send', defaultNumber: 604800 },
  timeoutconnect: { form: 'number', readBy: 'qmail-remote', defaultNumber: 60 },
  timeoutremote: { form: 'number', readBy: 'qmail-remote', defaultNumber: 1200 },
  timeoutsmtpd: { form: 'number', readBy: 'qmail-smtpd', defaultNumber: 1200 },
};

/** The names of the control files mailharden knows, sorted. */
export const QMAIL_CONTROL_NAMES: readonly string[] = Object.keys(QMAIL_CONTROLS).sort();

/**
 * The control file a path names: its base name, or for copies and fixtures named `<anything>.<name>`
 * (`mx1.rcpthosts`) the part after the last dot; undefined when neither is a known control file.
 */
export function controlName(path: string): string | undefined {
  const base = path.split('/').pop() ?? path;
  if (Object.hasOwn(QMAIL_CONTROLS, base)) return base;
  const dot = base.lastIndexOf('.');
  const tail = dot >= 0 ? base.slice(dot + 1) : '';
  return tail !== '' && Object.hasOwn(QMAIL_CONTROLS, tail) ? tail : undefined;
}

/** List files whose lines are names looked up as a whole (a kept CR or blank makes them never match). */
const KEY_LISTS = new Set(['rcpthosts', 'morercpthosts', 'locals', 'badmailfrom', 'percenthack']);

/** The recipient-domain lists, whose entries that never match MH4013 reports with what qmail-smtpd answers. */
export const RCPT_LISTS: ReadonlySet<string> = new Set(['rcpthosts', 'morercpthosts']);

/** A line as qmail keeps it. */
export interface ControlLine {
  line: number;
  /** Trailing blanks, TABs and the newline stripped; a CR stays (qmail keeps it). */
  text: string;
  /** The span of `text` (at least one character, for an empty line). */
  span: Span;
}

/**
 * Lines of a control file, kept as line numbers: the text of a line is cut from the file's text when
 * asked (a large rcpthosts or morercpthosts has millions of lines, and no object is kept per line).
 * `get(i)` makes the ControlLine of the i-th line; `text(i)` and `line(i)` give its parts alone.
 */
export class ControlLines implements Iterable<ControlLine> {
  constructor(
    private readonly file: SourceFile,
    /** The line numbers, or undefined for every line of the file from its first (`length` of them). */
    private readonly numbers: Uint32Array | undefined,
    readonly length: number,
  ) {}

  /** The number of the i-th line. */
  line(i: number): number {
    return this.numbers === undefined ? this.file.firstLine + i : this.numbers[i]!;
  }

  /** The text of the i-th line as qmail keeps it: trailing blanks and TABs stripped, a CR kept. */
  text(i: number): string {
    const n = this.line(i);
    const t = this.file.text;
    const start = this.file.lineStart(n);
    let end = this.file.lineEnd(n);
    while (end > start && (t.charCodeAt(end - 1) === 32 || t.charCodeAt(end - 1) === 9)) end--;
    return t.slice(start, end);
  }

  /** The i-th line with its span. */
  get(i: number): ControlLine {
    const line = this.line(i);
    const text = this.text(i);
    return { line, text, span: this.file.span(line, 1, text.length) };
  }

  *[Symbol.iterator](): Iterator<ControlLine> {
    for (let i = 0; i < this.length; i++) yield this.get(i);
  }

  /** Whether the text of some line passes `test` (no object made per line). */
  someText(test: (text: string) => boolean): boolean {
    for (let i = 0; i < this.length; i++) if (test(this.text(i))) return true;
    return false;
  }

  some(test: (l: ControlLine) => boolean): boolean {
    for (let i = 0; i < this.length; i++) if (test(this.get(i))) return true;
    return false;
  }

  every(test: (l: ControlLine) => boolean): boolean {
    for (let i = 0; i < this.length; i++) if (!test(this.get(i))) return false;
    return true;
  }

  map<T>(f: (l: ControlLine) => T): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.length; i++) out.push(f(this.get(i)));
    return out;
  }
}

export interface QmailControlDocument {
  kind: 'qmail-control';
  file: SourceFile;
  /** The control file's name (`rcpthosts`, `me`, …), when the path tells it. */
  name?: string;
  spec?: ControlSpec;
  /** Every line of the file. */
  lines: ControlLines;
  /**
   * What qmail uses. List files: the lines that are neither empty nor comments. One-value and number
   * files: the first line (empty for an empty file). Unknown files: the lines that are not empty.
   */
  entries: ControlLines;
  /** Number files: the value qmail computes from the first line (its default when there are no digits). */
  number?: number;
  /** Number files: whether the first line starts with a digit. */
  hasDigits?: boolean;
  problems: ParseProblem[];
}

const UINT32 = 2n ** 32n;
const ULONG = 2n ** 64n;

/** scan_ulong over the leading digits, stored into qmail's (32-bit) int as control_readint does. */
function readInt(digits: string): number {
  return Number((BigInt(digits) % ULONG) % UINT32);
}

/**
 * The most lines of a list file that each get a problem of their own (a CR kept, a leading blank):
 * each is an object with its message, about 250 bytes from as little as three bytes of input. Past
 * this one more problem says how many lines it did not list. (Lines themselves are kept as numbers,
 * 4 bytes each, so a file is read whole up to its size limit.)
 */
export const MAX_LINE_PROBLEMS = 262_144;

export function parseQmailControl(file: SourceFile): QmailControlDocument {
  const name = controlName(file.path);
  const spec = name === undefined ? undefined : QMAIL_CONTROLS[name];
  // A whole file has at least one line (an empty text is one empty line).
  const count = Math.max(1, file.lineCount);
  const lines = new ControlLines(file, undefined, count);
  const doc: QmailControlDocument = { kind: 'qmail-control', file, lines, entries: lines, problems: [] };
  if (name !== undefined) doc.name = name;
  if (spec) doc.spec = spec;
  const form = spec?.form;
  if (form === 'list' || form === undefined) {
    const t = file.text;
    // defaultdelivery holds dot-qmail lines, which qmail-local reads in its own way.
    const checked = form === 'list' && name !== 'defaultdelivery' && !RCPT_LISTS.has(name!);
    let numbers = new Uint32Array(Math.min(count, 1024));
    let n = 0;
    let problems = 0;
    let unlisted = 0;
    let firstUnlisted = 0;
    for (let i = 0; i < count; i++) {
      const line = file.firstLine + i;
      const start = file.lineStart(line);
      let end = file.lineEnd(line);
      while (end > start && (t.charCodeAt(end - 1) === 32 || t.charCodeAt(end - 1) === 9)) end--;
      if (end === start || (form === 'list' && t.charCodeAt(start) === 35)) continue;
      if (n === numbers.length) numbers = grown(numbers, Math.min(count, numbers.length * 2));
      numbers[n++] = line;
      if (!checked) continue;
      const cr = t.charCodeAt(end - 1) === 13;
      const c0 = t.charCodeAt(start);
      if (!cr && c0 !== 32 && c0 !== 9) continue;
      if (problems === MAX_LINE_PROBLEMS) {
        if (unlisted++ === 0) firstUnlisted = line;
        continue;
      }
      problems++;
      const text = t.slice(start, end);
      const span = file.span(line, 1, text.length);
      const effect = KEY_LISTS.has(name!) ? `, so "${visible(text)}" never matches` : ` as part of "${visible(text)}"`;
      if (cr) doc.problems.push({ message: `line ends in a carriage return (CRLF file), which ${spec!.readBy} keeps${effect}`, span });
      else doc.problems.push({ message: `line starts with a blank, which ${spec!.readBy} keeps${effect}`, span });
    }
    if (unlisted > 0) doc.problems.push({ message: `${unlisted.toLocaleString('en-US')} more lines end in a carriage return or start with a blank: mailharden lists the first ${MAX_LINE_PROBLEMS.toLocaleString('en-US')}`, span: file.lineSpan(firstUnlisted) });
    doc.entries = new ControlLines(file, numbers, n);
    return doc;
  }
  const first = lines.get(0);
  doc.entries = new ControlLines(file, Uint32Array.of(first.line), 1);
  if (form === 'line') {
    if (first.text.endsWith('\r')) doc.problems.push({ message: `the value ends in a carriage return (CRLF file), which ${spec!.readBy} keeps as part of "${visible(first.text)}"`, span: first.span });
    return doc;
  }
  const digits = /^[0-9]+/.exec(first.text)?.[0];
  doc.hasDigits = digits !== undefined;
  doc.number = digits === undefined ? spec!.defaultNumber! : readInt(digits);
  // A value with text after its digits ("10M", "20 # minutes") is read as the digits alone (for
  // databytes MH4018 says what that does to messages).
  if (digits !== undefined && name === 'databytes') return doc;
  if (digits !== undefined && first.text.replace(/\r$/, '').length > digits.length) {
    doc.problems.push({ message: `${spec!.readBy} reads only the leading digits of "${visible(first.text)}": ${name} is ${doc.number}`, span: first.span });
  } else if (digits === undefined && first.text !== '' && !first.text.startsWith('#')) {
    doc.problems.push({ message: `the first line holds no number ("${visible(first.text)}"): ${spec!.readBy} uses the default, ${spec!.defaultNumber}`, span: first.span });
  }
  return doc;
}

/** A value for a message, cut when long (the formatter shows control characters as escapes). */
function visible(s: string): string {
  return s.length > 60 ? `${s.slice(0, 60)}…` : s;
}
