import { BLANKS, trimEndOf } from '../core/trim.js';
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

export interface QmailControlDocument {
  kind: 'qmail-control';
  file: SourceFile;
  /** The control file's name (`rcpthosts`, `me`, …), when the path tells it. */
  name?: string;
  spec?: ControlSpec;
  /** Every line of the file. */
  lines: ControlLine[];
  /**
   * What qmail uses. List files: the lines that are neither empty nor comments. One-value and number
   * files: the first line (empty for an empty file). Unknown files: the lines that are not empty.
   */
  entries: ControlLine[];
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
 * The most lines a document keeps (each an object of about 150 bytes, from as little as one byte of
 * input). A large rcpthosts has tens of thousands of names; beyond this, qmail wants morercpthosts.
 */
export const MAX_CONTROL_LINES = 262_144;

/** Strips what qmail's striptrailingwhitespace strips: blanks and TABs at the end (not a CR). */
function stripTrailing(s: string): string {
  return trimEndOf(s, BLANKS);
}

export function parseQmailControl(file: SourceFile): QmailControlDocument {
  const name = controlName(file.path);
  const spec = name === undefined ? undefined : QMAIL_CONTROLS[name];
  const doc: QmailControlDocument = { kind: 'qmail-control', file, lines: [], entries: [], problems: [] };
  if (name !== undefined) doc.name = name;
  if (spec) doc.spec = spec;
  for (let n = 1; n <= file.lineCount; n++) {
    if (n > MAX_CONTROL_LINES) {
      doc.problems.push({ message: `more than ${MAX_CONTROL_LINES.toLocaleString('en-US')} lines: mailharden reads the first ${MAX_CONTROL_LINES.toLocaleString('en-US')} and checks none from this line on`, span: file.lineSpan(n) });
      break;
    }
    const text = stripTrailing(file.line(n));
    doc.lines.push({ line: n, text, span: file.span(n, 1, text.length) });
  }
  if (doc.lines.length === 0) doc.lines.push({ line: 1, text: '', span: file.span(1, 1, 0) });
  const form = spec?.form;
  if (form === 'list' || form === undefined) {
    for (const l of doc.lines) {
      if (l.text === '' || (form === 'list' && l.text.startsWith('#'))) continue;
      doc.entries.push(l);
      // defaultdelivery holds dot-qmail lines, which qmail-local reads in its own way.
      if (form !== 'list' || name === 'defaultdelivery' || RCPT_LISTS.has(name!)) continue;
      const effect = KEY_LISTS.has(name!) ? `, so "${visible(l.text)}" never matches` : ` as part of "${visible(l.text)}"`;
      if (l.text.endsWith('\r')) doc.problems.push({ message: `line ends in a carriage return (CRLF file), which ${spec!.readBy} keeps${effect}`, span: l.span });
      else if (/^[ \t]/.test(l.text)) doc.problems.push({ message: `line starts with a blank, which ${spec!.readBy} keeps${effect}`, span: l.span });
    }
    return doc;
  }
  const first = doc.lines[0]!;
  doc.entries.push(first);
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
