import { trimEndOf } from '../core/trim.js';
import type { SourceFile } from '../core/source.js';
import { grown } from '../core/typed-array.js';
import type { ParseProblem, Span } from '../core/types.js';
import { Joined } from './joined.js';
import { lookupOption, isKnownLetter, optionForLetter, type OptionLookup } from '../model/sendmail-options.js';

/** Command letters readcf() accepts; anything else (lower case included) is fatal. */
/** L and G exist only in builds with XLA or Sun extensions; Debian's sendmail refuses them (measured). */
export const CF_LETTERS = new Set(['R', 'S', 'D', 'C', 'F', 'M', 'H', 'O', 'P', 'V', 'K', 'E', 'Q', 'X', 'T']);

export type CfLineKind =
  | 'comment'
  | 'blank'
  /** A blank line joined with a following indented line: readcf sees a line starting with a newline. */
  | 'broken-continuation'
  | 'statement';

/** One logical line of a sendmail.cf: a physical line plus its continuation lines. */
export class CfLine {
  /** Where an unescaped `#` cut the line (config level 3 and later), as an offset in the joined text. */
  commentAt?: number;

  constructor(
    /** The line's index in `CfDocument.lines`. */
    readonly index: number,
    readonly kind: CfLineKind,
    /** First character of the statement (`O`, `R`, …); '' for comments and blank lines. */
    readonly letter: string,
    readonly joined: Joined,
    /** Continuation lines swallowed by a comment line: sendmail ignores them silently. */
    readonly swallowed: boolean,
    /** The text after comment stripping (the statement as sendmail reads it). */
    readonly text: string,
  ) {}

  /**
   * Where text copied from the raw line starts, when comments were cut or `\#` unescaped: pairs of
   * (offset in `text`, offset in the joined raw text). Undefined when `text` is the raw text.
   */
  pieces?: Int32Array;

  /** The whole logical line (computed when asked for). */
  get span(): Span {
    return this.joined.span(0, this.joined.text.length);
  }

  /** The span of `text` offsets [from, to), mapped back to the raw lines when comments were cut. */
  spanOf(from: number, to: number): Span {
    return this.joined.span(this.rawOffset(from), this.rawOffset(Math.max(to, from + 1) - 1) + 1);
  }

