import type { SourceFile } from '../core/source.js';
import { grown } from '../core/typed-array.js';
import type { ParseProblem, Span } from '../core/types.js';
import { Joined } from './joined.js';

/** Maps offsets of an entry's text to spans: one line, or several joined ones. */
interface Spanner {
  span(from: number, to: number): Span;
}

/** An entry written on one line: offsets are columns. */
class OneLine implements Spanner {
  constructor(private readonly line: number) {}
  span(from: number, to: number): Span {
    return { start: { line: this.line, column: from + 1 }, end: { line: this.line, column: Math.max(to, from + 1) + 1 } };
  }
}

/** One address on the right-hand side of an alias. Its span is computed when asked for. */
export class AliasTarget {
  constructor(
    /** As written, trimmed. */
    readonly text: string,
    readonly kind: 'address' | 'program' | 'file' | 'include',
    /** Written inside double quotes. */
    readonly quoted: boolean,
    private readonly spanner: Spanner,
    private readonly from: number,
    private readonly to: number,
    /** For programs: the command without the leading `|` (and without quotes). */
    readonly command?: string,
    /** For programs: the first word of the command. */
    readonly program?: string,
    /** For :include: and file targets: the path. */
    readonly path?: string,
  ) {}

  get span(): Span {
    return this.spanner.span(this.from, this.to);
  }
}

const NO_TARGETS: readonly AliasTarget[] = Object.freeze([]);

/**
 * One `name: target, …` entry with its continuation lines. Spans and targets are computed when asked
 * for and not kept: a million-entry file then holds a million small objects, not ten million.
 */
export class AliasEntry {
  constructor(
    /** The text the entry lies in: the file's text, or the joined text of a continued entry. */
    private readonly src: string,
    /** Where the entry starts in `src`. */
    private readonly base: number,
    readonly line: number,
    /** The continued entry's physical lines; undefined when the entry is one line. */
    private readonly joined: Joined | undefined,
    private readonly nameFrom: number,
    private readonly nameTo: number,
    private readonly valueFrom: number,
    private readonly valueTo: number,
  ) {}

  /** The name as written (before the colon, trimmed). */
  get name(): string {
    return this.src.slice(this.base + this.nameFrom, this.base + this.nameTo);
  }

  /** Everything after the colon, continuation lines joined with their leading whitespace kept. */
  get value(): string {
    return this.src.slice(this.base + this.valueFrom, this.base + this.valueTo);
  }

  /** The database key sendmail stores (also in the document's `keys`). */
  get key(): string {
    return aliasKey(this.name);
  }

  get endLine(): number {
    return this.joined?.endLine ?? this.line;
  }

  private get spanner(): Spanner {
    return this.joined ?? new OneLine(this.line);
  }

  get nameSpan(): Span {
    return this.spanner.span(this.nameFrom, Math.max(this.nameTo, this.nameFrom + 1));
  }

  /** The targets, split at top-level commas (computed on each use; cheap, and short-lived). */
  get targets(): AliasTarget[] {
    return splitTargets(this.value, this.spanner, this.valueFrom);
  }

  /**
   * The targets that are not plain addresses: programs, files and :include: lists. Most entries of a
   * large file have none, and a value without `|`, `/` or `:` is not even split.
   */
  get deliveries(): readonly AliasTarget[] {
    // Several rules ask each entry of doc.withDeliveries (kept objects): split its value once.
    this.cachedDeliveries ??= isPlain(this.value) ? NO_TARGETS : this.targets.filter((t) => t.kind !== 'address');
    return this.cachedDeliveries;
  }

  private cachedDeliveries: readonly AliasTarget[] | undefined;

  /** The value holds a carriage return (CRLF file). */
  get hasCR(): boolean {
    return this.value.includes('\r');
  }
}

/**
 * Numbers kept per entry: line, base (-1: in its joined text, kept), nameFrom, nameTo, valueFrom,
 * valueTo, flags (NAME_IS_KEY, KEPT), physical lines. A continued entry whose name and colon are on
 * its first line (nearly all) keeps its base in the file: offsets up to the colon are the same in the
 * joined text, which is made only when the entry is read (`at`).
 */
