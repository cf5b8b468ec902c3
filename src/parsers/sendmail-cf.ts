import type { SourceFile } from '../core/source.js';
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
  pieces?: number[];

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
    let k = 0;
    while (k + 2 < p.length && p[k + 2]! <= offset) k += 2;
    return p[k + 1]! + (offset - p[k]!);
  }
}

/** An `O` line. */
export interface CfOption {
  line: CfLine;
  form: 'long' | 'short';
  /** The name as written (the letter for the short form). */
  written: string;
  writtenSpan: Span;
  /** How sendmail resolved the name; short options resolve through the letter table. */
  lookup: OptionLookup;
  /** The canonical long name when the lookup succeeded. */
  name?: string;
  /** Value as sendmail uses it: after `=`, blanks trimmed, comment cut, `\#` unescaped. */
  value: string;
  valueSpan: Span;
  /** Offset of the value in the joined text, to locate words inside it. */
  valueOffset: number;
  hasEquals: boolean;
}

/** A `#O Name=value` line as m4 writes for options left at their default. */
export interface CfCommentedOption {
  name: string;
  value: string;
  span: Span;
}

export interface CfMailer {
  line: CfLine;
  name: string;
  nameSpan: Span;
  /** Fields by letter (`P`, `F`, `A`, …), value trimmed. */
  fields: Map<string, MailerField>;
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
  lines: CfLine[];
  options: CfOption[];
  commentedOptions: CfCommentedOption[];
  mailers: CfMailer[];
  /** D lines: macro name (`j`, `{daemon_flags}`) → value, in order. */
  macros: { name: string; value: string; line: CfLine; valueSpan: Span }[];
  /** H lines. */
  headers: { name: string; value: string; line: CfLine; valueSpan: Span }[];
  /** The first `V` line's level, or 0 when there is none. */
  configLevel: number;
  versionLine?: CfLine;
  problems: ParseProblem[];
}

/**
 * Reads a sendmail.cf as readcf() does (FORMATS.md §1): a line starting with a blank continues the
 * previous one (keeping the newline), comment lines swallow their continuations, and from config level
 * 3 on an unescaped `#` ends the line.
 */
export function parseSendmailCf(file: SourceFile): CfDocument {
  const doc: CfDocument = {
    kind: 'sendmail-cf',
    file,
    lines: [],
    options: [],
    commentedOptions: [],
    mailers: [],
    macros: [],
    headers: [],
    configLevel: 0,
    problems: [],
  };
  const count = file.lineCount;
  let next = count > 0 ? file.line(1) : '';
  let i = 0;
  while (i < count) {
    const joined = new Joined();
    joined.add(i + 1, stripCR(next));
    i++;
    next = i < count ? file.line(i + 1) : '';
    while (i < count && (next.charCodeAt(0) === 32 || next.charCodeAt(0) === 9)) {
      joined.add(i + 1, stripCR(next), '\n');
      i++;
      next = i < count ? file.line(i + 1) : '';
    }
    doc.lines.push(readLine(doc, joined));
  }
  return doc;
}

function stripCR(s: string): string {
  return s.endsWith('\r') ? s.slice(0, -1) : s;
}

function readLine(doc: CfDocument, joined: Joined): CfLine {
  const raw = joined.text;
  const first = raw.charCodeAt(0);
  if (first === 35 /* # */) {
    if (raw.startsWith('#O ')) {
      const eol = raw.indexOf('\n');
      const head = eol < 0 ? raw : raw.slice(0, eol);
      const commented = /^#O ([A-Za-z][\w.]*)=(.*)$/.exec(head);
      if (commented) doc.commentedOptions.push({ name: commented[1]!, value: commented[2]!, span: joined.span(0, head.length) });
    }
    return new CfLine('comment', '', joined, joined.lineCount > 1, raw);
  }
  if (raw === '') return new CfLine('blank', '', joined, false, '');
  if (first === 10 /* \n */) return new CfLine('broken-continuation', '', joined, false, raw);
  const letter = raw[0]!;
  let text = raw;
  let commentAt: number | undefined;
  let pieces: number[] | undefined;
  if (doc.configLevel >= 3) {
    const cut = cutComment(raw);
    text = cut.text;
    commentAt = cut.at;
    pieces = cut.pieces;
  }
  // readcf strips trailing blanks: `O ` is a bare O, not an empty long name.
  let end = text.length;
  while (end > 0 && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  if (end < text.length) text = text.slice(0, end);
  const line = new CfLine('statement', letter, joined, false, text);
  if (commentAt !== undefined) line.commentAt = commentAt;
  if (pieces && pieces.length > 2) line.pieces = pieces;
  switch (letter) {
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
      if (m) doc.macros.push({ name: m[1]!, value: m[2]!, line, valueSpan: line.spanOf(1 + m[1]!.length, text.length) });
      break;
    }
    case 'H': {
      const m = /^H(\?[^?]*\?)?([^:]+):[ \t]*(.*)$/s.exec(text);
      if (m) {
        const at = text.length - m[3]!.length;
        doc.headers.push({ name: m[2]!.trim(), value: m[3]!, line, valueSpan: line.spanOf(at, text.length) });
      }
      break;
    }
  }
  return line;
}

