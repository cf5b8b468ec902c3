import type { SourceFile } from '../core/source.js';
import { grown } from '../core/typed-array.js';
import type { ParseProblem, Position, Span } from '../core/types.js';

/**
 * A daemontools or runit `run` script that starts qmail-smtpd under tcpserver, read as /bin/sh reads
 * it as far as the rules need: words with their quoting, parameter and command substitutions,
 * comments, line continuations, redirections and here-documents, commands split at newlines and
 * `; & | ( )`. Control structures are not modelled: `if [ … ]; then` is two commands like any other.
 * The tcpserver command line is read with tcpserver's own option syntax (ucspi-tcp 0.88 getopt:
 * flags may be grouped, an option's argument may be attached, the first word that is no option ends
 * them, the last of repeated options wins).
 */

/** A piece of a word: literal text, `$NAME`/`${NAME}`, or a command substitution. */
export type WordPart =
  | { type: 'text'; text: string; quoted: boolean }
  | { type: 'param'; name: string; quoted: boolean; /** `${NAME:-x}` and the like: not a plain value. */ modified: boolean }
  | { type: 'command'; text: string; quoted: boolean };

/**
 * Offsets of a script's text to lines and columns, as the lexer counts them: every newline starts a
 * line (also a final one). Kept as a typed array, one number a line; asked in increasing order (a
 * command's line), a cursor answers without a search.
 */
export class ScriptPositions {
  private starts: Uint32Array;
  private count = 1;
  private cursor = 0;

  constructor(readonly text: string) {
    let starts = new Uint32Array(Math.max(16, Math.ceil(text.length / 32)));
    for (let k = text.indexOf('\n'); k >= 0; k = text.indexOf('\n', k + 1)) {
      if (this.count === starts.length) starts = grown(starts, starts.length * 2);
      starts[this.count++] = k + 1;
    }
    this.starts = starts;
  }

  /** The index of the line holding `offset` (0-based). */
  private index(offset: number): number {
    const starts = this.starts;
    let c = this.cursor;
    if (starts[c]! <= offset) {
      // Forward from the last answer: a few steps when offsets come in order, else a search.
      for (let step = 0; step < 8; step++) {
        if (c + 1 >= this.count || starts[c + 1]! > offset) return (this.cursor = c);
        c++;
      }
    }
    let lo = 0;
    let hi = this.count - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return (this.cursor = lo);
  }

  /** The 1-based line of an offset. */
  line(offset: number): number {
    return this.index(offset) + 1;
  }

  pos(offset: number): Position {
    const i = this.index(offset);
    return { line: i + 1, column: offset - this.starts[i]! + 1 };
  }

  /** The span of the text from `from` to `to` (at least one character). */
  span(from: number, to: number): Span {
    const start = this.pos(from);
    const end = this.pos(Math.max(to, from + 1));
    // A span that would cross into the next line (a word ending at a newline) ends on its own line.
    return end.line > start.line && end.column === 1 ? { start, end: { line: start.line, column: start.column + 1 } } : { start, end };
  }
}

/**
 * A word of the script. Most words are plain (one run of unquoted text, as written): such a word keeps
 * only its offsets, and its text, parts and span are made when asked. Other words are KeptWords.
 */
export class ShellWord {
  constructor(
    protected readonly at: ScriptPositions,
    /** Offsets of the word in the script's text. */
    readonly start: number,
    readonly end: number,
  ) {}

  /** The word as written, quotes included. */
  get raw(): string {
    return this.at.text.slice(this.start, this.end);
  }

  get parts(): WordPart[] {
    return [{ type: 'text', text: this.raw, quoted: false }];
  }

  /** Whether the word is one unquoted text part equal to its raw text. */
  get plain(): boolean {
    return true;
  }

  get span(): Span {
    return this.at.span(this.start, this.end);
  }

  /** A word made from this one, with its own parts, text and span (undefined parts: plain). */
  made(parts: WordPart[] | undefined, raw: string, span: Span): ShellWord {
    return new KeptWord(this.at, this.start, this.end, parts, raw, span);
  }

  /** What is left of a plain word after its first `n` characters (`NAME=value`'s value, `-u7770`'s argument). */
  after(n: number): ShellWord {
    // A plain word of the script is on one line: its offsets give the span of what is left.
    if (this.start + n < this.end) return new ShellWord(this.at, this.start + n, this.end);
    const span = this.span;
    return this.made([], '', { start: { line: span.start.line, column: span.start.column + n }, end: span.end });
  }
}

/** A word with quotes or expansions, or one made from another word: its parts kept, and its text and span when they are not those of its offsets. */
class KeptWord extends ShellWord {
  constructor(
    at: ScriptPositions,
    start: number,
    end: number,
    /** The parts, or undefined for a plain word (one unquoted text part, the raw text). */
    private readonly partsKept: WordPart[] | undefined,
    private readonly rawKept?: string,
    private readonly spanKept?: Span,
  ) {
    super(at, start, end);
  }

  override get raw(): string {
    return this.rawKept ?? this.at.text.slice(this.start, this.end);
  }

  override get parts(): WordPart[] {
    return this.partsKept ?? [{ type: 'text', text: this.raw, quoted: false }];
  }

  override get plain(): boolean {
    return this.partsKept === undefined;
  }

  /** Whether its text and span are those of its offsets in the script (a word the lexer read). */
  get own(): boolean {
    return this.rawKept === undefined && this.spanKept === undefined;
  }

  override get span(): Span {
    return this.spanKept ?? this.at.span(this.start, this.end);
  }