const STRIDE = 8;
/** Flags: the name is written as its key; the entry's object is kept (`AliasEntries.keep`). */
const NAME_IS_KEY = 1;
const KEPT = 2;

/**
 * The entries of an aliases file, kept as columns of numbers (and the joined text of the few entries
 * that span several lines); an AliasEntry object is made when one is read, and kept only for the few
 * entries that deliver to programs, files and :include: lists. A million-entry file then holds 28 bytes
 * per entry instead of a hundred-odd bytes of objects for the collector to copy.
 */
export class AliasEntries implements Iterable<AliasEntry> {
  /** Room for an entry per line: never too little (an entry starts a line), so never copied to grow. */
  private cols: Int32Array;
  private readonly continued = new Map<number, Joined>();
  /** The entries read once and kept (those of `withDeliveries`), by index. */
  private readonly kept = new Map<number, AliasEntry>();
  length = 0;

  constructor(private readonly file: SourceFile) {
    this.cols = new Int32Array(STRIDE * Math.max(16, file.lineCount));
  }

  /**
   * Adds an entry of `lines` physical lines: `base` is its offset in the file's text, and the offsets
   * after it are in its joined text; with `joined` given, they are in that text and it is kept.
   */
  push(line: number, lines: number, base: number, joined: Joined | undefined, nameFrom: number, nameTo: number, valueFrom: number, valueTo: number, nameIsKey: boolean): void {
    if ((this.length + 1) * STRIDE > this.cols.length) this.cols = grown(this.cols, this.cols.length * 2);
    const at = this.length * STRIDE;
    const c = this.cols;
    c[at] = line;
    // A continued entry lies in its joined text, not the file's: -1 says so without a Map lookup.
    c[at + 1] = joined ? -1 : base;
    c[at + 2] = nameFrom;
    c[at + 3] = nameTo;
    c[at + 4] = valueFrom;
    c[at + 5] = valueTo;
    c[at + 6] = nameIsKey ? NAME_IS_KEY : 0;
    c[at + 7] = lines;
    if (joined) this.continued.set(this.length, joined);
    this.length++;
  }

  /**
   * The entry at index `i` (0-based), or undefined past the end: the same object on every call for a
   * kept entry (one of `withDeliveries`, whose targets are then split once), a new one otherwise.
   */
  at(i: number): AliasEntry | undefined {
    if (i < 0 || i >= this.length) return undefined;
    const c = this.cols;
    const k = i * STRIDE;
    if (c[k + 6]! & KEPT) return this.kept.get(i)!;
    const joined = c[k + 1]! < 0 ? this.continued.get(i) : c[k + 7]! > 1 ? joinLines(this.file, c[k]!, c[k + 7]!) : undefined;
    return new AliasEntry(joined ? joined.text : this.file.text, joined ? 0 : c[k + 1]!, c[k]!, joined, c[k + 2]!, c[k + 3]!, c[k + 4]!, c[k + 5]!);
  }

  /** Keeps the object of entry `i`, so that `at(i)` returns it from now on; returns it. */
  keep(i: number): AliasEntry {
    const e = this.at(i)!;
    this.kept.set(i, e);
    this.cols[i * STRIDE + 6]! |= KEPT;
    return e;
  }

  /** The first line of the entry at index `i` (no object made: for rules that walk every entry). */
  lineAt(i: number): number {
    return this.cols[i * STRIDE]!;
  }

  /** How many physical lines the entry at index `i` spans (1 for nearly all). */
  linesAt(i: number): number {
    return this.cols[i * STRIDE + 7]!;
  }

  /** The name of the entry at index `i` as written. */
  nameAt(i: number): string {
    const c = this.cols;
    const k = i * STRIDE;
    const joined = c[k + 1]! < 0 ? this.continued.get(i) : undefined;
    const base = joined ? 0 : c[k + 1]!;
    return (joined ? joined.text : this.file.text).slice(base + c[k + 2]!, base + c[k + 3]!);
  }

