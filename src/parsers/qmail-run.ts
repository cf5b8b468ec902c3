import type { SourceFile } from '../core/source.js';
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

export interface ShellWord {
  /** The word as written, quotes included. */
  raw: string;
  parts: WordPart[];
  span: Span;
}

export interface ShellCommand {
  words: ShellWord[];
  line: number;
  span: Span;
}

/** `NAME=value`, standing alone or after export/readonly/local (one before a command is in that command's `env`). */
export interface ShellAssignment {
  name: string;
  value: ShellWord;
  line: number;
  /** Exported by this very command (`export NAME=value`). */
  exported: boolean;
}

export interface TcpserverOption {
  letter: string;
  /** The argument of an option that takes one (`-u 7770`, `-u7770`). */
  arg?: ShellWord;
  span: Span;
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
  env: Map<string, ShellWord>;
}

export interface QmailRunDocument {
  kind: 'qmail-run';
  file: SourceFile;
  commands: ShellCommand[];
  assignments: ShellAssignment[];
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

/** Words a line of a text file separates: blanks and the shell's operators. */
const BREAK = new Set([' ', '\t', '\r', '\n', ';', '&', '|', '(', ')', '<', '>']);
/** Characters that start something inside an unquoted word. */
const SPECIAL = new Set(['\\', "'", '"', '`', '$']);
/** Characters that end a run of text inside double quotes. */
const QUOTED_SPECIAL = new Set(['"', '\\', '$', '`']);

export function parseQmailRun(file: SourceFile): QmailRunDocument {
  const { commands, problems } = new Lexer(file).run();
  const doc: QmailRunDocument = { kind: 'qmail-run', file, commands, assignments: [], tcpservers: [], otherServers: [], rcpthostsGuards: [], exports: new Map(), problems };
  const exported = (name: string, line: number): void => {
    if (!doc.exports.has(name)) doc.exports.set(name, line);
  };
  for (const c of commands) {
    const first = literal(c.words[0]!);
    if ((first === 'export' || first === 'readonly' || first === 'local' || first === 'declare' || first === 'typeset') && c.words.length > 1) {
      for (const w of c.words.slice(1)) {
        const a = assignmentOf(w);
        if (a) doc.assignments.push({ ...a, line: c.line, exported: first === 'export' });
        const plain = literal(w);
        if (first === 'export' && plain !== undefined && /^[A-Za-z_]\w*$/.test(plain)) exported(plain, c.line);
        if (first === 'export' && a) exported(a.name, c.line);
      }
      continue;
    }
    let k = 0;
    const prefix: ShellAssignment[] = [];
    for (; k < c.words.length; k++) {
      const a = assignmentOf(c.words[k]!);
      if (!a) break;
      prefix.push({ ...a, line: c.line, exported: false });
    }
    // Assignments alone set shell variables; before a command they go into its environment only.
    if (k === c.words.length) doc.assignments.push(...prefix);
    if (isRcpthostsGuard(c)) doc.rcpthostsGuards.push(c);
    const call = tcpserverCall(doc, c, k);
    if (call) {
      for (const a of prefix) call.env.set(a.name, a.value);
      (call.server === 'tcpserver' || call.server === 'sslserver' ? doc.tcpservers : doc.otherServers).push(call);
    }
  }
  return doc;
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

/** Each document's assignments by variable, in line order: each added once, so a lookup costs a binary search. */
const BY_NAME = new WeakMap<QmailRunDocument, { count: number; index: Map<string, ShellAssignment[]> }>();

/** The last assignment of a variable on a line before `line`. */
export function lastAssignment(doc: QmailRunDocument, name: string, line: number): ShellAssignment | undefined {
  let cached = BY_NAME.get(doc);
  if (!cached) BY_NAME.set(doc, (cached = { count: 0, index: new Map() }));
  // The parser asks while it is still appending assignments (in line order): only the new ones are added.
  for (; cached.count < doc.assignments.length; cached.count++) {
    const a = doc.assignments[cached.count]!;
    const list = cached.index.get(a.name);
    if (list) list.push(a);
    else cached.index.set(a.name, [a]);
  }
  const list = cached.index.get(name);
  if (!list) return undefined;
  // The last entry with a.line < line (assignments are added in line order).
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.line < line) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? list[lo - 1] : undefined;
}

/** The file name at the end of a word's text (quotes dropped): `/var/qmail/bin/qmail-smtpd` → `qmail-smtpd`. */
export function baseName(w: ShellWord): string {
  const text = w.parts.map((p) => (p.type === 'text' ? p.text : p.type === 'param' ? `$${p.name}` : '`…`')).join('');
  return text.split('/').pop() ?? text;
}

function assignmentOf(w: ShellWord): { name: string; value: ShellWord } | undefined {
  const head = w.parts[0];
  if (!head || head.type !== 'text' || head.quoted) return undefined;
  const m = /^([A-Za-z_]\w*)=/.exec(head.text);
  if (!m) return undefined;
  const restText = head.text.slice(m[0].length);
  const parts: WordPart[] = [...(restText === '' ? [] : [{ ...head, text: restText }]), ...w.parts.slice(1)];
  const start = { line: w.span.start.line, column: w.span.start.column + m[0].length };
  return { name: m[1]!, value: { raw: w.raw.slice(m[0].length), parts, span: { start, end: w.span.end } } };
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
  const call: TcpserverCall = { server, command: c, word: words[at]!, wrappers: words.slice(from, at), options: [], opaque: false, rest: [], smtpd: false, envdirs: [], env: new Map() };
  readWrappers(call);
  // Option words; an unquoted $VAR the script sets to literal text is split into fields, as sh does.
  const queue: { word: ShellWord; split: boolean }[] = [];
  // Fields from splitting, per call: `$X $X …` with a long X would otherwise multiply the script's size.
  let budget = SPLIT_FIELDS;
  for (const w of words.slice(at + 1)) {
    const p = w.parts.length === 1 ? w.parts[0]! : undefined;
    if (p?.type === 'param' && !p.quoted && !p.modified && budget > 0) {
      const r = resolveWord(doc, w, c.line);
      if (r.type === 'text') {
        const fields = r.text.split(/[ \t\n]+/).filter(Boolean);
        budget -= fields.length;
        // Past the budget the word stays an expansion, which makes the call opaque (any options).
        if (budget >= 0) {
          for (const f of fields) queue.push({ word: { raw: f, parts: [{ type: 'text', text: f, quoted: false }], span: w.span }, split: true });
          continue;
        }
      }
    }
    queue.push({ word: w, split: false });
  }
  let i = 0;
  for (; i < queue.length; i++) {
    const w = queue[i]!.word;
    const head = w.parts[0];
    if (!head || head.type !== 'text' || !head.text.startsWith('-')) {
      // An expansion where an option may stand: it could hold any options.
      if (head && head.type !== 'text') call.opaque = true;
      break;
    }
    if (head.text === '--' && w.parts.length === 1) {
      i++;
      break;
    }
    if (head.text === '-' && w.parts.length === 1) break;
    const text = head.text;
    let k = 1;
    for (; k < text.length; k++) {
      const letter = text[k]!;
      // The span covers `-u` for the first letter of a word and the letter alone in a group (`-vRu`).
      const span = { start: { line: w.span.start.line, column: w.span.start.column + (k === 1 ? 0 : k) }, end: { line: w.span.start.line, column: w.span.start.column + k + 1 } };
      if (!argOptions.has(letter)) {
        call.options.push({ letter, span });
        continue;
      }
      let arg: ShellWord | undefined;
      if (k + 1 < text.length || w.parts.length > 1) arg = sliceWord(w, k + 1);
      else if (i + 1 < queue.length) arg = queue[++i]!.word;
      call.options.push(arg ? { letter, arg, span } : { letter, span });
      break;
    }
    if (k >= text.length && w.parts.length > 1) call.opaque = true;
  }
  call.rest = queue.slice(i).map((q) => q.word);
  const program = call.opaque ? call.rest : call.rest.slice(2);
  call.smtpd = program.some((w) => {
    if (baseName(w) === 'qmail-smtpd') return true;
    const r = resolveWord(doc, w, c.line);
    return r.type === 'text' && (r.text.split('/').pop() ?? '') === 'qmail-smtpd';
  });
  return call;
}

/** envuidgid, setuidgid, envdir, env and chpst before tcpserver, with their arguments. */
function readWrappers(call: TcpserverCall): void {
  const w = call.wrappers;
  for (let k = 0; k < w.length; k++) {
    const name = baseName(w[k]!);
    if (name === 'envuidgid' && w[k + 1]) call.envuidgid = w[k + 1]!;
    else if (name === 'setuidgid' && w[k + 1]) call.setuidgid = w[k + 1]!;
    else if (name === 'envdir' && w[k + 1]) call.envdirs.push(w[k + 1]!);
    else if (name === 'env') {
      for (let j = k + 1; j < w.length; j++) {
        const a = assignmentOf(w[j]!);
        if (a) call.env.set(a.name, a.value);
        else if (!(literal(w[j]!) ?? '').startsWith('-')) break;
      }
    } else if (name === 'chpst') {
      for (let j = k + 1; j + 1 < w.length; j++) {
        const opt = literal(w[j]!);
        if (opt === undefined || !opt.startsWith('-')) break;
        if (opt === '-u') call.setuidgid = w[j + 1]!;
        else if (opt === '-U') call.envuidgid = w[j + 1]!;
        else if (opt === '-e') call.envdirs.push(w[j + 1]!);
        if (/^-[uUbe/nlLmdopfcrt]$/.test(opt)) j++;
      }
    }
  }
}

/** The part of a word after the first `n` characters of its first (text) part: an attached option argument. */
function sliceWord(w: ShellWord, n: number): ShellWord {
  const head = w.parts[0] as { type: 'text'; text: string; quoted: boolean };
  const rest = head.text.slice(n);
  const parts: WordPart[] = [...(rest === '' ? [] : [{ ...head, text: rest }]), ...w.parts.slice(1)];
  const start = { line: w.span.start.line, column: w.span.start.column + n };
  return { raw: w.raw.slice(n), parts, span: { start, end: w.span.end } };
}

/** The shell lexer: characters to words to commands. */
class Lexer {
  private readonly text: string;
  private readonly starts: number[] = [0];
  private i = 0;
  private words: ShellWord[] = [];
  private readonly commands: ShellCommand[] = [];
  private readonly problems: ParseProblem[] = [];
  /** What the next word is: an ordinary word, the target of a redirection (dropped), or a here-document's delimiter. */
  private next: 'word' | 'target' | 'heredoc' | 'heredoc-strip' = 'word';
  private heredocs: { delim: string; strip: boolean }[] = [];