  override after(n: number): ShellWord {
    const rest = this.raw.slice(n);
    const span = this.span;
    return this.made(rest === '' ? [] : undefined, rest, { start: { line: span.start.line, column: span.start.column + n }, end: span.end });
  }
}

/**
 * What is left of a word of the script after its first `shift` characters, with its own parts: the
 * value of `NAME="…"`, an option's attached argument. Its text and span are the word's, shifted.
 */
class ShiftedWord extends ShellWord {
  constructor(
    at: ScriptPositions,
    start: number,
    end: number,
    readonly shift: number,
    private readonly partsKept: WordPart[],
  ) {
    super(at, start, end);
  }

  override get raw(): string {
    return this.at.text.slice(this.start, this.end).slice(this.shift);
  }

  override get parts(): WordPart[] {
    return this.partsKept;
  }

  override get plain(): boolean {
    return false;
  }

  override get span(): Span {
    const span = this.at.span(this.start, this.end);
    return { start: { line: span.start.line, column: span.start.column + this.shift }, end: span.end };
  }

  override after(n: number): ShellWord {
    const rest = this.raw.slice(n);
    const span = this.span;
    return this.made(rest === '' ? [] : undefined, rest, { start: { line: span.start.line, column: span.start.column + n }, end: span.end });
  }
}

/** A word after its first `n` characters, with the parts given: shifted when it is the script's text, else made whole. */
function shifted(w: ShellWord, n: number, parts: WordPart[]): ShellWord {
  if (w instanceof ShiftedWord) return new ShiftedWord(w['at'], w.start, w.end, w.shift + n, parts);
  if (!(w instanceof KeptWord) || w.own) return new ShiftedWord(w['at'], w.start, w.end, n, parts);
  const span = w.span;
  return w.made(parts, w.raw.slice(n), { start: { line: span.start.line, column: span.start.column + n }, end: span.end });
}

/** A word the lexer read: plain, or with its parts. */
function lexedWord(at: ScriptPositions, start: number, end: number, parts: WordPart[] | undefined): ShellWord {
  return parts === undefined ? new ShellWord(at, start, end) : new KeptWord(at, start, end, parts);
}

export class ShellCommand {
  constructor(
    readonly words: ShellWord[],
    readonly line: number,
  ) {}

  /** From the start of its first word to the end of its last. */
  get span(): Span {
    return { start: this.words[0]!.span.start, end: this.words[this.words.length - 1]!.span.end };
  }
}

/** `NAME=value`, standing alone or after export/readonly/local (one before a command is in that command's `env`). */
export interface ShellAssignment {
  name: string;
  value: ShellWord;
  line: number;
  /** Exported by this very command (`export NAME=value`). */
  exported: boolean;
}

export class TcpserverOption {
  /** The argument of an option that takes one (`-u 7770`, `-u7770`). */
  readonly arg?: ShellWord;

  constructor(
    readonly letter: string,
    /** The word the option stands in, and the letter's index in it. */
    private readonly word: ShellWord,
    private readonly k: number,
    arg?: ShellWord,
  ) {
    if (arg) this.arg = arg;
  }

  /** `-u` for the first letter of a word, the letter alone in a group (`-vRu`). */
  get span(): Span {
    const start = this.word.span.start;
    const k = this.k;
    return { start: { line: start.line, column: start.column + (k === 1 ? 0 : k) }, end: { line: start.line, column: start.column + k + 1 } };
  }
}

/**
 * The listeners that can start qmail-smtpd. sslserver (ucspi-ssl) takes tcpserver's options and is
 * read as tcpserver; tcpsvd (ipsvd) and s6-tcpserver have options of their own (`-u` a user name in
 * tcpsvd, rules through `-i`/`-x` in tcpsvd and through s6-tcpserver-access in s6).
 */
export type ServerName = 'tcpserver' | 'sslserver' | 'tcpsvd' | 's6-tcpserver';

/** One command line that starts tcpserver (or another listener: see `server`). */
export interface TcpserverCall {
  /** Which listener: `doc.tcpservers` holds tcpserver and sslserver, `doc.otherServers` the others. */
  server: ServerName;
  command: ShellCommand;
  /** The tcpserver word. */
  word: ShellWord;
  /** Words before tcpserver: exec, softlimit, envuidgid, envdir, … */
  wrappers: ShellWord[];
  options: TcpserverOption[];
  /** An option word could not be read (an expansion the script does not define): absent options prove nothing. */
  opaque: boolean;
  /** Words after the options: host, port, then the program and its arguments. */
  rest: ShellWord[];
  /** Whether the program words run qmail-smtpd (directly or through wrappers such as rblsmtpd). */
  smtpd: boolean;
  /** `envuidgid USER` or `chpst -U USER` before tcpserver: sets $UID and $GID for -U. */
  envuidgid?: ShellWord;
  /** `setuidgid USER` or `chpst -u USER` before tcpserver: tcpserver itself runs as USER. */
  setuidgid?: ShellWord;
  /** `envdir DIR` (or `chpst -e DIR`) before tcpserver. */
  envdirs: ShellWord[];
  /** Variables put into tcpserver's environment on its own command line (prefix assignments, `env NAME=value`). */
  env: ReadonlyMap<string, ShellWord>;
}

/** From how many characters a word with parts, read again when asked, is kept once read. */
const REREAD = 64;

/**
 * The assignments of a script, in the order of the script, kept as numbers: the assigning word's
 * offsets, its line and whether it exported the variable, and the name (one string per name). The
 * assignment and its value word are made when asked (`at(k)`); a word with quotes or expansions is
 * read again from the text for its parts.
 */
