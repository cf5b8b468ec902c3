import { SourceFile } from '../core/source.js';
import { parseAliases } from '../parsers/aliases.js';
import { TextEdits } from './edits.js';

export interface AliasesSettings {
  /** Names to remove (any case), with their continuation lines. */
  strip?: readonly string[];
  /** Names whose target is set, in order (`postmaster`, `root`). */
  set?: readonly (readonly [name: string, target: string])[];
}

/** An aliases line as FORMATS.md §9 wants it: a plain name, `: `, plain targets, no `#`. */
function aliasLine(name: string, target: string): string {
  if (!/^[A-Za-z0-9._+-]+$/.test(name) || !/^[A-Za-z0-9._+@-]+$/.test(target)) throw new Error(`unsafe alias line ${JSON.stringify(`${name}: ${target}`)}`);
  return `${name}: ${target}`;
}

/**
 * Patches an aliases file: stripped entries disappear with their continuation lines, each alias the
 * policy sets gets exactly one entry (the first one rewritten in place, later duplicates removed; sendmail
 * lets the last one win, so none may stay), and missing ones are appended. Everything else is kept byte
 * for byte, but for an indented line after a comment, which sendmail drops (it gets a `#`). `text`
 * undefined: the file does not exist yet.
 */
export function renderAliases(text: string | undefined, want: AliasesSettings, path = 'aliases'): string {
  const file = new SourceFile(path, text ?? '');
  const doc = parseAliases(file);
  const edits = new TextEdits(file);
  const strip = new Set((want.strip ?? []).map((s) => s.toLowerCase()));
  const set = new Map((want.set ?? []).map(([n, t]) => [n.toLowerCase(), t] as const));
  const seen = new Set<string>();
  for (let i = 0; i < doc.entries.length; i++) {
    const key = doc.keys.at(i);
    if (!strip.has(key) && !set.has(key)) continue;
    const e = doc.entries.at(i)!;
    if (strip.has(key) || seen.has(key)) {
      edits.removeLines(e.line, e.endLine);
      continue;
    }
    seen.add(key);
    const target = set.get(key)!;
    // Exactly `name: target` (a CR would be part of the stored value, so it does not count as set).
    if (e.endLine === e.line && e.value.replace(/^[ \t]+|[ \t]+$/g, '') === target) continue;
    // Written as the plain name sendmail stores (`"root"` and `Root` are both root).
    edits.replaceLines(e.line, e.endLine, [aliasLine(key, target)]);
  }
  // An indented line after a comment line is part of the comment to sendmail, which drops it
  // silently (MH2007): it is written as the comment it is, so the file says what sendmail reads.
  for (const o of doc.orphans) {
    if (o.reason !== 'after-comment') continue;
    const at = file.lineStart(o.line);
    edits.replace(at, at, '#');
  }
  const missing = [...(want.set ?? [])].filter(([n]) => !seen.has(n.toLowerCase())).map(([n, t]) => aliasLine(n, t));
  if (text === undefined) {
    return ['# /etc/aliases: written by mailharden from the hardening policy.', '# Rebuild the database with newaliases after editing.', ...missing, ''].join('\n');
  }
  // A last line that ends in a backslash: sendmail would join an appended entry to it (even an empty
  // line between, which takes the backslash's place), so the entries go before the file's last
  // logical line instead, which stays last and reads as before.
  const tail = /\\\n?$/.test(text) ? lastLogicalLine(text) : undefined;
  if (tail !== undefined) edits.insertBefore(tail, missing);
  else edits.append(missing);
  return edits.size ? edits.apply() : text;
}

/** The first physical line (1-based) of the last line sendmail's readaliases() starts anew: not joined to the one before by a backslash, not starting with a blank. */
function lastLogicalLine(text: string): number | undefined {
  const lines = text.split('\n');
  if (text.endsWith('\n')) lines.pop();
  const trailing = (s: string): number => {
    let n = 0;
    while (n < s.length && s.charCodeAt(s.length - 1 - n) === 92 /* \\ */) n++;
    return n;
  };
  let last: number | undefined;
  for (let i = 0; i < lines.length; ) {
    const start = i;
    // The join replaces the line's last backslash with the next line: an empty next line leaves the
    // backslash before it at the end, and the join goes on.
    let t = trailing(lines[i++]!);
    while (t > 0 && i < lines.length) {
      const next = lines[i++]!;
      t = next === '' ? t - 1 : trailing(next);
    }
    const c = lines[start]!.charCodeAt(0);
    if (c !== 32 && c !== 9) last = start + 1;
  }
  return last;
}