  /** The text the name of entry `i` lies in (the file's, or a continued entry's joined text), and where: [nameStart, nameEnd). */
  nameText(i: number): string {
    return this.cols[i * STRIDE + 1]! < 0 ? this.continued.get(i)!.text : this.file.text;
  }

  nameStart(i: number): number {
    const k = i * STRIDE;
    return Math.max(this.cols[k + 1]!, 0) + this.cols[k + 2]!;
  }

  nameEnd(i: number): number {
    const k = i * STRIDE;
    return Math.max(this.cols[k + 1]!, 0) + this.cols[k + 3]!;
  }

  /** Whether the entry at index `i` writes its name as its key (as nearly all do: lower case, unquoted). */
  nameIsKey(i: number): boolean {
    return (this.cols[i * STRIDE + 6]! & NAME_IS_KEY) !== 0;
  }

  /**
   * For an entry whose name lies on its first line, writes the columns the name spans, [from, to),
   * into `out` at `at` and returns true; false otherwise (use `at(i).nameSpan`). No object is made.
   */
  nameColumns(i: number, out: Int32Array, at: number): boolean {
    const c = this.cols;
    const k = i * STRIDE;
    if (c[k + 1]! < 0) return false;
    out[at] = c[k + 2]! + 1;
    out[at + 1] = Math.max(c[k + 3]!, c[k + 2]! + 1) + 1;
    return true;
  }

  [Symbol.iterator](): Iterator<AliasEntry> {
    let i = 0;
    return { next: () => (i < this.length ? { value: this.at(i++)!, done: false } : { value: undefined, done: true }) };
  }

  filter(keep: (e: AliasEntry) => boolean): AliasEntry[] {
    const out: AliasEntry[] = [];
    for (const e of this) if (keep(e)) out.push(e);
    return out;
  }
}

/** The joined text of `count` physical lines from `first`: a backslash that ends a line (not the last) goes. */
function joinLines(file: SourceFile, first: number, count: number): Joined {
  const joined = new Joined();
  for (let k = first; k < first + count; k++) {
    const physical = file.line(k);
    joined.add(k, k < first + count - 1 && physical.endsWith('\\') ? physical.slice(0, -1) : physical);
  }
  return joined;
}

/**
 * The database key of each entry (`entries.at(i).key`), without a string per entry: nearly every name
 * is written as its key, so the key is read from the name's place in the text when asked for, and only
 * the few other keys (upper case, quoted, with blanks) are kept as strings. A million-entry file then
 * keeps no million strings alive for the collector to copy.
 */
export class AliasKeys implements Iterable<string> {
  /** Keys that differ from their names, by entry index. */
  private readonly others = new Map<number, string>();

  constructor(private readonly entries: AliasEntries) {}

  get length(): number {
    return this.entries.length;
  }

  /** Notes the key of the entry just added, when it is not its name. */
  differs(i: number, key: string): void {
    this.others.set(i, key);
  }

  /** The key of entry `i` (a new string on each call: ask `is`, `lengthOf` or `in` first in a loop over every entry). */
  at(i: number): string {
    return this.entries.nameIsKey(i) ? this.entries.nameAt(i) : (this.others.get(i) ?? '');
  }

  lengthOf(i: number): number {
    const { entries } = this;
    return entries.nameIsKey(i) ? entries.nameEnd(i) - entries.nameStart(i) : (this.others.get(i) ?? '').length;
  }

  /** Whether the key of entry `i` is `key` (no string made). */
  is(i: number, key: string): boolean {
    const { entries } = this;
    if (!entries.nameIsKey(i)) return this.others.get(i) === key;
    const start = entries.nameStart(i);
    return entries.nameEnd(i) - start === key.length && entries.nameText(i).startsWith(key, start);
  }

