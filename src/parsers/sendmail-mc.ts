import { detached, type SourceFile } from '../core/source.js';
import type { ParseProblem, Position, Span } from '../core/types.js';

/** One argument of an m4 macro call, with one level of quotes removed. */
export interface McArg {
  text: string;
  span: Span;
}

/** A macro call or a bare macro name (`MAILER_DEFINITIONS`), in source order. */
export interface McCall {
  name: string;
  args: McArg[];
  nameSpan: Span;
  /** From the name to the closing parenthesis. */
  span: Span;
  /** Position in the list of calls, to compare FEATURE and MAILER order. */
  index: number;
}

/** A cf line written verbatim after LOCAL_CONFIG (copied into the cf as is). */
export interface McLocalLine {
  line: number;
  text: string;
  /** The line before ended in a dnl, which ate its newline: m4 writes this line's text on the end of that output line. */
  joined: boolean;
}

export interface McDocument {
  kind: 'sendmail-mc';
  file: SourceFile;
  calls: McCall[];
  localConfig: McLocalLine[];
  /**
   * Lines starting with `#` after cf.m4 was included. cfhead.m4 calls changecom(), so from there on `#`
   * starts no comment: macros on such a line are expanded and the text is copied into the cf.
   */
  hashLines: number[];
  problems: ParseProblem[];
}

/**
 * The most macro calls, arguments and LOCAL_CONFIG lines a document keeps (each an object of a few
 * hundred bytes, from as little as one byte of input: `FEATURE(,,,,…)`). A real .mc has about a hundred.
 */
export const MAX_MC_ITEMS = 100_000;

const isWordStart = (c: string | undefined): boolean => c !== undefined && /[A-Za-z_]/.test(c);
const isWord = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/** Character codes the scanner compares with. */
const NL = 10;
const CR = 13;
const TAB = 9;
const SPACE = 32;
const HASH = 35;
const OPEN = 40;
const CLOSE = 41;
const COMMA = 44;
const BACKQUOTE = 96;

/** What a UTF-16 unit is to names, by its code: WORD for [A-Za-z0-9_], and START too for [A-Za-z_]. A table is twice as fast as comparisons over a file of words. */
const WORD = 1;
const START = 2;
const NAME_CHARS = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) NAME_CHARS[c] = WORD;
for (let c = 65; c <= 90; c++) NAME_CHARS[c] = WORD | START;
for (let c = 97; c <= 122; c++) NAME_CHARS[c] = WORD | START;
NAME_CHARS[95] = WORD | START;

/** [A-Za-z_] of a character code. */
const wordStartCode = (c: number): boolean => (NAME_CHARS[c]! & START) !== 0;
/** [A-Za-z0-9_] of the character at `i` (false past the end). */
const wordAt = (text: string, i: number): boolean => i < text.length && (NAME_CHARS[text.charCodeAt(i)]! & WORD) !== 0;

/** Names that end a LOCAL_CONFIG section (prefixes: LOCAL_RULE also stands for LOCAL_RULESETS). */
const SECTION_ENDS = ['LOCAL_RULE', 'LOCAL_NET_CONFIG', 'MAILER', 'LOCAL_SRV_FEATURES', 'LOCAL_TRY_TLS', 'LOCAL_TLS', 'LOCAL_CLT'];

/**
 * Tokenises a sendmail.mc the way m4 reads it, for the parts a linter needs: `dnl` drops the rest of
 * the line, `#` starts a comment, `` `…' `` quotes nest, and a word followed directly by `(` is a call
 * whose arguments are split at top-level commas. Macros are not expanded.
 *
 * One pass over the text by offsets: quotes are skipped with indexOf, a line and column are looked up
 * (among the file's line starts) only for what is kept (at most MAX_MC_ITEMS calls, arguments and
 * lines), and past that cap nothing is made at all: the rest of the file is still read for its quotes,
 * comments, sections and an include of cf.m4.
 */
export function parseSendmailMc(file: SourceFile): McDocument {
  return new McScanner(file).run();
}

class McScanner {
  readonly doc: McDocument;
  private readonly file: SourceFile;
  private readonly text: string;
  private readonly len: number;
  /** Offset of the character read next. */
  private i = 0;
  /** Calls, arguments and lines counted so far: past MAX_MC_ITEMS nothing more is kept. */
  private items = 0;
  private inLocalConfig = false;
  private hashComments = true;
  /** The line read now began right after a dnl, which ate the newline before it. */
  private joined = false;
  /** The next backquote and quote at or after the offsets last searched from (Infinity: none left), so each is searched for once. */
  private nextOpen = -1;
  private nextClose = -1;
  /** The line (its index among the file's lines) of the last position looked up: positions mostly come in order. */
  private cursor = 0;