  constructor(file: SourceFile) {
    this.text = file.text;
    for (let k = this.text.indexOf('\n'); k >= 0; k = this.text.indexOf('\n', k + 1)) this.starts.push(k + 1);
  }

  run(): { commands: ShellCommand[]; problems: ParseProblem[] } {
    const t = this.text;
    // Words are read as if a CR were a blank, so that the rules still see the script.
    const cr = t.indexOf('\r\n');
    if (cr >= 0) this.problems.push({ message: 'the script has CRLF line ends: /bin/sh keeps each CR as part of the last word of its line ("qmail-smtpd\\r" is no program)', span: this.span(cr, cr + 1) });
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (c === '\\' && t[this.i + 1] === '\n') this.i += 2;
      else if (c === ' ' || c === '\t') this.i++;
      else if (c === '\r') this.i++;
      else if (c === '\n') {
        this.endCommand();
        this.i++;
        this.skipHeredocs();
      } else if (c === '#') {
        while (this.i < t.length && t[this.i] !== '\n') this.i++;
      } else if (c === ';' || c === '&' || c === '|' || c === '(' || c === ')') {
        this.endCommand();
        this.i += t[this.i + 1] === c && c !== '(' && c !== ')' ? 2 : 1;
      } else if (c === '<' || c === '>') this.redirection();
      else this.word();
    }
    this.endCommand();
    return { commands: this.commands, problems: this.problems };
  }