  /** Whether the key of entry `i` is one of `set` (compared in place with the set's keys of its length: no string made). */
  in(i: number, set: KeySet): boolean {
    const candidates = set.ofLength(this.lengthOf(i));
    if (candidates === undefined) return false;
    for (let k = 0; k < candidates.length; k++) if (this.is(i, candidates[k]!)) return true;
    return false;
  }

  *[Symbol.iterator](): Iterator<string> {
    for (let i = 0; i < this.length; i++) yield this.at(i);
  }
}

/** A small set of alias keys to test entries against (`AliasKeys.in`), grouped by length. */
export class KeySet {
  /** The keys by length (an array lookup per entry, not a hash). */
  private readonly byLength: (string[] | undefined)[] = [];

  constructor(keys: Iterable<string>) {
    for (const k of new Set(keys)) (this.byLength[k.length] ??= []).push(k);
  }

  /** The keys of length `n`, or undefined when there is none. */
  ofLength(n: number): readonly string[] | undefined {
    return this.byLength[n];
  }
}

/** A line sendmail reads as part of no entry. */
export interface AliasOrphan {
  line: number;
  span: Span;
  /**
   * `after-comment`: silently dropped; `after-blank` / `at-start`: newaliases complains and exits 70;
   * `joined-to-comment`: the comment line before ends in a backslash, so this line became part of it.
   */
  reason: 'after-comment' | 'after-blank' | 'at-start' | 'joined-to-comment';
}

export interface AliasesDocument {
  kind: 'aliases';
  file: SourceFile;
  entries: AliasEntries;
  /** `entries.at(i).key`, by index: rules that look only at names walk this, not the entries. */
  keys: AliasKeys;
  /** The entries with a program, file or :include: target (few, in a large file); `entries.at(i)` returns these same objects. */
  withDeliveries: AliasEntry[];
  /** Lines without a colon (a lone CR included): skipped by sendmail with "missing colon". */
  missingColon: { line: number; span: Span }[];
  /** Entries with nothing after the colon: skipped with "missing value for alias". */
  emptyValue: { name: string; line: number; span: Span }[];
  orphans: AliasOrphan[];
  problems: ParseProblem[];
}


/**
 * Reads an aliases file the way sendmail's readaliases() does (FORMATS.md §6): `#` lines and empty
 * lines are skipped; a line starting with a space or TAB right after an entry continues it; a
 * backslash before the newline joins the next line; a continuation after a comment is lost. A line
 * holding only a CR is not empty to sendmail: it is an entry line without a colon.
 */
