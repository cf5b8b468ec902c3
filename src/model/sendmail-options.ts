import { OPTION_TABLE } from './option-table.js';

/** How sendmail resolves an option name written in a cf (setoption() in readcf.c). */
export type OptionLookup =
  | { status: 'exact'; name: string }
  | { status: 'abbreviation'; name: string }
  | { status: 'ambiguous'; matches: [string, string] }
  | { status: 'unknown' };

const byLower = new Map<string, string>();
for (const [name] of OPTION_TABLE) if (name) byLower.set(name.toLowerCase(), name);
/** One shared answer per option name: a large cf has thousands of O lines. */
const exactLookups = new Map<string, OptionLookup>([...byLower].map(([lower, name]) => [lower, Object.freeze({ status: 'exact', name })]));
const byLetter = new Map<string, string>();
for (const [name, letter] of OPTION_TABLE) if (letter && name) byLetter.set(letter, name);
const letters = new Set(OPTION_TABLE.map(([, letter]) => letter).filter(Boolean));
const withSubOptions = new Set(OPTION_TABLE.filter(([, , sub]) => sub).map(([name]) => name));

/**
 * Resolves a long option name: exact (case-insensitive) match first, else a unique prefix (accepted
 * with a warning), else ambiguous or unknown (both fatal). `Timeout.queuereturn` resolves its base.
 */
export function lookupOption(written: string): OptionLookup {
  const dot = written.indexOf('.');
  const base = dot >= 0 ? written.slice(0, dot) : written;
  // An empty name is "null option name"; an empty base before a dot prefixes every name.
  if (written === '') return { status: 'unknown' };
  const exact = exactLookups.get(base.toLowerCase());
  if (exact) return exact;
  const lower = base.toLowerCase();
  const matches: string[] = [];
  for (const [name] of OPTION_TABLE) {
    if (name && name.toLowerCase().startsWith(lower)) {
      matches.push(name);
      if (matches.length === 2) break;
    }
  }
  if (matches.length === 2) return { status: 'ambiguous', matches: [matches[0]!, matches[1]!] };
  if (matches.length === 1) return { status: 'abbreviation', name: matches[0]! };
  return { status: 'unknown' };
}

/** The long name of a one-letter option (`p` → PrivacyOptions), undefined for letters without one. */
export function optionForLetter(letter: string): string | undefined {
  return byLetter.get(letter);
}

/** Whether sendmail knows the one-letter option at all (some letters have no long name). */
export function isKnownLetter(letter: string): boolean {
  return letters.has(letter);
}

/** Whether `Name.sub=` is accepted for this option (Timeout, Milter). */
export function takesSubOptions(name: string): boolean {
  return withSubOptions.has(name);
}

/** Privacy flags known to sendmail 8.17 (conf.c PrivacyValues[]), with the flags each one sets. */
export const PRIVACY_FLAGS: ReadonlyMap<string, readonly string[]> = new Map([
  ['public', []],
  ['needmailhelo', ['needmailhelo']],
  ['needexpnhelo', ['needexpnhelo']],
  ['needvrfyhelo', ['needvrfyhelo']],
  // op.txt: "noexpn ... implies noverb"; observed: VERB answers 502 with noexpn (FORMATS.md §3).
  ['noexpn', ['noexpn', 'noverb']],
  ['novrfy', ['novrfy']],
  ['restrictexpand', ['restrictexpand']],
  ['restrictmailq', ['restrictmailq']],
  ['restrictqrun', ['restrictqrun']],
  ['noetrn', ['noetrn']],
  ['noverb', ['noverb']],
  ['authwarnings', ['authwarnings']],
  ['noreceipts', ['noreceipts']],
  ['nobodyreturn', ['nobodyreturn']],
  // goaway is the low 16 bits (needmailhelo … noverb); it does not include noetrn, noreceipts, the
  // restrict* flags, nobodyreturn or noactualrecipient (RULES.md §2, FORMATS.md §3).
  ['goaway', ['needmailhelo', 'needexpnhelo', 'needvrfyhelo', 'noexpn', 'novrfy', 'authwarnings', 'noverb']],
  ['noactualrecipient', ['noactualrecipient']],
]);

/** One word of a PrivacyOptions value, with its offset in the value. */
export interface PrivacyWord {
  word: string;
  offset: number;
}

/** Splits a PrivacyOptions value into words as readcf does: runs of letters and digits (`noexpn;novrfy` is two). */
export function splitPrivacyWords(value: string): PrivacyWord[] {
  const out: PrivacyWord[] = [];
  const re = /[A-Za-z0-9]+/g;
  for (let m = re.exec(value); m; m = re.exec(value)) out.push({ word: m[0], offset: m.index });
  return out;
}