  private pos(offset: number): Position {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }

  private span(from: number, to: number): Span {
    const start = this.pos(from);
    const end = this.pos(Math.max(to, from + 1));
    // A span that would cross into the next line (a word ending at a newline) ends on its own line.
    return end.line > start.line && end.column === 1 ? { start, end: { line: start.line, column: start.column + 1 } } : { start, end };
  }

  private endCommand(): void {
    if (this.words.length === 0) return;
    const first = this.words[0]!;
    const last = this.words[this.words.length - 1]!;
    this.commands.push({ words: this.words, line: first.span.start.line, span: { start: first.span.start, end: last.span.end } });
    this.words = [];
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
    const t = this.text;
    const start = this.i;
    const parts: WordPart[] = [];
    const text = (s: string, quoted: boolean): void => {
      const last = parts[parts.length - 1];
      if (last && last.type === 'text' && last.quoted === quoted) last.text += s;
      else parts.push({ type: 'text', text: s, quoted });
    };
    while (this.i < t.length) {
      const c = t[this.i]!;
      if (BREAK.has(c)) break;
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
        let j = this.i + 1;
        while (j < t.length && !BREAK.has(t[j]!) && !SPECIAL.has(t[j]!)) j++;
        text(t.slice(this.i, j), false);
        this.i = j;
      }
    }
    // `2>&1`: digits right before a redirection name a file descriptor, not a word.
    if ((t[this.i] === '<' || t[this.i] === '>') && parts.length === 1 && parts[0]!.type === 'text' && !parts[0]!.quoted && /^\d+$/.test(parts[0]!.text)) return;
    const word: ShellWord = { raw: t.slice(start, this.i), parts, span: this.span(start, this.i) };
    const role = this.next;
    this.next = 'word';
    if (role === 'target') return;
    if (role === 'heredoc' || role === 'heredoc-strip') {
      this.heredocs.push({ delim: parts.map((p) => (p.type === 'text' ? p.text : '')).join(''), strip: role === 'heredoc-strip' });
      return;
    }
    this.words.push(word);
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
