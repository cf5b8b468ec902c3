import { cached } from '../core/cache.js';
import { baseName, isInterpreter, isShell, isTextTool, isWriter } from './programs.js';
import type { AliasesDocument, AliasTarget } from '../parsers/aliases.js';

/**
 * The aliases of old BSD and System V aliases files that hardening guides remove, with why: `decode`
 * ones pipe mail into uudecode (MH2001), the others are for pseudo-accounts nobody reads (MH2004).
 * The one list: both rules and the strip list `mailharden init` writes read it.
 */
export const LEGACY_ALIASES: readonly { name: string; kind: 'decode' | 'pseudo-account' }[] = [
  { name: 'decode', kind: 'decode' },
  { name: 'uudecode', kind: 'decode' },
  ...['games', 'ingres', 'system', 'toor', 'uucp', 'manager', 'dumper', 'operator'].map((name) => ({ name, kind: 'pseudo-account' as const })),
];

/** The names of the legacy aliases of one kind, in list order. */
export function legacyAliasNames(kind?: 'decode' | 'pseudo-account'): string[] {
  return LEGACY_ALIASES.filter((a) => kind === undefined || a.kind === kind).map((a) => a.name);
}

/** Words that run the command after them (`exec`, `env X=1`, `nice -n 5`); skipped to find the real program. */
const WRAPPERS = new Set(['exec', 'env', 'nice', 'nohup', 'command']);

/** What the program rules want to know of a program target, worked out once: three rules ask. */
interface Analysis {
  programs: readonly string[];
  uudecode: string | undefined;
  dangerous: { program: string; what: string } | undefined;
}

const NONE: Analysis = Object.freeze({ programs: [], uudecode: undefined, dangerous: undefined });

/** Program targets are kept objects (AliasEntry.deliveries), so each is analysed once. */
function analysis(t: AliasTarget): Analysis {
  if (t.kind !== 'program' || t.command === undefined) return NONE;
  return cached(t, 'aliases.programAnalysis', analyse);
}

function analyse(t: AliasTarget): Analysis {
  const command = t.command!;
  const programs = programWords(command);
  const uudecode = programs.find((p) => baseName(p) === 'uudecode');
  return { programs, uudecode, dangerous: uudecode === undefined ? dangerousIn(command, programs) : undefined };
}

/**
 * The program word of each simple command in a program target, as written: the prog mailer runs the
 * command with `/bin/sh -c`, so `|/usr/bin/foo | sh` and `|exec perl x` count too.
 */
export function programsOf(t: AliasTarget): readonly string[] {
  return analysis(t).programs;
}