export function parseAliases(file: SourceFile): AliasesDocument {
  const entries = new AliasEntries(file);
  const doc: AliasesDocument = { kind: 'aliases', file, entries, keys: new AliasKeys(entries), withDeliveries: [], missingColon: [], emptyValue: [], orphans: [], problems: [] };
  // Single-line entries (nearly all of a large file) are read in place in the file's text, by offsets,
  // so no string is made for a line; only the key is cut out, since it is kept.
  const text = file.text;
  const size = text.length;
  /** End of the line starting at `at` (the offset of its newline, or the end of the text). */
  const endOf = (at: number): number => {
    const nl = text.indexOf('\n', at);
    return nl < 0 ? size : nl;
  };
  // Where the next colon, quote, backslash, `|` and `/` are: found by the engine's own search and
  // kept while they lie ahead, so the searches of a whole part read its text about once per character.
  const colons = new NextOf(text, ':');
  const quotes = new NextOf(text, '"');
  const backslashes = new NextOf(text, '\\');
  const pipes = new NextOf(text, '|');
  const slashes = new NextOf(text, '/');
  /** The colon that ends a name in text[from, to) (see findNameColon). */
  const colonIn = (from: number, to: number): number => {
    const colon = colons.from(from);
    return colon < to && quotes.from(from) > colon && backslashes.from(from) > colon ? colon : findNameColon(text, from, to);
  };
  // A later part of a large file starts with an entry line (aliasesCut), where nothing before matters.
  let previous: 'entry' | 'comment' | 'blank' | 'start' = file.firstLine === 1 ? 'start' : 'entry';
  let lineNo = file.firstLine;
  let at = 0;
  while (at < size) {
    let end = endOf(at);
    const c = at < end ? text.charCodeAt(at) : -1;
    if (c === 35 /* # */ || c === -1) {
      previous = c === -1 ? 'blank' : 'comment';
      // The backslash join comes before the comment test in readaliases(): a comment ending in `\`
      // swallows the next line, entry or not (measured with newaliases and sendmail -bv).
      while (c === 35 && text.charCodeAt(end - 1) === 92 /* \\ */ && end + 1 < size) {
        at = end + 1;
        lineNo++;
        end = endOf(at);
        doc.orphans.push({ line: lineNo, span: file.lineSpan(lineNo), reason: 'joined-to-comment' });
      }
      at = end + 1;
      lineNo++;
      continue;
    }
    if (c === 32 || c === 9) {
      // Not consumed by an entry: sendmail drops it.
      let reason: AliasOrphan['reason'] = previous === 'comment' ? 'after-comment' : previous === 'blank' ? 'after-blank' : 'at-start';
      do {
        doc.orphans.push({ line: lineNo, span: file.lineSpan(lineNo), reason });
        reason = 'after-comment';
        at = end + 1;
        lineNo++;
        end = endOf(at);
      } while (at < size && (text.charCodeAt(at) === 32 || text.charCodeAt(at) === 9));
      continue;
    }
    // The logical entry: a backslash before the newline joins the next line, and lines starting with
    // a blank continue it.
    const first = lineNo;
    const from0 = at;
    const to0 = end;
    // Characters the joined text lacks: the newlines between the lines, and backslashes that end a line.
    let dropped = 0;
    while (end + 1 < size && (text.charCodeAt(end - 1) === 92 /* \\ */ || text.charCodeAt(end + 1) === 32 || text.charCodeAt(end + 1) === 9)) {
      dropped += text.charCodeAt(end - 1) === 92 ? 2 : 1;
      end = endOf(end + 1);
      lineNo++;
    }
    at = end + 1;
    lineNo++;
    previous = 'entry';
    let src = text;
    let from = from0;
    let to = to0;
    let logical: Joined | undefined;
    let colon = -1;
    if (lineNo - first > 1) {
      // Read in place when the colon is on the first line and the value is not empty (nearly always):
      // up to the colon the joined text is the first line, and its length is known.
      const onFirst = colonIn(from0, to0);
      if (onFirst >= 0 && !blankValue(text, onFirst + 1, end)) {
        colon = onFirst;
        to = from0 + (end - from0 - dropped);
      } else {
        logical = joinLines(file, first, lineNo - first);
        src = logical.text;
        from = 0;
        to = src.length;
      }
    }
    if (colon < 0) colon = logical ? findNameColon(src, from, to) : colonIn(from, to);
    if (colon < 0) {
      doc.missingColon.push({ line: first, span: file.lineSpan(first) });
      continue;
    }
    let nameFrom = from;
    let nameTo = colon;
    while (nameFrom < nameTo && isSpace(src.charCodeAt(nameFrom))) nameFrom++;
    while (nameTo > nameFrom && isSpace(src.charCodeAt(nameTo - 1))) nameTo--;
    // Read in place over several lines, `src` is not the joined text past the first line; the value is known not to be empty.
    const inPlace = lineNo - first > 1 && !logical;
    let valueAt = colon + 1;
    while (!inPlace && valueAt < to && isSpace(src.charCodeAt(valueAt))) valueAt++;
    if (!inPlace && valueAt === to) {
      const spanner: Spanner = logical ?? new OneLine(first);
      doc.emptyValue.push({ name: src.slice(nameFrom, nameTo), line: first, span: spanner.span(nameFrom - from, Math.max(nameTo, nameFrom + 1) - from) });
      continue;
    }
    // Nearly every name is its own key: then no string is made for it at all.
    const key = isOwnKey(src, nameFrom, nameTo) ? undefined : aliasKey(src.slice(nameFrom, nameTo));
    const nameIsKey = key === undefined || key === src.slice(nameFrom, nameTo);
    doc.entries.push(first, lineNo - first, from, logical, nameFrom - from, nameTo - from, colon + 1 - from, to - from, nameIsKey);
    if (!nameIsKey) doc.keys.differs(doc.entries.length - 1, key);
    // In place, the value's raw text also holds newlines and the backslashes the join drops: neither counts.
    const delivers = logical ? hasDeliveryChar(src, colon + 1, to) : Math.min(pipes.from(colon + 1), slashes.from(colon + 1), colons.from(colon + 1)) < end;
    if (delivers) doc.withDeliveries.push(doc.entries.keep(doc.entries.length - 1));
  }
  return doc;
}