  constructor(file: SourceFile) {
    this.doc = { kind: 'sendmail-mc', file, calls: [], localConfig: [], hashLines: [], problems: [] };
    this.file = file;
    this.text = file.text;
    this.len = file.text.length;
  }

  /** The index (from 0) of the line holding `offset`; past a final newline, the line after the last. */
  private lineIndex(offset: number): number {
    const file = this.file;
    const first = file.firstLine;
    const count = file.lineCount;
    if (offset >= this.len && this.len > 0 && this.text.charCodeAt(this.len - 1) === NL) return count;
    let k = this.cursor;
    if (file.lineStart(first + k) > offset || (k + 8 < count && file.lineStart(first + k + 8) <= offset)) {
      // Far from the last one: a binary search for the last line starting at or before offset.
      let lo = 0;
      let hi = count - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >>> 1;
        if (file.lineStart(first + mid) <= offset) lo = mid;
        else hi = mid - 1;
      }
      k = lo;
    } else while (k + 1 < count && file.lineStart(first + k + 1) <= offset) k++;
    this.cursor = k;
    return k;
  }

  /** The line and column (from 1, in UTF-16 units, as m4 reading counts them here) of an offset. */
  private posAt(offset: number): Position {
    const k = this.lineIndex(offset);
    const start = k < this.file.lineCount ? this.file.lineStart(this.file.firstLine + k) : this.len;
    return { line: k + 1, column: offset - start + 1 };
  }

  /** Whether the offset starts a line. */
  private atLineStart(offset: number): boolean {
    return offset === 0 || this.text.charCodeAt(offset - 1) === NL;
  }

  /** Whether nothing more can be kept: keep() would answer false and report nothing. */
  private full(): boolean {
    return this.items > MAX_MC_ITEMS;
  }

  /** Counts one item; false past MAX_MC_ITEMS, reported once where reading stopped. */
  private keep(): boolean {
    if (this.items < MAX_MC_ITEMS) {
      this.items++;
      return true;
    }
    if (this.items++ === MAX_MC_ITEMS) {
      const at = this.posAt(this.i);
      this.doc.problems.push({ message: `more than ${MAX_MC_ITEMS.toLocaleString('en-US')} macro calls, arguments and LOCAL_CONFIG lines: mailharden reads the first ${MAX_MC_ITEMS.toLocaleString('en-US')} and checks nothing after this place (a real .mc has about a hundred)`, span: { start: at, end: { line: at.line, column: at.column + 1 } } });
    }
    return false;
  }

  /** Moves to the newline ending this line (or the end of the text), without reading it. */
  private skipToEol(): void {
    const nl = this.text.indexOf('\n', this.i);
    this.i = nl < 0 ? this.len : nl;
  }

  /** At a backquote: moves past its matching quote; false (and a problem) when the file ends first. */
  private skipQuoted(): boolean {
    const text = this.text;
    const start = this.i;
    let depth = 1;
    let i = start + 1;
    for (;;) {
      if (this.nextClose < i) {
        const q = text.indexOf("'", i);
        this.nextClose = q < 0 ? Infinity : q;
      }
      const close = this.nextClose;
      if (close === Infinity) break;
      if (this.nextOpen < i) {
        const b = text.indexOf('`', i);
        this.nextOpen = b < 0 ? Infinity : b;
      }
      if (this.nextOpen < close) {
        depth++;
        i = this.nextOpen + 1;
        continue;
      }
      i = close + 1;
      if (--depth === 0) {
        this.i = i;
        return true;
      }
    }
    this.i = this.len;
    const at = this.posAt(start);
    this.doc.problems.push({ message: 'unterminated quote: m4 stops with "EOF in string"', span: { start: at, end: { line: at.line, column: at.column + 1 } } });
    return false;
  }

  /** Moves past the name starting at `i`; returns its end. */
  private skipWord(): number {
    const text = this.text;
    let i = this.i + 1;
    while (wordAt(text, i)) i++;
    this.i = i;
    return i;
  }

  run(): McDocument {
    const text = this.text;
    const len = this.len;
    const doc = this.doc;
    while (this.i < len) {
      const c = text.charCodeAt(this.i);
      if (c === NL) {
        this.joined = false;
        this.i++;
        continue;
      }
      if (c === HASH) {
        if (this.hashComments) {
          this.skipToEol();
          continue;
        }
        if (this.atLineStart(this.i) && this.keep()) doc.hashLines.push(this.posAt(this.i).line);
        this.i++;
        continue;
      }
      if (c === BACKQUOTE) {
        if (!this.skipQuoted()) break;
        continue;
      }
      if (!wordStartCode(c)) {
        this.i++;
        continue;
      }
      if (this.inLocalConfig && c >= 65 && c <= 90 && this.atLineStart(this.i)) this.localLine();
      // Names are read whole, so a letter or _ read here starts one: a digit before it is a character of
      // its own (m4 reads `1.2.3.4dnl` as 1.2.3.4 and dnl).
      if (!this.word()) break;
    }
    return doc;
  }

  /** At the start of a line in a LOCAL_CONFIG section, at a capital letter: keeps the line when it is a cf line. */
  private localLine(): void {
    const text = this.text;
    const i = this.i;
    // A macro call (a run of capitals and _ before a "(" within the first 20 characters) or a name that ends the section is not a cf line.
    let k = i + 1;
    while (k < i + 20 && ((text.charCodeAt(k) >= 65 && text.charCodeAt(k) <= 90) || text.charCodeAt(k) === 95)) k++;
    if (k < i + 20 && text.charCodeAt(k) === OPEN) return;
    if (text.startsWith('LOCAL_', i) || text.startsWith('MAILER', i)) return;
    const nl = text.indexOf('\n', i);
    let end = nl < 0 ? this.len : nl;
    if (end > i && text.charCodeAt(end - 1) === CR) end--;
    // A capital and a character that is not a lower-case letter or _ (`O ` among them).
    if (end - i < 2) return;
    const second = text.charCodeAt(i + 1);
    if ((second >= 97 && second <= 122) || second === 95) return;
    // The line is read on as m4 reads it: a quote opened there can run over the lines below.
    if (this.keep()) this.doc.localConfig.push({ line: this.posAt(i).line, text: text.slice(i, end), joined: this.joined });
  }

  /** At the first character of a name: reads it and, for a call, its arguments; false when the file ends inside them. */
  private word(): boolean {
    const text = this.text;
    const doc = this.doc;
    const nameStart = this.i;
    const nameEnd = this.skipWord();
    const nameLength = nameEnd - nameStart;
    if (nameLength === 3 && text.startsWith('dnl', nameStart)) {
      this.skipToEol();
      if (this.i < this.len) this.i++;
      this.joined = true;
      return true;
    }
    let call: McCall | undefined;
    let include = false;
    if (!this.full()) {
      const start = this.posAt(nameStart);
      const nameSpan: Span = { start, end: { line: start.line, column: start.column + nameLength } };
      call = { name: text.slice(nameStart, nameEnd), args: [], nameSpan, span: nameSpan, index: doc.calls.length };
    }
    if (text.charCodeAt(nameEnd) === OPEN) {
      this.i++;
      const isInclude = nameLength === 7 && text.startsWith('include', nameStart);
      const first = this.readArgs(nameStart, nameEnd, call, isInclude);
      if (first === undefined) return false;
      if (call) call.span = { start: call.nameSpan.start, end: this.posAt(this.i) };
      include = isInclude && /(^|\/)cf\.m4$/.test(first);
    }
    if (call && this.keep()) doc.calls.push(call);
    if (include) this.hashComments = false;
    const c = text.charCodeAt(nameStart);
    if (c === 76 || c === 77) {
      // L or M
      if (nameLength === 12 && text.startsWith('LOCAL_CONFIG', nameStart)) this.inLocalConfig = true;
      else {
        for (const end of SECTION_ENDS) {
          if (text.startsWith(end, nameStart)) {
            this.inLocalConfig = false;
            break;
          }
        }
      }
    }
    return true;
  }

  /**
   * After `(`: reads the arguments up to the matching `)`, into `call` while items are kept. Returns the
   * first argument's text when there is a call or `wantFirst` (what an include names), else '';
   * undefined when the file ends first.
   */
  private readArgs(nameStart: number, nameEnd: number, call: McCall | undefined, wantFirst: boolean): string | undefined {
    const text = this.text;
    const len = this.len;
    const open = this.i - 1;
    let depth = 0;
    let count = 0;
    let first = '';
    this.beginArg();
    let argStart = this.i;
    while (this.i < len) {
      const c = text.charCodeAt(this.i);
      if (c === BACKQUOTE) {
        if (!this.skipQuoted()) return undefined;
        continue;
      }
      if (c === HASH && this.hashComments) {
        this.skipToEol();
        continue;
      }
      if (wordStartCode(c)) {
        // A name, read whole (`x4dnl` is one name; `4dnl` is 4 and dnl).
        const wordStart = this.i;
        if (this.skipWord() - wordStart === 3 && text.startsWith('dnl', wordStart)) {
          this.skipToEol();
          if (this.i < len) this.i++;
        }
        continue;
      }
      if (c === OPEN) depth++;
      else if (c === CLOSE || c === COMMA) {
        if (c === CLOSE && depth > 0) depth--;
        else if (c === COMMA && depth > 0) {
          // a comma inside parentheses belongs to the argument
        } else {
          // The end of an argument: the first is always read when wanted, the others while items are kept.
          if ((count === 0 && wantFirst) || call) {
            const raw = text.slice(argStart, this.i);
            if (count === 0) first = unquote(stripDnl(raw));
            if (call && (count === 0 || this.keep())) {
              const start = this.posAt(argStart);
              // An empty argument still gets a one-character span, at the place it would be.
              const end: Position = this.i > argStart ? this.posAt(this.i) : { line: start.line, column: start.column + 1 };
              call.args.push({ text: count === 0 ? first : unquote(stripDnl(raw)), span: { start, end } });
            }
          }
          // Without a call nothing is kept any more (keep() would only count).
          count++;
          this.i++;
          if (c === CLOSE) return first;
          this.beginArg();
          argStart = this.i;
          continue;
        }
      }
      this.i++;
    }
    const at = this.posAt(open);
    this.doc.problems.push({ message: `unclosed "(" of ${text.slice(nameStart, nameEnd)}: m4 reads to the end of the file`, span: { start: at, end: { line: at.line, column: at.column + 1 } } });
    return undefined;
  }

  /** m4 drops unquoted leading whitespace of each argument (and a dnl eats the rest of its line). */
  private beginArg(): void {
    const text = this.text;
    for (;;) {
      let c = text.charCodeAt(this.i);
      while (c === SPACE || c === TAB || c === NL || c === CR) c = text.charCodeAt(++this.i);
      if (c === 100 && text.startsWith('dnl', this.i) && !wordAt(text, this.i + 3)) {
        this.skipToEol();
        continue;
      }
      return;
    }
  }
}

