import { SourceFile } from '../core/source.js';
import type { ParseProblem, Span } from '../core/types.js';
import { Joined } from './joined.js';

/** One address on the right-hand side of an alias. */
export interface AliasTarget {
  /** As written, trimmed. */
  text: string;
  span: Span;
  kind: 'address' | 'program' | 'file' | 'include';
  /** Written inside double quotes. */
  quoted: boolean;
  /** For programs: the command without the leading `|` (and without quotes). */
  command?: string;
  /** For programs: the first word of the command. */
  program?: string;
  /** For :include: and file targets: the path. */
  path?: string;
}

/** One `name: target, …` entry with its continuation lines. */
export interface AliasEntry {
  /** The name as written (before the colon, trimmed). */
  name: string;
  /** The database key sendmail stores: lower-case, unquoted blanks turned into `.` (BlankSub). */
  key: string;
  nameSpan: Span;
  line: number;
  endLine: number;
  /** Everything after the colon, continuation lines joined with their leading whitespace kept. */
  value: string;
  targets: AliasTarget[];
  /** The value holds a carriage return (CRLF file): sendmail stores it in the value. */
  hasCR: boolean;
}

/** A line sendmail reads as part of no entry. */
export interface AliasOrphan {
  line: number;
  span: Span;
  /** `after-comment`: silently dropped; `after-blank` / `at-start`: newaliases complains and exits 70. */
  reason: 'after-comment' | 'after-blank' | 'at-start';
}

export interface AliasesDocument {
  kind: 'aliases';
  file: SourceFile;
  entries: AliasEntry[];
  /** Lines without a colon: skipped by sendmail with "missing colon". */
  missingColon: { line: number; span: Span }[];
  /** Entries with nothing after the colon: skipped with "missing value for alias". */
  emptyValue: { name: string; line: number; span: Span }[];
  orphans: AliasOrphan[];
  problems: ParseProblem[];
}

const isBlankStart = (s: string): boolean => s.startsWith(' ') || s.startsWith('\t');

/**
 * Reads an aliases file the way sendmail's readaliases() does (FORMATS.md §6): `#` lines and blank
 * lines are skipped; a line starting with a space or TAB right after an entry continues it; a backslash
 * before the newline joins the next line; a continuation after a comment is lost.
 */
export function parseAliases(file: SourceFile): AliasesDocument {
  const doc: AliasesDocument = { kind: 'aliases', file, entries: [], missingColon: [], emptyValue: [], orphans: [], problems: [] };
  const lines = file.lines;
  let previous: 'entry' | 'comment' | 'blank' | 'start' = 'start';
  let i = 0;
  while (i < lines.length) {
    const lineNo = i + 1;
    const raw = lines[i]!;
    if (raw.startsWith('#')) {
      previous = 'comment';
      i++;
      continue;
    }
    if (raw.replace(/\r$/, '') === '') {
      previous = 'blank';
      i++;
      continue;
    }
    if (isBlankStart(raw)) {
      // Not consumed by an entry: sendmail drops it.
      doc.orphans.push({ line: lineNo, span: file.lineSpan(lineNo), reason: previous === 'comment' ? 'after-comment' : previous === 'blank' ? 'after-blank' : 'at-start' });
      i++;
      while (i < lines.length && isBlankStart(lines[i]!)) {
        doc.orphans.push({ line: i + 1, span: file.lineSpan(i + 1), reason: 'after-comment' });
        i++;
      }
      continue;
    }
    // Gather the logical entry: backslash-newline joins, then leading-whitespace lines continue.
    const physical: number[] = [i];
    i++;
    for (;;) {
      const lastText = lines[physical[physical.length - 1]!]!;
      if (i < lines.length && (lastText.endsWith('\\') || isBlankStart(lines[i]!))) {
        physical.push(i);
        i++;
        continue;
      }
      break;
    }
    const logical = new Joined();
    physical.forEach((idx, k) => {
      const text = lines[idx]!;
      const joinsNext = k < physical.length - 1 && text.endsWith('\\');
      logical.add(idx + 1, joinsNext ? text.slice(0, -1) : text);
    });
    previous = 'entry';
    const joined = logical.text;
    const endLine = logical.endLine;
    const spanAt = (from: number, to: number): Span => logical.span(from, to);

    const colon = findNameColon(joined);
    if (colon < 0) {
      doc.missingColon.push({ line: lineNo, span: file.lineSpan(lineNo) });
      continue;
    }
    const nameRaw = joined.slice(0, colon);
    const name = nameRaw.trim();
    const nameStart = nameRaw.length - nameRaw.trimStart().length;
    const value = joined.slice(colon + 1);
    const nameSpan = spanAt(nameStart, nameStart + name.length);
    if (value.replace(/[\s\r]+/g, '') === '') {
      doc.emptyValue.push({ name, line: lineNo, span: nameSpan });
      continue;
    }
    const targets = splitTargets(value, colon + 1).map(({ text, from, to }) => classifyTarget(text, spanAt(from, to)));
    doc.entries.push({
      name,
      key: aliasKey(name),
      nameSpan,
      line: lineNo,
      endLine,
      value,
      targets,
      hasCR: value.includes('\r'),
    });
  }
  return doc;
}

/** The database key: lower-case; blanks outside quotes become `.` as with BlankSub. */
export function aliasKey(name: string): string {
  if (name.startsWith('"')) return name.toLowerCase();
  return name.toLowerCase().replace(/[ \t]+/g, '.');
}

/** Index of the colon that ends the name (a colon inside a quoted name does not count). */
function findNameColon(s: string): number {
  let quoted = false;
  for (let k = 0; k < s.length; k++) {
    const c = s[k];
    if (c === '"') quoted = !quoted;
    else if (c === '\\') k++;
    else if (c === ':' && !quoted) return k;
  }
  return -1;
}

/** Splits the value at commas that are outside quotes, angle brackets and parentheses. */
function splitTargets(value: string, base: number): { text: string; from: number; to: number }[] {
  const out: { text: string; from: number; to: number }[] = [];
  let quoted = false;
  let angle = 0;
  let paren = 0;
  let start = 0;
  const flush = (end: number): void => {
    const piece = value.slice(start, end);
    const lead = piece.length - piece.trimStart().length;
    const text = piece.trim();
    if (text !== '') out.push({ text, from: base + start + lead, to: base + start + lead + text.length });
  };
  for (let k = 0; k < value.length; k++) {
    const c = value[k];
    if (c === '\\') {
      k++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted) {
      if (c === '<') angle++;
      else if (c === '>' && angle > 0) angle--;
      else if (c === '(') paren++;
      else if (c === ')' && paren > 0) paren--;
      else if (c === ',' && angle === 0 && paren === 0) {
        flush(k);
        start = k + 1;
      }
    }
  }
  flush(value.length);
  return out;
}

function classifyTarget(text: string, span: Span): AliasTarget {
  const quoted = text.length >= 2 && text.startsWith('"') && text.endsWith('"');
  const inner = (quoted ? text.slice(1, -1) : text).replace(/\r/g, '').trim();
  if (inner.startsWith('|')) {
    const command = inner.slice(1).trim();
    const program = command.split(/[ \t]+/)[0] ?? '';
    return { text, span, kind: 'program', quoted, command, program };
  }
  const include = /^:include:\s*(.*)$/i.exec(inner);
  if (include) return { text, span, kind: 'include', quoted, path: include[1]!.trim() };
  if (inner.startsWith('/')) return { text, span, kind: 'file', quoted, path: inner };
  return { text, span, kind: 'address', quoted };
}