  /** A `text` offset as an offset in the joined raw text. */
  rawOffset(offset: number): number {
    const p = this.pieces;
    if (!p) return offset;
    // The last piece starting at or before the offset, by binary search over the pairs (a line of
    // many `\#` has a piece for each, and each word of it asks).
    let lo = 0;
    let hi = p.length / 2 - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (p[2 * mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return p[2 * lo + 1]! + (offset - p[2 * lo]!);
  }
}

const KINDS: readonly CfLineKind[] = ['comment', 'blank', 'broken-continuation', 'statement'];
const COMMENT = 0;
const BLANK = 1;
const BROKEN = 2;
const STATEMENT = 3;
/** Flags beside the kind: comments are cut on this line (config level 3 or later when it was read); its raw text holds a `#`. */
const CUT = 4;
const HASH = 8;

/**
 * The logical lines of a sendmail.cf, kept as numbers: where each starts, how many physical lines it
 * has, its kind and command letter. A generated cf is mostly rewrite rules and comments, which no
 * rule needs as objects, so a `CfLine` is built only when asked for (`at`); the lines the document
 * keeps objects for (options, mailers, macros, headers, the V line) are returned as those objects.
 * A million-line cf is then a few arrays instead of millions of objects for the collector to copy.
 */
export class CfLines implements Iterable<CfLine> {
  length = 0;
  /**
   * Index of each line's first physical line in the file (0-based), with one more entry past the end;
   * and each line's kind and flags. Sized for the file's physical lines at once (there are no more
   * logical ones), so they are never copied to grow: 5 bytes a line (the letter is read from the text).
   */
  private readonly firsts: Int32Array;
  private readonly info: Uint8Array;
  private readonly kept = new Map<number, CfLine>();
  /** The first CR at or after `crFrom` in the file's text (its length when there is none). */
  private crFrom = Number.MAX_SAFE_INTEGER;
  private cr = 0;

  constructor(private readonly file: SourceFile) {
    this.firsts = new Int32Array(file.lineCount + 1);
    this.info = new Uint8Array(file.lineCount);
  }

  /** Appends a line of `count` physical lines starting at 0-based physical line `first`. */
  push(first: number, count: number, info: number): number {
    const i = this.length;
    this.firsts[i] = first;
    this.firsts[i + 1] = first + count;
    this.info[i] = info;
    this.length = i + 1;
    return i;
  }

  kind(i: number): CfLineKind {
    return KINDS[this.info[i]! & 3]!;
  }

  /** Each line's command letter as a character code, -1 for a line that is no statement: made when first asked for. */
  private codes?: Int32Array;
  private readonly byLetter = new Map<string, Int32Array>();

  /** The command letter of line `i` as a character code (a UTF-16 code unit); -1 when it is no statement. */
  letterCode(i: number): number {
    return (this.codes ??= this.letterCodes())[i]!;
  }

  /**
   * The indexes of the statements whose command letter is `letter` (one character), in order: rules
   * that look at the S or R lines of a cf of a million lines walk these instead of every line.
   */
  withLetter(letter: string): Int32Array {
    let found = this.byLetter.get(letter);
    if (found) return found;
    const codes = (this.codes ??= this.letterCodes());
    const want = letter.length === 1 ? letter.charCodeAt(0) : -2;
    let n = 0;
    for (let i = 0; i < this.length; i++) if (codes[i] === want) n++;
    found = new Int32Array(n);
    n = 0;
    for (let i = 0; i < this.length; i++) if (codes[i] === want) found[n++] = i;
    this.byLetter.set(letter, found);
    return found;
  }

  private letterCodes(): Int32Array {
    const codes = new Int32Array(this.length);
    const { text } = this.file;
    for (let i = 0; i < this.length; i++) codes[i] = (this.info[i]! & 3) === STATEMENT ? text.charCodeAt(this.file.lineStart(this.startLine(i))) : -1;
    return codes;
  }

  /** The command letter of a statement; '' for other lines. */
  letter(i: number): string {
    return (this.info[i]! & 3) === STATEMENT ? this.file.text[this.file.lineStart(this.startLine(i))]! : '';
  }

  /** How many physical lines line `i` has. */
  lineCount(i: number): number {
    return this.firsts[i + 1]! - this.firsts[i]!;
  }

  /** The file's line number of line `i`'s first physical line. */
  startLine(i: number): number {
    return this.file.firstLine + this.firsts[i]!;
  }

  /** Whether line `i`'s raw text holds a `#`. */
  hasHash(i: number): boolean {
    return (this.info[i]! & HASH) !== 0;
  }

  /** The text of line `i`'s first physical line, without its CR. */
  head(i: number): string {
    return stripCR(this.file.line(this.startLine(i)));
  }

  /** The line as an object: the one the document keeps, or one built now. */
  at(i: number): CfLine {
    return this.kept.get(i) ?? this.build(i);
  }

  /** Builds line `i`, and keeps it when the document refers to it. */
  build(i: number, keep = false): CfLine {
    const first = this.startLine(i);
    const count = this.lineCount(i);
    const start = this.file.lineStart(first);
    // The first CR at or after the line: searched again only when this line lies outside what the last search covered.
    if (start < this.crFrom || start > this.cr) {
      this.crFrom = start;
      const cr = this.file.text.indexOf('\r', start);
      this.cr = cr < 0 ? this.file.text.length : cr;
    }
    let joined = Joined.ofFile(this.file, first, count, this.cr);
    if (!joined) {
      joined = new Joined();
      for (let k = 0; k < count; k++) joined.add(first + k, stripCR(this.file.line(first + k)), k ? '\n' : '');
    }
    const line = lineOf(i, joined, (this.info[i]! & CUT) !== 0);
    if (keep) this.kept.set(i, line);
    return line;
  }

  *[Symbol.iterator](): Iterator<CfLine> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

/** An `O` line; its spans are computed when asked for. */
export class CfOption {
  /** The canonical long name when the lookup succeeded. */
  readonly name?: string;

  constructor(
    readonly line: CfLine,
    readonly form: 'long' | 'short',
    /** The name as written (the letter for the short form). */
    readonly written: string,
    /** How sendmail resolved the name; short options resolve through the letter table. */
    readonly lookup: OptionLookup,
    /** Value as sendmail uses it: after `=`, blanks trimmed, comment cut, `\#` unescaped. */
    readonly value: string,
    /** Offset of the value in the line's text, to locate words inside it. */
    readonly valueOffset: number,
    readonly hasEquals: boolean,
    name: string | undefined,
  ) {
    if (name !== undefined) this.name = name;
  }

  get writtenSpan(): Span {
    const from = this.form === 'long' ? 2 : 1;
    return this.line.joined.span(from, from + Math.max(this.written.length, 1));
  }

  get valueSpan(): Span {
    const at = this.valueOffset;
    return this.line.spanOf(at, at + Math.max(this.value.length, 1));
  }

  /** The span of the value's characters [from, to). */
  valueSpanAt(from: number, to: number): Span {
    return this.line.spanOf(this.valueOffset + from, this.valueOffset + to);
  }
}

/** A D line's macro or an H line's header: name and value; the value's span is computed when asked for. */
export class CfValue {
  constructor(
    readonly name: string,
    readonly value: string,
    readonly line: CfLine,
    /** Offset of the value in the line's text. */
    private readonly at: number,
  ) {}

  get valueSpan(): Span {
    return this.line.spanOf(this.at, this.line.text.length);
  }
}

/** A `#O Name=value` line as m4 writes for options left at their default. */
export interface CfCommentedOption {
  name: string;
  value: string;
  span: Span;
}

/** An M line. Its fields are read when first asked for: most rules want those of one mailer (prog). */
export class CfMailer {
  private read?: Map<string, MailerField>;

  constructor(
    readonly line: CfLine,
    readonly name: string,
  ) {}

  get nameSpan(): Span {
    return this.line.joined.span(1, 1 + this.name.length);
  }

  /** Fields by letter (`P`, `F`, `A`, …), value trimmed. */
  get fields(): ReadonlyMap<string, MailerField> {
    return (this.read ??= mailerFields(this.line, 1 + this.name.length));
  }
}

/** One `X=value` field of an M line; the span is computed when asked for. */
export class MailerField {
  constructor(
    readonly value: string,
    private readonly line: CfLine,
    /** Offset of the value in the line's text (after comment cutting and `\#` unescaping). */
    private readonly at: number,
  ) {}
  get span(): Span {
    return this.line.spanOf(this.at, this.at + Math.max(this.value.length, 1));
  }
  /** Where the value lies in the line's raw joined text: [from, to). */
  get rawRange(): [number, number] {
    const from = this.line.rawOffset(this.at);
    return [from, this.value.length ? this.line.rawOffset(this.at + this.value.length - 1) + 1 : from];
  }
  /** The raw joined text of the logical line the field is on. */
  get joined(): Joined {
    return this.line.joined;
  }
}

export interface CfDocument {
  kind: 'sendmail-cf';
  file: SourceFile;
  lines: CfLines;
  options: CfOption[];
  commentedOptions: CfCommentedOption[];
  mailers: CfMailer[];
  /** D lines: macro name (`j`, `{daemon_flags}`) → value, in order. */
  macros: CfValue[];
  /** H lines. */
  headers: CfValue[];
  /** The first `V` line's level, or 0 when there is none. */
  configLevel: number;
  versionLine?: CfLine;
  problems: ParseProblem[];
}

/**
 * The most O, M, D, H and V lines a document keeps as objects (several hundred bytes each). A generated
 * cf has a few hundred and `npm run bench`'s million-line file 250,000; past this, a file of one-letter
 * option lines would cost 200 MB per MB of input.
 */
export const MAX_KEPT = 262_144;

/**
 * Reads a sendmail.cf as readcf() does (FORMATS.md §1): a line starting with a blank continues the
 * previous one (keeping the newline), comment lines swallow their continuations, and from config level
 * 3 on an unescaped `#` ends the line.
 */
export function parseSendmailCf(file: SourceFile): CfDocument {
  const doc: CfDocument = {
    kind: 'sendmail-cf',
    file,
    lines: new CfLines(file),
    options: [],
    commentedOptions: [],
    mailers: [],
    macros: [],
    headers: [],
    configLevel: 0,
    problems: [],
  };
  const { text, lineCount: count, firstLine } = file;
  // The next `#` at or after the current line: found once and passed, so the search stays linear.
  let hash = -1;
  /** Lines kept as objects so far (options, mailers, macros, headers, V lines). */
  let kept = 0;
  let i = 0;
  while (i < count) {
    const first = i;
    const start = file.lineStart(firstLine + i);
    let end = file.lineEnd(firstLine + i);
    i++;
    while (i < count) {
      const c = text.charCodeAt(file.lineStart(firstLine + i));
      if (c !== 32 && c !== 9) break;
      i++;
    }
    const last = i > first + 1 ? file.lineEnd(firstLine + i - 1) : end;
    if (end > start && text.charCodeAt(end - 1) === 13) end--;
    if (hash < start) {
      hash = text.indexOf('#', start);
      if (hash < 0) hash = text.length;
    }
    let info = (hash < last ? HASH : 0) | (doc.configLevel >= 3 ? CUT : 0);
    const c = end > start ? text.charCodeAt(start) : -1;
    if (c < 0) info |= i > first + 1 ? BROKEN : BLANK;
    else if (c === 35) info |= COMMENT;
    else info |= STATEMENT;
    const index = doc.lines.push(first, i - first, info);
    if (c === 35 /* # */) {
      // `#O Name=value`: an option m4 left at its default.
      if (text.startsWith('#O ', start)) {
        const head = text.slice(start, end);
        const commented = /^#O ([A-Za-z][\w.]*)=(.*)$/.exec(head);
        if (commented) doc.commentedOptions.push({ name: commented[1]!, value: commented[2]!, span: file.span(firstLine + first, 1, head.length) });
      }
    } else if (c === 86 /* V */ || c === 79 /* O */ || c === 77 /* M */ || c === 68 /* D */ || c === 72 /* H */) {
      if (kept < MAX_KEPT) {
        kept++;
        read(doc, doc.lines.build(index, true));
      } else if (kept++ === MAX_KEPT) {
        doc.problems.push({ message: `more than ${MAX_KEPT.toLocaleString('en-US')} O, M, D, H and V lines: mailharden reads the first ${MAX_KEPT.toLocaleString('en-US')} of them and checks no later one (a generated sendmail.cf has a few hundred)`, span: file.lineSpan(firstLine + first) });
      }
    }
  }
  return doc;
}

function stripCR(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

/** Builds the CfLine of a logical line; `cut`: comments end the line (config level 3 or later). */
function lineOf(index: number, joined: Joined, cut: boolean): CfLine {
  const raw = joined.text;
  const first = raw.charCodeAt(0);
  if (first === 35 /* # */) return new CfLine(index, 'comment', '', joined, joined.lineCount > 1, raw);
  if (raw === '') return new CfLine(index, 'blank', '', joined, false, '');
  if (first === 10 /* \n */) return new CfLine(index, 'broken-continuation', '', joined, false, raw);
  const letter = raw[0]!;
  let text = raw;
  let commentAt: number | undefined;
  let pieces: Int32Array | undefined;
  if (cut && raw.includes('#')) {
    const c = cutComment(raw);
    text = c.text;
    commentAt = c.at;
    pieces = c.pieces;
  }
  // readcf strips trailing blanks: `O ` is a bare O, not an empty long name.
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  if (end < text.length) text = text.slice(0, end);
  const line = new CfLine(index, 'statement', letter, joined, false, text);
  if (commentAt !== undefined) line.commentAt = commentAt;
  if (pieces && pieces.length > 2) line.pieces = pieces;
  return line;
}

/** What a V, O, M, D or H line adds to the document. */
function read(doc: CfDocument, line: CfLine): void {
  const { text } = line;
  switch (line.letter) {
    case 'V': {
      const level = /^V[ \t]*(\d+)/.exec(text);
      if (!doc.versionLine) {
        doc.versionLine = line;
        doc.configLevel = level ? Number(level[1]) : 0;
      }
      break;
    }
    case 'O':
      doc.options.push(readOption(line));
      break;
    case 'M': {
      const mailer = readMailer(line);
      if (mailer) doc.mailers.push(mailer);
      break;
    }
    case 'D': {
      const m = /^D(\{[^}]*\}|.)(.*)$/s.exec(text);
      if (m) doc.macros.push(new CfValue(m[1]!, m[2]!, line, 1 + m[1]!.length));
      break;
    }
    case 'H': {
      const m = /^H(\?[^?]*\?)?([^:]+):[ \t]*(.*)$/s.exec(text);
      if (m) doc.headers.push(new CfValue(m[2]!.trim(), m[3]!, line, text.length - m[3]!.length));
      break;
    }
  }
}

/**
 * Removes comments as readcf() does from config level 3 on: an unescaped `#` cuts its physical line
 * (with the blanks before it), while the continuation lines after it stay. `\#` stands for `#`, and
 * `$#` (the mailer part of a rewrite result) is no comment, though `$$#` is.
 */
function cutComment(raw: string): { text: string; at?: number; pieces?: Int32Array } {
  let hash = raw.indexOf('#');
  if (hash < 0) return { text: raw };
  // The text is built in a buffer of UTF-16 code units, not by appending strings: a line of millions
  // of `\#` would otherwise make a rope of millions of pieces (a gigabyte before it is flattened).
  const out = new Uint16Array(raw.length);
  let n = 0;
  const copy = (from: number, to: number): void => {
    for (let k = from; k < to; k++) out[n++] = raw.charCodeAt(k);
  };
  let from = 0;
  let at: number | undefined;
  // (offset in out, offset in raw) where each copied piece starts.
  let pieces = new Int32Array(16);
  let count = 2;
  const piece = (o: number, r: number): void => {
    if (count + 2 > pieces.length) pieces = grown(pieces, pieces.length * 2);
    pieces[count++] = o;
    pieces[count++] = r;
  };
  const done = (): { text: string; at?: number; pieces: Int32Array } => {
    const text = new TextDecoder('utf-16le').decode(out.subarray(0, n));
    const p = pieces.subarray(0, count);
    return at === undefined ? { text, pieces: p } : { text, at, pieces: p };
  };
  while (hash >= 0) {
    let dollars = 0;
    while (hash - dollars - 1 >= from && raw.charCodeAt(hash - dollars - 1) === 36 /* $ */) dollars++;
    if (dollars % 2 === 1) {
      hash = raw.indexOf('#', hash + 1);
      continue;
    }
    if (hash > from && raw.charCodeAt(hash - 1) === 92 /* \ */) {
      copy(from, hash - 1);
      // The `#` that stands for `\#` maps to the `#`, and what follows to what follows it.
      piece(n, hash);
      out[n++] = 35; /* # */
      from = hash + 1;
      piece(n, from);
      hash = raw.indexOf('#', from);
      continue;
    }
    at ??= hash;
    // The piece before the comment, without the blanks before the `#`.
    let end = hash;
    while (end > from && (raw.charCodeAt(end - 1) === 32 || raw.charCodeAt(end - 1) === 9)) end--;
    copy(from, end);
    const eol = raw.indexOf('\n', hash);
    if (eol < 0) return done();
    from = eol;
    piece(n, from);
    hash = raw.indexOf('#', from);
  }
  copy(from, raw.length);
  return done();
}

function readOption(line: CfLine): CfOption {
  const { text } = line;
  // Offsets below index `text`; `\#` unescaping makes text shorter than raw only after a `#`, which
  // is rare, so the name's span uses the raw offsets.
  if (text[1] === ' ') {
    // Long form: exactly one space after O, then the name up to '=' (blanks before '=' allowed).
    const eq = text.indexOf('=');
    const nameEnd = eq >= 0 ? eq : text.length;
    // readcf trims spaces around '=', not TABs (a TAB stays in the name and makes it unknown).
    const written = trimEndOf(text.slice(2, nameEnd), ' ');
    let valueStart = eq >= 0 ? eq + 1 : text.length;
    while (valueStart < text.length && text[valueStart] === ' ') valueStart++;
    const value = trimEndOf(text.slice(valueStart), ' \t\n');
    const lookup = lookupOption(written);
    const name = lookup.status === 'exact' || lookup.status === 'abbreviation' ? lookup.name : undefined;
    return new CfOption(line, 'long', written, lookup, value, valueStart, eq >= 0, name);
  }
  // Short form: one letter, value right after it.
  const letter = text.length > 1 ? text[1]! : '';
  const name = letter ? optionForLetter(letter) : undefined;
  const value = trimEndOf(text.slice(2), ' \t\n');
  const lookup: OptionLookup = name ? { status: 'exact', name } : letter && isKnownLetter(letter) ? { status: 'exact', name: `(${letter})` } : { status: 'unknown' };
  // A letter sendmail knows by no long name has no `name`, though its lookup holds "(x)".
  return new CfOption(line, 'short', letter, lookup, value, 2, false, name);
}

function readMailer(line: CfLine): CfMailer | undefined {
  const m = /^M([^,\s]+)/.exec(line.text);
  return m ? new CfMailer(line, m[1]!) : undefined;
}

/**
 * The fields of an M line after the name (which ends at `k`). Fields are separated by commas; as in
 * makemailer(), a field's code is its first character and its value follows the first `=` (so
 * `Path=/bin/sh` sets P). Continuation newlines count as blanks.
 */
function mailerFields(line: CfLine, k: number): Map<string, MailerField> {
  const { text } = line;
  const fields = new Map<string, MailerField>();
  // The next `=` at or after k, kept between fields so that a line of fields without one stays linear.
  let eq = -1;
  while (k < text.length) {
    while (k < text.length && (text[k] === ',' || /\s/.test(text[k]!))) k++;
    if (k >= text.length) break;
    const comma = text.indexOf(',', k);
    const end = comma < 0 ? text.length : comma;
    if (eq < k) {
      eq = text.indexOf('=', k);
      if (eq < 0) eq = text.length;
    }
    if (eq < end) {
      let at = eq + 1;
      while (at < end && /\s/.test(text[at]!)) at++;
      const value = text.slice(at, end).trim();
      fields.set(text[k]!.toUpperCase(), new MailerField(value, line, at));
    }
    k = end + 1;
  }
  return fields;
}