/**
 * Removes comments as readcf() does from config level 3 on: an unescaped `#` cuts its physical line
 * (with the blanks before it), while the continuation lines after it stay. `\#` stands for `#`, and
 * `$#` (the mailer part of a rewrite result) is no comment, though `$$#` is.
 */
function cutComment(raw: string): { text: string; at?: number; pieces?: number[] } {
  let hash = raw.indexOf('#');
  if (hash < 0) return { text: raw };
  let out = '';
  let from = 0;
  let at: number | undefined;
  // (offset in out, offset in raw) where each copied piece starts.
  const pieces: number[] = [0, 0];
  while (hash >= 0) {
    let dollars = 0;
    while (hash - dollars - 1 >= from && raw[hash - dollars - 1] === '$') dollars++;
    if (dollars % 2 === 1) {
      hash = raw.indexOf('#', hash + 1);
      continue;
    }
    if (hash > from && raw[hash - 1] === '\\') {
      out += raw.slice(from, hash - 1);
      // The `#` that stands for `\#` maps to the `#`, and what follows to what follows it.
      pieces.push(out.length, hash);
      out += '#';
      from = hash + 1;
      pieces.push(out.length, from);
      hash = raw.indexOf('#', from);
      continue;
    }
    at ??= hash;
    out += raw.slice(from, hash).replace(/[ \t]+$/, '');
    const eol = raw.indexOf('\n', hash);
    if (eol < 0) return { text: out, at, pieces };
    from = eol;
    pieces.push(out.length, from);
    hash = raw.indexOf('#', from);
  }
  out += raw.slice(from);
  return at === undefined ? { text: out, pieces } : { text: out, at, pieces };
}

function readOption(line: CfLine): CfOption {
  const { text, joined } = line;
  // Offsets below index `text`; `\#` unescaping makes text shorter than raw only after a `#`, which
  // is rare, so spans use the raw offsets up to the first escape.
  if (text[1] === ' ') {
    // Long form: exactly one space after O, then the name up to '=' (blanks before '=' allowed).
    const eq = text.indexOf('=');
    const nameEnd = eq >= 0 ? eq : text.length;
    // readcf trims spaces around '=', not TABs (a TAB stays in the name and makes it unknown).
    const written = text.slice(2, nameEnd).replace(/ +$/, '');
    let valueStart = eq >= 0 ? eq + 1 : text.length;
    while (valueStart < text.length && text[valueStart] === ' ') valueStart++;
    const value = text.slice(valueStart).replace(/[ \t\n]+$/, '');
    const lookup = lookupOption(written);
    const opt: CfOption = {
      line,
      form: 'long',
      written,
      writtenSpan: joined.span(2, 2 + Math.max(written.length, 1)),
      lookup,
      value,
      valueSpan: line.spanOf(valueStart, Math.max(valueStart + value.length, valueStart + 1)),
      valueOffset: valueStart,
      hasEquals: eq >= 0,
    };
    if (lookup.status === 'exact' || lookup.status === 'abbreviation') opt.name = lookup.name;
    return opt;
  }
  // Short form: one letter, value right after it.
  const letter = text.length > 1 ? text[1]! : '';
  const name = letter ? optionForLetter(letter) : undefined;
  const value = text.slice(2).replace(/[ \t\n]+$/, '');
  const lookup: OptionLookup = name ? { status: 'exact', name } : letter && isKnownLetter(letter) ? { status: 'exact', name: `(${letter})` } : { status: 'unknown' };
  const opt: CfOption = {
    line,
    form: 'short',
    written: letter,
    writtenSpan: joined.span(1, 2),
    lookup,
    value,
    valueSpan: line.spanOf(2, Math.max(2 + value.length, 3)),
    valueOffset: 2,
    hasEquals: false,
  };
  if (name) opt.name = name;
  return opt;
}

function readMailer(line: CfLine): CfMailer | undefined {
  const { text, joined } = line;
  const m = /^M([^,\s]+)/.exec(text);
  if (!m) return undefined;
  const mailer: CfMailer = { line, name: m[1]!, nameSpan: joined.span(1, 1 + m[1]!.length), fields: new Map() };
  // Fields are separated by commas; as in makemailer(), a field's code is its first character and its
  // value follows the first `=` (so `Path=/bin/sh` sets P). Continuation newlines count as blanks.
  let k = m[0].length;
  while (k < text.length) {
    while (k < text.length && (text[k] === ',' || /\s/.test(text[k]!))) k++;
    if (k >= text.length) break;
    const comma = text.indexOf(',', k);
    const end = comma < 0 ? text.length : comma;
    const eq = text.indexOf('=', k);
    if (eq >= 0 && eq < end) {
      let at = eq + 1;
      while (at < end && /\s/.test(text[at]!)) at++;
      const value = text.slice(at, end).trim();
      mailer.fields.set(text[k]!.toUpperCase(), new MailerField(value, line, at));
    }
    k = end + 1;
  }
  return mailer;
}