export class AssignmentList {
  /** Per assignment: the word's start and end, its line, and flags (1: exported, 2: a plain word). */
  private starts = new Int32Array(64);
  private ends = new Int32Array(64);
  private lines = new Int32Array(64);
  private flags = new Uint8Array(64);
  private readonly names: string[] = [];
  /** One string per variable name. */
  private readonly interned = new Map<string, string>();
  /** The assignments of long words with parts, made once. */
  private readonly long = new Map<number, ShellAssignment>();
  length = 0;

  constructor(
    private readonly positions: ScriptPositions,
    /** The parts of the word at an offset, read again from the text. */
    private readonly partsAt: (start: number) => WordPart[] | undefined,
  ) {}

  /** Notes the assignment that word `w` (of the script, `NAME=value`) makes. */
  add(w: ShellWord, name: string, line: number, exported: boolean): void {
    const k = this.length++;
    if (k === this.starts.length) {
      const size = k * 2;
      this.starts = grown(this.starts, size);
      this.ends = grown(this.ends, size);
      this.lines = grown(this.lines, size);
      this.flags = grown(this.flags, size);
    }
    this.starts[k] = w.start;
    this.ends[k] = w.end;
    this.lines[k] = line;
    this.flags[k] = (exported ? 1 : 0) | (w.plain ? 2 : 0);
    let own = this.interned.get(name);
    if (own === undefined) this.interned.set(name, (own = name));
    this.names.push(own);
  }

  name(k: number): string {
    return this.names[k]!;
  }

  line(k: number): number {
    return this.lines[k]!;
  }

  /** The `k`th assignment, made now (a long word with parts is read again once, then kept). */
  at(k: number): ShellAssignment {
    const start = this.starts[k]!;
    const end = this.ends[k]!;
    const plain = (this.flags[k]! & 2) !== 0;
    // A long value read by many lines would be read again for each of them: at most one per REREAD bytes is kept.
    const long = !plain && end - start > REREAD;
    const kept = long ? this.long.get(k) : undefined;
    if (kept) return kept;
    const w = plain ? new ShellWord(this.positions, start, end) : lexedWord(this.positions, start, end, this.partsAt(start));
    const a = { name: this.names[k]!, value: assignmentOf(w)!.value, line: this.lines[k]!, exported: (this.flags[k]! & 1) !== 0 };
    if (long) this.long.set(k, a);
    return a;
  }
}

export interface QmailRunDocument {
  kind: 'qmail-run';
  file: SourceFile;
  /**
   * Every command, only when asked for (`parseQmailRun(file, { commands: true })`): a large script
   * keeps only the commands its parts below hold.
   */
  commands?: ShellCommand[];
  /** The commands whose first word is `ulimit`. */
  ulimits: ShellCommand[];
  assignments: AssignmentList;
  tcpservers: TcpserverCall[];
  /** Listeners whose options are not tcpserver's (tcpsvd, s6-tcpserver), read with their own option syntax. */
  otherServers: TcpserverCall[];
  /** Commands that test control/rcpthosts (`[ ! -f /var/qmail/control/rcpthosts ]`) or print Life with qmail's refusal. */
  rcpthostsGuards: ShellCommand[];
  /** The line of the first `export NAME` (or `export NAME=…`) of each variable. */
  exports: Map<string, number>;
  problems: ParseProblem[];
}

/** tcpserver options that take an argument (ucspi-tcp 0.88, plus -I of the IPv6 patch). */
const ARG_OPTIONS = new Set(['c', 'x', 'B', 'g', 'u', 'b', 'l', 't', 'I']);

/** The options with an argument of each listener (tcpsvd(8) of ipsvd 1.0; s6-tcpserver of s6-networking 2.5). */
const SERVER_ARG_OPTIONS: Readonly<Record<ServerName, ReadonlySet<string>>> = {
  tcpserver: ARG_OPTIONS,
  sslserver: ARG_OPTIONS,
  tcpsvd: new Set(['c', 'C', 'b', 'u', 'l', 'i', 'x', 't']),
  's6-tcpserver': new Set(['c', 'C', 'b', 'g', 'u', 'G', 'v']),
};

/** The listener a program name starts (s6-tcpserver4 and s6-tcpserver6 are s6-tcpserver). */
function serverOf(name: string): ServerName | undefined {
  if (name === 'tcpserver' || name === 'sslserver' || name === 'tcpsvd') return name;
  return /^s6-tcpserver[46]?$/.test(name) ? 's6-tcpserver' : undefined;
}

/** Programs that run the rest of their command line (with their own options) and may stand before tcpserver. */
const WRAPPERS = new Set(['exec', 'softlimit', 'envuidgid', 'setuidgid', 'envdir', 'env', 'chpst', 'nice', 'nohup', 'argv0', 'setlock', 'pgrphack', 'fghack', 'ionice', 'taskset', 'time', 'command']);

/** Character classes of the lexer, by character code below 128 (any other character is ordinary). */
const ORDINARY = 0;
/** Words a line of a text file separates: blanks and the shell's operators. */
const BREAK = 1;
/** Characters that start something inside an unquoted word. */
const SPECIAL = 2;
const CLASS = new Uint8Array(128);
for (const c of ' \t\r\n;&|()<>') CLASS[c.charCodeAt(0)] = BREAK;
for (const c of '\\\'"`$') CLASS[c.charCodeAt(0)] = SPECIAL;
/** Characters that end a run of text inside double quotes. */
const QUOTED_SPECIAL = new Set(['"', '\\', '$', '`']);

/** The class of the character at `i` (a break past the end). */
function classAt(t: string, i: number): number {
  const c = t.charCodeAt(i);
  return c < 128 ? CLASS[c]! : c === c ? ORDINARY : BREAK;
}