/**
 * Where a large aliases file may be cut into parts that parse as the whole file does: the offset of
 * the last line start in `bytes` (the file's UTF-8) whose line begins an entry (not a blank, TAB,
 * `#`, CR or empty line) and whose previous line does not end in a backslash; -1 when there is none.
 * Newlines before `from` are not looked at (they were, in a shorter window). Such a line starts an
 * entry whatever came before, so the part from it parses alone. The bytes looked at are ASCII, which
 * never occurs inside a multi-byte UTF-8 character.
 */
export function aliasesCut(bytes: Uint8Array, from: number): number {
  for (let nl = bytes.lastIndexOf(10); nl >= from && nl > 0; nl = bytes.lastIndexOf(10, nl - 1)) {
    if (nl + 1 >= bytes.length) continue;
    const c = bytes[nl + 1];
    if (c === 32 || c === 9 || c === 35 || c === 10 || c === 13) continue;
    if (bytes[nl - 1] === 92 /* \\ */) continue;
    return nl + 1;
  }
  return -1;
}

/**
 * The next occurrence of a character at or after a position, for positions that never go back: the
 * last answer is kept while it lies ahead, so all the searches together read the text once.
 */
class NextOf {
  private at = -1;

  constructor(
    private readonly text: string,
    private readonly char: string,
  ) {}

  /** The offset of the first occurrence at or after `pos`; the text's length when there is none. */
  from(pos: number): number {
    if (this.at < pos) {
      const k = this.text.indexOf(this.char, pos);
      this.at = k < 0 ? this.text.length : k;
    }
    return this.at;
  }
}

/** Whether `s[from, to)` holds `|`, `/` or `:` (a program, a file or an :include: may be among the targets). */
function hasDeliveryChar(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 124 || c === 47 || c === 58) return true;
  }
  return false;
}

/** Whether `s[from, to)` is only blanks, newlines and backslashes that end a line (an empty value once joined). */
function blankValue(s: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if (isSpace(c) || (c === 92 && s.charCodeAt(k + 1) === 10)) continue;
    return false;
  }
  return true;
}

/** A value without `|`, `/` or `:` holds only plain addresses. */
function isPlain(value: string): boolean {
  return !hasDeliveryChar(value, 0, value.length);
}



/** Whether the name `s[from, to)` is its own key for sure: not quoted, no blank, nothing to lower-case (ASCII). */
function isOwnKey(s: string, from: number, to: number): boolean {
  if (s.charCodeAt(from) === 34 /* " */) return false;
  for (let k = from; k < to; k++) {
    const c = s.charCodeAt(k);
    if ((c >= 65 && c <= 90) || c === 32 || c === 9 || c >= 128) return false;
  }
  return true;
}

/** The database key: lower-case; blanks outside quotes become `.` as with BlankSub. */
export function aliasKey(name: string): string {
  // A quoted name keeps its quotes only when it needs them (measured: `"decode"` is stored as decode,
  // `"Quoted Name"` as "quoted name").
  if (name.charCodeAt(0) === 34 /* " */) return /^"[^\s"]*"$/.test(name) ? name.slice(1, -1).toLowerCase() : name.toLowerCase();
  if (name.indexOf(' ') >= 0 || name.indexOf('\t') >= 0) return name.toLowerCase().replace(/[ \t]+/g, '.');
  // toLowerCase makes a new string even when nothing changes, and keys are kept for a whole part.
  for (let k = 0; k < name.length; k++) {
    const c = name.charCodeAt(k);
    if ((c >= 65 && c <= 90) || c >= 128) return name.toLowerCase();
  }
  return name;
}

