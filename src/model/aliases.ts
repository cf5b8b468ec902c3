import { cached } from '../core/cache.js';
import { baseName, isInterpreter, isShell, isTextTool, isWriter } from './programs.js';
import type { AliasTarget } from '../parsers/aliases.js';

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