/** Where a pattern occurs in a text, every start (overlapping ones too), read in order of offset. */
class Occurrences {
  private readonly at: number[] = [];
  private next = 0;

  constructor(text: string, pattern: RegExp) {
    const re = new RegExp(pattern.source, `${pattern.flags.replace('g', '')}g`);
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      this.at.push(m.index);
      re.lastIndex = m.index + 1;
    }
  }

  /** Whether one starts in [from, to); `from` must not decrease from one call to the next. */
  within(from: number, to: number): boolean {
    while (this.next < this.at.length && this.at[this.next]! < from) this.next++;
    return this.next < this.at.length && this.at[this.next]! < to;
  }
}

const REFUSING = /Refusing to start SMTP listener/i;

export interface ParseRunOptions {
  /** Keep every command in `doc.commands` (a log/run script, apply): lint keeps only those the rules read. */
  commands?: boolean;
}

export function parseQmailRun(file: SourceFile, options: ParseRunOptions = {}): QmailRunDocument {
  const lexer = new Lexer(file, [], () => {});
  const doc: QmailRunDocument = { kind: 'qmail-run', file, ulimits: [], assignments: new AssignmentList(lexer.at, (start) => lexer.partsAt(start)), tcpservers: [], otherServers: [], rcpthostsGuards: [], exports: new Map(), problems: [] };
  if (options.commands) doc.commands = [];
  const exported = (name: string, line: number): void => {
    if (!doc.exports.has(name)) doc.exports.set(name, line);
  };
  // What a command must hold to test rcpthosts or print Life with qmail's refusal, found in the whole text once.
  const refusing = new Occurrences(file.text, REFUSING);
  const rcpthosts = new Occurrences(file.text, /rcpthosts/);
  // Each command is read as the lexer ends it, in the order of the script, and kept only where the document needs it.
  const command = (c: ShellCommand): void => {
    doc.commands?.push(c);
    const first = literal(c.words[0]!);
    if (first === 'ulimit') doc.ulimits.push(c);
    if ((first === 'export' || first === 'readonly' || first === 'local' || first === 'declare' || first === 'typeset') && c.words.length > 1) {
      for (const w of c.words.slice(1)) {
        const a = assignmentOf(w);
        if (a) doc.assignments.add(w, a.name, c.line, first === 'export');
        const plain = literal(w);
        if (first === 'export' && plain !== undefined && /^[A-Za-z_]\w*$/.test(plain)) exported(plain, c.line);
        if (first === 'export' && a) exported(a.name, c.line);
      }
      return;
    }
    let k = 0;
    const prefix: ShellAssignment[] = [];
    for (; k < c.words.length; k++) {
      const a = assignmentOf(c.words[k]!);
      if (!a) break;
      prefix.push({ name: a.name, value: a.value, line: c.line, exported: false });
    }
    // Assignments alone set shell variables; before a command they go into its environment only.
    if (k === c.words.length) for (let j = 0; j < k; j++) doc.assignments.add(c.words[j]!, prefix[j]!.name, c.line, false);
    const from = c.words[0]!.start;
    const to = c.words[c.words.length - 1]!.end;
    if ((refusing.within(from, to) || rcpthosts.within(from, to)) && isRcpthostsGuard(c)) doc.rcpthostsGuards.push(c);
    const call = tcpserverCall(doc, c, k);
    if (call) {
      for (const a of prefix) setEnv(call, a.name, a.value);
      (call.server === 'tcpserver' || call.server === 'sslserver' ? doc.tcpservers : doc.otherServers).push(call);
    }
  };
  new Lexer(file, doc.problems, command, lexer.at).run();
  return doc;
}

/** No variables: the env of most calls, never written (setEnv gives a call its own map first). */
const NO_ENV: ReadonlyMap<string, ShellWord> = new Map();

/** No words: the envdirs and wrappers of most calls, never written (addEnvdir gives a call its own array first). */
const NO_WORDS: ShellWord[] = [];

/** No options: those of a call without any, shared (never written after the parse). */
const NO_OPTIONS: TcpserverOption[] = [];

function addEnvdir(call: TcpserverCall, w: ShellWord): void {
  if (call.envdirs === NO_WORDS) call.envdirs = [];
  call.envdirs.push(w);
}

function setEnv(call: TcpserverCall, name: string, value: ShellWord): void {
  if (call.env === NO_ENV) call.env = new Map();
  (call.env as Map<string, ShellWord>).set(name, value);
}

/**
 * The value a variable has in the environment of the command on `line`: its last assignment
 * before that line, when that assignment exported it or an `export NAME` came before the line.
 */
export function environmentValue(doc: QmailRunDocument, name: string, line: number): ShellWord | undefined {
  const a = lastAssignment(doc, name, line);
  if (!a) return undefined;
  const exportLine = doc.exports.get(name);
  return a.exported || (exportLine !== undefined && exportLine < line) ? a.value : undefined;
}

/** The text of a word without expansions, or undefined when it has one. */
export function literal(w: ShellWord): string | undefined {
  if (w.plain) return w.raw;
  let s = '';
  for (const p of w.parts) {
    if (p.type !== 'text') return undefined;
    s += p.text;
  }
  return s;
}

/** What a word stands for, as far as the script says. */
export type Resolved = { type: 'text'; text: string; via?: string } | { type: 'id'; flag: 'u' | 'g'; user: string; via: string } | { type: 'unknown'; via?: string };

/**
 * Resolves a word: literal text, or `$NAME` through the last assignment before `line` (a literal, or
 * a command substitution `id -u USER` / `id -g USER`). Anything else is unknown.
 */