/** Index of the colon that ends the name in `s[from, to)` (a colon inside a quoted name does not count), or -1. */
function findNameColon(s: string, from = 0, to = s.length): number {
  let k = from;
  for (; k < to; k++) {
    const c = s.charCodeAt(k);
    if (c === 58 /* : */) return k;
    if (c === 34 /* " */ || c === 92 /* \\ */) break;
  }
  let quoted = false;
  for (; k < to; k++) {
    const c = s[k];
    if (c === '"') quoted = !quoted;
    else if (c === '\\') k++;
    else if (c === ':' && !quoted) return k;
  }
  return -1;
}

/** Splits the value at commas that are outside quotes, angle brackets and parentheses. */
function splitTargets(value: string, spanner: Spanner, base: number): AliasTarget[] {
  const out: AliasTarget[] = [];
  const flush = (start: number, end: number): void => {
    let a = start;
    let b = end;
    while (a < b && isSpace(value.charCodeAt(a))) a++;
    while (b > a && isSpace(value.charCodeAt(b - 1))) b--;
    if (b > a) out.push(classifyTarget(value.slice(a, b), spanner, base + a, base + b));
  };
  if (!/["<(\\]/.test(value)) {
    let start = 0;
    for (let comma = value.indexOf(','); comma >= 0; comma = value.indexOf(',', start)) {
      flush(start, comma);
      start = comma + 1;
    }
    flush(start, value.length);
    return out;
  }
  let quoted = false;
  let angle = 0;
  let paren = 0;
  let start = 0;
  for (let k = 0; k < value.length; k++) {
    const c = value.charCodeAt(k);
    if (c === 92 /* \\ */) {
      k++;
    } else if (c === 34 /* " */) {
      quoted = !quoted;
    } else if (!quoted) {
      if (c === 60 /* < */) angle++;
      else if (c === 62 /* > */ && angle > 0) angle--;
      else if (c === 40 /* ( */) paren++;
      else if (c === 41 /* ) */ && paren > 0) paren--;
      else if (c === 44 /* , */ && angle === 0 && paren === 0) {
        flush(start, k);
        start = k + 1;
      }
    }
  }
  flush(start, value.length);
  return out;
}

/** Space, TAB, CR, LF and the other ASCII blanks. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function classifyTarget(text: string, spanner: Spanner, from: number, to: number): AliasTarget {
  const first = text.charCodeAt(0);
  // Plain addresses (the bulk of any aliases file) need no further look.
  if (first !== 34 /* " */ && first !== 124 /* | */ && first !== 58 /* : */ && first !== 47 /* / */) return new AliasTarget(text, 'address', false, spanner, from, to);
  const quoted = text.length >= 2 && first === 34 && text.endsWith('"');
  const unquoted = quoted ? text.slice(1, -1) : text;
  const inner = (unquoted.includes('\r') ? unquoted.replace(/\r/g, '') : unquoted).trim();
  if (inner.charCodeAt(0) === 124 /* | */) {
    const command = inner.slice(1).trim();
    const blank = command.search(/[ \t]/);
    const program = blank < 0 ? command : command.slice(0, blank);
    return new AliasTarget(text, 'program', quoted, spanner, from, to, command, program);
  }
  const include = /^:include:\s*(.*)$/i.exec(inner);
  if (include) return new AliasTarget(text, 'include', quoted, spanner, from, to, undefined, undefined, include[1]!.trim());
  if (inner.startsWith('/')) return new AliasTarget(text, 'file', quoted, spanner, from, to, undefined, undefined, inner);
  return new AliasTarget(text, 'address', quoted, spanner, from, to);
}