function programWords(command: string): string[] {
  // Most commands are one program with plain arguments: no separators, quotes or assignments.
  if (!/[|&;`$'"=]/.test(command)) {
    const trimmed = command.trim();
    const blank = trimmed.search(/[ \t]/);
    const first = blank < 0 ? trimmed : trimmed.slice(0, blank);
    if (first === '') return [];
    if (!WRAPPERS.has(baseName(first))) return [first];
  }
  const out: string[] = [];
  for (const part of command.split(/\|\||&&|[|;&`]|\$\(/)) {
    const words = part.trim().split(/[ \t]+/).map((w) => w.replace(/['"]/g, '')).filter(Boolean);
    let k = 0;
    let wrapped = false;
    while (k < words.length) {
      const w = words[k]!;
      if (WRAPPERS.has(baseName(w))) wrapped = true;
      else if (!/^\w+=/.test(w) && !(wrapped && /^-|^\d+$/.test(w))) break;
      k++;
    }
    if (k < words.length) out.push(words[k]!);
  }
  return out;
}

/** The uudecode a target pipes mail into, as written (MH2001 reports it), or undefined. */
export function uudecodeIn(t: AliasTarget): string | undefined {
  return analysis(t).uudecode;
}

/** A general-purpose program in a target (MH2002), or undefined. uudecode is left to MH2001. */
export function dangerousProgram(t: AliasTarget): { program: string; what: string } | undefined {
  return analysis(t).dangerous;
}

function dangerousIn(command: string, programs: readonly string[]): { program: string; what: string } | undefined {
  for (const p of programs) {
    const what = describe(baseName(p));
    if (what) return { program: p, what };
  }
  // `xargs sh -c …` and the like: a shell with -c anywhere in the command (quotes removed from each
  // word, so a command without "-", then word characters or quotes, then "c" has no such word).
  if (!/-['"\w]*c/.test(command)) return undefined;
  const words = command.split(/[ \t]+/).map((w) => w.replace(/['"]/g, ''));
  for (let k = 0; k + 1 < words.length; k++) {
    if (isShell(words[k]!) && /^-\w*c\w*$/.test(words[k + 1]!)) return { program: `${words[k]} ${words[k + 1]}`, what: 'a shell that can run any command' };
  }
  return undefined;
}

/** Why a program is general-purpose, for the message, or undefined. */
function describe(base: string): string | undefined {
  if (isShell(base)) return 'a shell that can run any command';
  if (isInterpreter(base)) return 'an interpreter that can run any code';
  if (isTextTool(base)) return 'a text tool that can run commands and write files';
  if (isWriter(base)) return 'a tool that writes the message wherever its redirection points';
  return undefined;
}

/** What makes an address of an aliases file one that sendmail stores without a word and cannot deliver to. */
export type AddressFlaw =
  /** A `#` at the start of a word: no comment here, sendmail keeps it in the address (FORMATS.md §6). */
  | { kind: 'comment'; comment: string }
  /** A quote, angle bracket or parenthesis without its partner: `sendmail -bv` says "Unbalanced '<'". */
  | { kind: 'unbalanced'; char: string }
  /** `user@` with nothing after the `@`: "Hostname required". */
  | { kind: 'no-host' }
  /** `@host` with nothing before it (and no route's `:`): "User address required". */
  | { kind: 'no-user' };

const isBlank = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/**
 * Why sendmail cannot deliver to an address target as written, or undefined. Measured with newaliases,
 * makemap -u and `sendmail -bv` (FORMATS.md §6): with CheckAliases=False (the default, and Debian's)
 * newaliases stores all of these silently and delivery fails. Only plain addresses are judged: programs,
 * files and :include: lists have rules of their own. A comment is reported before what it may unbalance.
 */
export function addressFlaw(t: AliasTarget): AddressFlaw | undefined {
  if (t.kind !== 'address') return undefined;
  const text = t.text;
  let quoted = false;
  let angle = 0;
  let paren = 0;
  let extra: string | undefined;
  for (let k = 0; k < text.length; k++) {
    const c = text[k]!;
    if (c === '\\') {
      k++;
    } else if (quoted) {
      if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (paren > 0) {
      if (c === '(') paren++;
      else if (c === ')') paren--;
    } else if (c === '(') {
      paren++;
    } else if (c === ')' || (c === '>' && angle === 0)) {
      extra ??= c;
    } else if (c === '<') {
      angle++;
    } else if (c === '>') {
      angle--;
    } else if (c === '#' && (k === 0 || isBlank(text[k - 1]))) {
      return { kind: 'comment', comment: text.slice(k) };
    }
  }
  const open = quoted ? '"' : paren > 0 ? '(' : angle > 0 ? '<' : undefined;
  if (extra !== undefined || open !== undefined) return { kind: 'unbalanced', char: extra ?? open! };
  // The address itself: inside <…> when there is one, else the text without (comments).
  const inAngle = /<([^<>]*)>/.exec(text);
  const bare = (inAngle ? inAngle[1]! : text.replace(/\([^()]*\)/g, '')).trim();
  if (bare.endsWith('@')) return { kind: 'no-host' };
  if (bare.startsWith('@') && !bare.includes(':')) return { kind: 'no-user' };
  return undefined;
}

/**
 * What may make an address misread: `#`, `"`, `(`, `)`, `<`, `>`, or an `@` with a blank, newline, `,`,
 * `<`, `>`, `\\`, `:` or the end of the text on one side (no user or no host). A plain `user@host`
 * does not match, so a search over a whole file stops only at the few odd places.
 */
const ODD = /[#"<>()]|[\s,<>\\:]@|@(?:[\s,<>\\:]|$)/g;

/**
 * The indices of the entries whose lines hold a match of ODD, in file order: the only entries whose
 * addresses `addressFlaw` can find fault with. One search over the text, not a look at every entry, so
 * the parser stays as fast as it was; worked out once for the rules that ask (MH2016, MH2017).
 */
export function oddEntries(doc: AliasesDocument): readonly number[] {
  return cached(doc, 'aliases.oddEntries', findOddEntries);
}

function findOddEntries(doc: AliasesDocument): number[] {
  const { entries, file } = doc;
  const text = file.text;
  const out: number[] = [];
  let i = 0;
  ODD.lastIndex = 0;
  for (let m = ODD.exec(text); m !== null; m = ODD.exec(text)) {
    // The offset of the odd character itself (the `@` of a blank-then-`@` match).
    const at = m.index + (m[0].length === 2 && m[0].charCodeAt(1) === 64 ? 1 : 0);
    // Entries and matches both go forward: step to the last entry starting at or before `at`.
    while (i + 1 < entries.length && file.lineStart(entries.lineAt(i + 1)) <= at) i++;
    if (i >= entries.length || file.lineStart(entries.lineAt(i)) > at) continue;
    // Outside the entry's lines (a comment or a dropped line after it), or already taken.
    if (at > file.lineEnd(entries.lineAt(i) + entries.linesAt(i) - 1) || out[out.length - 1] === i) continue;
    out.push(i);
  }
  return out;
}

/**
 * The name a continuation line of an entry seems to define (`\tbob: root`), or undefined: such a line
 * is no entry but part of the value above, which sendmail reads as an RFC 822 group (`bob: root`), so
 * the entry above gets the targets and no alias of that name exists (measured with newaliases and
 * `sendmail -bv`, FORMATS.md §6).
 */
export function entryLikeName(line: string): string | undefined {
  const m = /^[ \t]*([A-Za-z0-9_][A-Za-z0-9._+-]*)[ \t]*:(?!:)/.exec(line);
  return m ? m[1] : undefined;
}