export function resolveWord(doc: QmailRunDocument, w: ShellWord, line: number, depth = 0): Resolved {
  const text = literal(w);
  if (text !== undefined) return { type: 'text', text };
  if (w.parts.length !== 1 || depth > 8) return { type: 'unknown' };
  const part = w.parts[0]!;
  if (part.type === 'command') {
    const id = /^\s*(?:\S*\/)?id\s+-([ug])\s+(?:"([^"]*)"|'([^']*)'|(\S+))\s*$/.exec(part.text);
    if (id) return { type: 'id', flag: id[1] as 'u' | 'g', user: id[2] ?? id[3] ?? id[4]!, via: `\`${part.text.trim()}\`` };
    return { type: 'unknown' };
  }
  if (part.type !== 'param' || part.modified) return { type: 'unknown' };
  const a = lastAssignment(doc, part.name, line);
  if (!a) return { type: 'unknown', via: `$${part.name}` };
  const r = resolveWord(doc, a.value, a.line, depth + 1);
  return { ...r, via: `$${part.name}` } as Resolved;
}

/** How many fields the expansions of one listener's options may split into (a real script has a handful). */
const SPLIT_FIELDS = 4096;

/** Each document's assignments by variable (their indices, in line order): each added once, so a lookup costs a binary search. */
const BY_NAME = new WeakMap<QmailRunDocument, { count: number; index: Map<string, number[]> }>();

/** The last assignment of a variable on a line before `line`. */
export function lastAssignment(doc: QmailRunDocument, name: string, line: number): ShellAssignment | undefined {
  let cached = BY_NAME.get(doc);
  if (!cached) BY_NAME.set(doc, (cached = { count: 0, index: new Map() }));
  const all = doc.assignments;
  // The parser asks while it is still appending assignments (in line order): only the new ones are added.
  for (; cached.count < all.length; cached.count++) {
    const list = cached.index.get(all.name(cached.count));
    if (list) list.push(cached.count);
    else cached.index.set(all.name(cached.count), [cached.count]);
  }
  const list = cached.index.get(name);
  if (!list) return undefined;
  // The last entry with a line before `line` (assignments are added in line order).
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all.line(list[mid]!) < line) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? all.at(list[lo - 1]!) : undefined;
}

/** The file name at the end of a word's text (quotes dropped): `/var/qmail/bin/qmail-smtpd` → `qmail-smtpd`. */
export function baseName(w: ShellWord): string {
  if (w.plain) {
    const raw = w.raw;
    const slash = raw.lastIndexOf('/');
    return slash < 0 ? raw : raw.slice(slash + 1);
  }
  const text = w.parts.map((p) => (p.type === 'text' ? p.text : p.type === 'param' ? `$${p.name}` : '`…`')).join('');
  return text.split('/').pop() ?? text;
}

const ASSIGNMENT = /^([A-Za-z_]\w*)=/;

function assignmentOf(w: ShellWord): { name: string; value: ShellWord } | undefined {
  if (w.plain) {
    const m = ASSIGNMENT.exec(w.raw);
    return m ? { name: m[1]!, value: w.after(m[0].length) } : undefined;
  }
  const wordParts = w.parts;
  const head = wordParts[0];
  if (!head || head.type !== 'text' || head.quoted) return undefined;
  const m = ASSIGNMENT.exec(head.text);
  if (!m) return undefined;
  const restText = head.text.slice(m[0].length);
  const parts: WordPart[] = [...(restText === '' ? [] : [{ type: 'text' as const, text: restText, quoted: head.quoted }]), ...wordParts.slice(1)];
  return { name: m[1]!, value: shifted(w, m[0].length, parts) };
}