/** Drops unquoted `dnl` and the rest of its line, as m4 does while it collects an argument. */
export function stripDnl(raw: string): string {
  if (!raw.includes('dnl')) return raw;
  let out = '';
  let depth = 0;
  for (let k = 0; k < raw.length; k++) {
    const c = raw[k]!;
    if (c === '`') depth++;
    else if (c === "'" && depth > 0) depth--;
    else if (depth === 0 && isWordStart(c)) {
      // A name, read whole: only the name dnl drops the rest of its line.
      let end = k;
      while (isWord(raw[end])) end++;
      if (end - k === 3 && raw.startsWith('dnl', k)) {
        const eol = raw.indexOf('\n', k);
        if (eol < 0) break;
        k = eol;
        continue;
      }
      out += raw.slice(k, end);
      k = end - 1;
      continue;
    }
    out += c;
  }
  return out;
}

/** Removes one level of m4 quotes: `` `a'b`c' `` → `abc`. Unquoted text is kept as is. */
/**
 * A define's value as proto.m4 writes it into the cf: the expansion is rescanned, so a value that is
 * itself one quoted string (``define(`confX', ``value'')``, the safe way to write text m4 must not
 * expand) loses that second level of quotes.
 */
export function rescanned(text: string): string {
  if (!text.startsWith('`') || !text.endsWith("'")) return text;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '`') depth++;
    else if (text[i] === "'") {
      depth--;
      if (depth === 0 && i < text.length - 1) return text;
    }
  }
  return depth === 0 ? text.slice(1, -1) : text;
}

export function unquote(raw: string): string {
  // The text between the quotes m4 removes, a piece at a time (not a string per character).
  let out = '';
  let depth = 0;
  let from = 0;
  for (let k = 0; k < raw.length; k++) {
    const c = raw.charCodeAt(k);
    if (c === BACKQUOTE) {
      if (depth === 0) {
        out += raw.slice(from, k);
        from = k + 1;
      }
      depth++;
    } else if (c === 39 && depth > 0) {
      depth--;
      if (depth === 0) {
        out += raw.slice(from, k);
        from = k + 1;
      }
    }
  }
  // A copy: a slice would keep the whole file's text alive in whatever keeps the argument (a finding).
  return detached((out + raw.slice(from)).trim());
}