/** `[ ! -f /var/qmail/control/rcpthosts ]`, `test -s …/rcpthosts`, or the refusal message of Life with qmail. */
function isRcpthostsGuard(c: ShellCommand): boolean {
  if (c.words.some((w) => /Refusing to start SMTP listener/i.test(w.raw))) return true;
  const test = c.words.some((w) => ['[', '[[', 'test'].includes(literal(w) ?? ''));
  return test && c.words.some((w) => /(^|\/)rcpthosts["']?$/.test(w.raw));
}

/** Reads the tcpserver invocation of a command, if it starts one (after `from` prefix assignments). */
function tcpserverCall(doc: QmailRunDocument, c: ShellCommand, from: number): TcpserverCall | undefined {
  const words = c.words;
  let at = -1;
  let server: ServerName | undefined;
  for (let k = from; k < words.length; k++) {
    const name = baseName(words[k]!);
    server = serverOf(name);
    if (server) {
      at = k;
      break;
    }
    // Only wrappers and their arguments may stand before tcpserver (not `echo tcpserver …`).
    if (k === from && !WRAPPERS.has(name)) return undefined;
  }
  if (at < 0 || !server) return undefined;
  const argOptions = SERVER_ARG_OPTIONS[server];
  const call: TcpserverCall = { server, command: c, word: words[at]!, wrappers: at > from ? words.slice(from, at) : NO_WORDS, options: [], opaque: false, rest: [], smtpd: false, envdirs: NO_WORDS, env: NO_ENV };
  readWrappers(call);
  // Option words; an unquoted $VAR the script sets to literal text is split into fields, as sh does.
  // The command's own words serve as the queue until a word splits: a call of millions of words is
  // then not copied word by word (only the words after the options are, into `rest`).
  let queue: ShellWord[] = words;
  let first = at + 1;
  // Fields from splitting, per call: `$X $X …` with a long X would otherwise multiply the script's size.
  let budget = SPLIT_FIELDS;
  for (let k = at + 1; k < words.length; k++) {
    const w = words[k]!;
    const wordParts = w.plain ? undefined : w.parts;
    const p = wordParts?.length === 1 ? wordParts[0]! : undefined;
    if (p?.type === 'param' && !p.quoted && !p.modified && budget > 0) {
      const r = resolveWord(doc, w, c.line);
      if (r.type === 'text') {
        const fields = r.text.split(/[ \t\n]+/).filter(Boolean);
        budget -= fields.length;
        // Past the budget the word stays an expansion, which makes the call opaque (any options).
        if (budget >= 0) {
          if (queue === words) {
            queue = words.slice(at + 1, k);
            first = 0;
          }
          // Each field has the word's offsets and so its span, made when asked (no span objects kept per field).
          for (const f of fields) queue.push(new KeptWord(w['at'], w.start, w.end, undefined, f));
          continue;
        }
      }
    }
    if (queue !== words) queue.push(w);
  }
  let i = first;
  for (; i < queue.length; i++) {
    const w = queue[i]!;
    const wordParts = w.parts;
    const head = wordParts[0];
    if (!head || head.type !== 'text' || !head.text.startsWith('-')) {
      // An expansion where an option may stand: it could hold any options.
      if (head && head.type !== 'text') call.opaque = true;
      break;
    }
    if (head.text === '--' && wordParts.length === 1) {
      i++;
      break;
    }
    if (head.text === '-' && wordParts.length === 1) break;
    const text = head.text;
    let k = 1;
    for (; k < text.length; k++) {
      const letter = text[k]!;
      // The option's span covers `-u` for the first letter of a word and the letter alone in a group (`-vRu`).
      if (!argOptions.has(letter)) {
        call.options.push(new TcpserverOption(letter, w, k));
        continue;
      }
      let arg: ShellWord | undefined;
      if (k + 1 < text.length || wordParts.length > 1) arg = sliceWord(w, k + 1);
      else if (i + 1 < queue.length) arg = queue[++i]!;
      call.options.push(new TcpserverOption(letter, w, k, arg));
      break;
    }
    if (k >= text.length && wordParts.length > 1) call.opaque = true;
  }
  call.rest = queue.slice(i);
  // Of exact size (an array pushed to has room to spare), as every array a kept call holds.
  call.options = call.options.length > 0 ? call.options.slice() : NO_OPTIONS;
  // The program words (after host and port), read in place rather than sliced.
  const rest = call.rest;
  for (let k = call.opaque ? 0 : 2; k < rest.length && !call.smtpd; k++) {
    const w = rest[k]!;
    if (baseName(w) === 'qmail-smtpd') call.smtpd = true;
    else {
      const r = resolveWord(doc, w, c.line);
      call.smtpd = r.type === 'text' && (r.text.split('/').pop() ?? '') === 'qmail-smtpd';
    }
  }
  return call;
}

/** envuidgid, setuidgid, envdir, env and chpst before tcpserver, with their arguments. */
function readWrappers(call: TcpserverCall): void {
  const w = call.wrappers;
  for (let k = 0; k < w.length; k++) {
    const name = baseName(w[k]!);
    if (name === 'envuidgid' && w[k + 1]) call.envuidgid = w[k + 1]!;
    else if (name === 'setuidgid' && w[k + 1]) call.setuidgid = w[k + 1]!;
    else if (name === 'envdir' && w[k + 1]) addEnvdir(call, w[k + 1]!);
    else if (name === 'env') {
      for (let j = k + 1; j < w.length; j++) {
        const a = assignmentOf(w[j]!);
        if (a) setEnv(call, a.name, a.value);
        else if (!(literal(w[j]!) ?? '').startsWith('-')) break;
      }
    } else if (name === 'chpst') {
      for (let j = k + 1; j + 1 < w.length; j++) {
        const opt = literal(w[j]!);
        if (opt === undefined || !opt.startsWith('-')) break;
        if (opt === '-u') call.setuidgid = w[j + 1]!;
        else if (opt === '-U') call.envuidgid = w[j + 1]!;
        else if (opt === '-e') addEnvdir(call, w[j + 1]!);
        if (/^-[uUbe/nlLmdopfcrt]$/.test(opt)) j++;
      }
    }
  }
}

/** The part of a word after the first `n` characters of its first (text) part: an attached option argument. */
function sliceWord(w: ShellWord, n: number): ShellWord {
  if (w.plain) return w.after(n);
  const head = w.parts[0] as { type: 'text'; text: string; quoted: boolean };
  const rest = head.text.slice(n);
  const parts: WordPart[] = [...(rest === '' ? [] : [{ type: 'text' as const, text: rest, quoted: head.quoted }]), ...w.parts.slice(1)];
  return shifted(w, n, parts);
}

/** How many variables' one-`$NAME` parts a script shares (a real script has a dozen). */
const SHARED_PARAMS = 4096;

/** From how many words a command keeps the lexer's array rather than a copy of exact size. */
const HANDED_OVER = 65536;

/** The shell lexer: characters to words to commands. */
class Lexer {
  private readonly text: string;
  readonly at: ScriptPositions;
  private i = 0;
  private words: ShellWord[] = [];
  /** What the next word is: an ordinary word, the target of a redirection (dropped), or a here-document's delimiter. */
  private next: 'word' | 'target' | 'heredoc' | 'heredoc-strip' = 'word';
  private heredocs: { delim: string; strip: boolean }[] = [];
  /** The parts of one-`$NAME` words, by variable, quoting and form (see `shared`). */
  private readonly params = new Map<string, WordPart[]>();

  constructor(
    file: SourceFile,
    private readonly problems: ParseProblem[],
    /** Takes each command as it ends. */
    private readonly command: (c: ShellCommand) => void,
    at?: ScriptPositions,
  ) {
    this.text = file.text;
    this.at = at ?? new ScriptPositions(file.text);
  }

  /** The parts of the word that starts at `start` (undefined: a plain word), read again; nothing else changes. */
  partsAt(start: number): WordPart[] | undefined {
    const keep = this.i;
    this.i = start;
    const parts = this.read();
    this.i = keep;
    return parts;
  }

  run(): void {
    const t = this.text;
    const n = t.length;
    // Words are read as if a CR were a blank, so that the rules still see the script.
    const cr = t.indexOf('\r\n');
    if (cr >= 0) this.problems.push({ message: 'the script has CRLF line ends: /bin/sh keeps each CR as part of the last word of its line ("qmail-smtpd\\r" is no program)', span: this.span(cr, cr + 1) });
    while (this.i < n) {
      const c = t.charCodeAt(this.i);
      if (c === 92 /* \\ */ && t.charCodeAt(this.i + 1) === 10) this.i += 2;
      else if (c === 32 || c === 9 || c === 13) this.i++;
      else if (c === 10) {
        this.endCommand();
        this.i++;
        if (this.heredocs.length > 0) this.skipHeredocs();
      } else if (c === 35 /* # */) {
        const nl = t.indexOf('\n', this.i);
        this.i = nl < 0 ? n : nl;
      } else if (c === 59 /* ; */ || c === 38 /* & */ || c === 124 /* | */ || c === 40 /* ( */ || c === 41 /* ) */) {
        this.endCommand();
        this.i += t.charCodeAt(this.i + 1) === c && c !== 40 && c !== 41 ? 2 : 1;
      } else if (c === 60 /* < */ || c === 62 /* > */) this.redirection();
      else this.word();
    }
    this.endCommand();
  }

  private span(from: number, to: number): Span {
    return this.at.span(from, to);
  }

  private endCommand(): void {
    if (this.words.length === 0) return;
    // A copy of exact size: the array pushed to has room to spare, and a kept command keeps its words.
    // A long command takes the array itself: its copy would briefly double what its words cost.
    let words: ShellWord[];
    if (this.words.length >= HANDED_OVER) {
      words = this.words;
      this.words = [];
    } else {
      words = this.words.slice();
      this.words.length = 0;
    }
    this.command(new ShellCommand(words, this.at.line(words[0]!.start)));
  }

  /** After a newline: skips the bodies of the here-documents opened on the line before. */
  private skipHeredocs(): void {
    const t = this.text;
    for (const h of this.heredocs) {
      while (this.i < t.length) {
        let end = t.indexOf('\n', this.i);
        if (end < 0) end = t.length;
        let line = t.slice(this.i, end).replace(/\r$/, '');
        if (h.strip) line = line.replace(/^\t+/, '');
        this.i = Math.min(end + 1, t.length);
        if (line === h.delim) break;
      }
    }
    this.heredocs = [];
  }

  /** `>`, `>>`, `<`, `>&2`, `2>&1`, `<<EOF`, `<<-EOF`: the operator, and whether a target word follows. */
  private redirection(): void {
    const t = this.text;
    if (t.startsWith('<<', this.i)) {
      this.i += 2;
      const strip = t[this.i] === '-';
      if (strip) this.i++;
      this.next = strip ? 'heredoc-strip' : 'heredoc';
      return;
    }
    this.i++;
    if (t[this.i] === '>' || t[this.i] === '<' || t[this.i] === '|') this.i++;
    if (t[this.i] === '&') {
      this.i++;
      const m = /^(?:\d+|-)/.exec(t.slice(this.i, this.i + 12));
      if (m) {
        this.i += m[0].length;
        return;
      }
    }
    this.next = 'target';
  }

  private word(): void {
    const start = this.i;
    const parts = this.read();
    this.ended(start, parts === undefined ? undefined : this.shared(parts));
  }

  /** Reads the word at `i`: its parts, or undefined for a plain word (ordinary characters up to a break). */
  private read(): WordPart[] | undefined {
    const t = this.text;
    let j = this.i;
    while (j < t.length && classAt(t, j) === ORDINARY) j++;
    if (j === t.length || classAt(t, j) === BREAK) {
      this.i = j;
      return undefined;
    }
    const parts: WordPart[] = [];
    const text = (s: string, quoted: boolean): void => {
      const last = parts[parts.length - 1];
      if (last && last.type === 'text' && last.quoted === quoted) last.text += s;
      else parts.push({ type: 'text', text: s, quoted });
    };
    while (this.i < t.length) {
      const c = t[this.i]!;
      const type = classAt(t, this.i);
      if (type === BREAK) break;
      if (c === '\\') {
        if (t[this.i + 1] === '\n') this.i += 2;
        else {
          if (this.i + 1 < t.length) text(t[this.i + 1]!, true);
          this.i += 2;
        }
      } else if (c === "'") {
        const close = t.indexOf("'", this.i + 1);
        if (close < 0) {
          this.problems.push({ message: 'single quote is never closed: /bin/sh refuses the script ("unterminated quoted string")', span: this.span(this.i, this.i + 1) });
          text(t.slice(this.i + 1), true);
          this.i = t.length;
        } else {
          text(t.slice(this.i + 1, close), true);
          this.i = close + 1;
        }
      } else if (c === '"') this.doubleQuoted(parts, text);
      else if (c === '`') parts.push({ type: 'command', text: this.backtick(), quoted: false });
      else if (c === '$') this.dollar(parts, text, false);
      else {
        // A run of ordinary characters at once (not one string append per character).
        let k = this.i + 1;
        while (k < t.length && classAt(t, k) === ORDINARY) k++;
        text(t.slice(this.i, k), false);
        this.i = k;
      }
    }
    return parts;
  }

  /**
   * The parts of a word that is one `$NAME` (the commonest quoted word of a run script): one array
   * for each variable, quoting and form, shared by the words that spell it (parts are never written
   * once a word is read). At most SHARED_PARAMS variables, so that distinct names cost no more than before.
   */
  private shared(parts: WordPart[]): WordPart[] {
    const p = parts.length === 1 ? parts[0]! : undefined;
    if (p?.type !== 'param') return parts;
    const key = `${p.quoted ? 'q' : 'u'}${p.modified ? 'm' : 'p'}${p.name}`;
    const found = this.params.get(key);
    if (found) return found;
    if (this.params.size < SHARED_PARAMS) this.params.set(key, parts);
    return parts;
  }

  /** A word read from `start` to here: its parts, or undefined for a plain word. */
  private ended(start: number, parts: WordPart[] | undefined): void {
    const t = this.text;
    // `2>&1`: digits right before a redirection name a file descriptor, not a word.
    const c = t.charCodeAt(this.i);
    if (c === 60 || c === 62) {
      const digits = parts === undefined ? t.slice(start, this.i) : parts.length === 1 && parts[0]!.type === 'text' && !parts[0]!.quoted ? parts[0]!.text : undefined;
      if (digits !== undefined && /^\d+$/.test(digits)) return;
    }
    const role = this.next;
    this.next = 'word';
    if (role === 'target') return;
    if (role === 'heredoc' || role === 'heredoc-strip') {
      const delim = parts === undefined ? t.slice(start, this.i) : parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
      this.heredocs.push({ delim, strip: role === 'heredoc-strip' });
      return;
    }
    this.words.push(lexedWord(this.at, start, this.i, parts));
  }

  private doubleQuoted(parts: WordPart[], text: (s: string, quoted: boolean) => void): void {
    const t = this.text;
    const open = this.i;
    this.i++;
    while (this.i < t.length && t[this.i] !== '"') {
      const c = t[this.i]!;
      if (c === '\\' && '$`"\\\n'.includes(t[this.i + 1] ?? '')) {
        if (t[this.i + 1] !== '\n') text(t[this.i + 1]!, true);
        this.i += 2;
      } else if (c === '$') this.dollar(parts, text, true);
      else if (c === '`') parts.push({ type: 'command', text: this.backtick(), quoted: true });
      else {
        let j = this.i + 1;
        while (j < t.length && !QUOTED_SPECIAL.has(t[j]!)) j++;
        text(t.slice(this.i, j), true);
        this.i = j;
      }
    }
    if (this.i >= t.length) this.problems.push({ message: 'double quote is never closed: /bin/sh refuses the script ("unterminated quoted string")', span: this.span(open, open + 1) });
    else this.i++;
    // "" is an empty word, which still counts.
    if (parts.length === 0) text('', true);
  }

  /** A backquoted command substitution; returns its text. */
  private backtick(): string {
    const t = this.text;
    const open = this.i;
    let s = '';
    this.i++;
    while (this.i < t.length && t[this.i] !== '`') {
      if (t[this.i] === '\\' && this.i + 1 < t.length) {
        s += t[this.i + 1];
        this.i += 2;
      } else {
        let j = this.i + 1;
        while (j < t.length && t[j] !== '`' && t[j] !== '\\') j++;
        s += t.slice(this.i, j);
        this.i = j;
      }
    }
    if (this.i >= t.length) this.problems.push({ message: 'backquote is never closed: /bin/sh refuses the script', span: this.span(open, open + 1) });
    else this.i++;
    return s;
  }

  /** `$NAME`, `${…}`, `$(…)`, `$((…))`, `$1`, `$?`; a lone `$` is text. */
  private dollar(parts: WordPart[], text: (s: string, quoted: boolean) => void, quoted: boolean): void {
    const t = this.text;
    const c = t[this.i + 1] ?? '';
    if (c === '{') {
      const close = this.matching(this.i + 1, '{', '}');
      const inner = t.slice(this.i + 2, close);
      const m = /^([A-Za-z_]\w*|[0-9@*#?$!-])/.exec(inner);
      parts.push({ type: 'param', name: m ? m[1]! : '', quoted, modified: !m || m[0].length !== inner.length });
      this.i = close + 1;
    } else if (c === '(') {
      const close = this.matching(this.i + 1, '(', ')');
      parts.push({ type: 'command', text: t.slice(this.i + 2, close), quoted });
      this.i = close + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_]\w*/.exec(t.slice(this.i + 1, this.i + 256))!;
      parts.push({ type: 'param', name: m[0], quoted, modified: false });
      this.i += 1 + m[0].length;
    } else if (/[0-9@*#?$!-]/.test(c)) {
      parts.push({ type: 'param', name: c, quoted, modified: false });
      this.i += 2;
    } else {
      text('$', quoted);
      this.i++;
    }
  }

  /** The offset of the bracket closing the one at `open` (nesting counted, quotes skipped), or the end of the text. */
  private matching(open: number, left: string, right: string): number {
    const t = this.text;
    let depth = 0;
    for (let k = open; k < t.length; k++) {
      const c = t[k]!;
      if (c === '\\') k++;
      else if (c === "'" && left === '(') {
        const close = t.indexOf("'", k + 1);
        if (close < 0) break;
        k = close;
      } else if (c === left) depth++;
      else if (c === right && --depth === 0) return k;
    }
    this.problems.push({ message: `"${left}" is never closed: /bin/sh refuses the script`, span: this.span(open, open + 1) });
    return t.length;
  }
}
