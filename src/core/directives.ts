import type { SourceFile } from './source.js';
import type { FileKind, Span } from './types.js';

/** A parsed `# mailharden-…` directive that takes effect on a range of lines. */
export interface Directive {
  kind: 'disable-next-line' | 'disable' | 'disable-file';
  ids: string[];
  reason: string;
  fromLine: number;
  toLine: number;
  span: Span;
  used: boolean;
}

export interface DirectiveProblem {
  code: 'unknown-id' | 'no-reason' | 'not-suppressible' | 'unclosed' | 'malformed' | 'expired';
  message: string;
  span: Span;
}

/** What the engine knows about rule names when reading directives. */
export interface RuleNames {
  /** The id for an id or slug, or undefined when no rule has that name. */
  resolve(name: string): string | undefined;
  suppressible(id: string): boolean;
}

const DIRECTIVE = /^(?:dnl[ \t]*)?#[ \t]*mailharden-(disable-next-line|disable-file|disable|enable)\b(.*)$/;
const LOOKS_LIKE = /^(?:dnl[ \t]*)?#[ \t]*mailharden[-_ ]?\w*/i;

/** Kinds whose lines starting with a blank continue the previous line. */
const CONTINUED: ReadonlySet<FileKind> = new Set(['sendmail-cf', 'aliases']);

/**
 * Reads the suppression directives of a file. They are whole `#` lines (in a .mc also `dnl #`), since a
 * `#` in these formats only starts a comment at the beginning of a line. A directive needs a reason
 * after ` -- `; without one it is reported and does not suppress anything.
 */
export function readDirectives(file: SourceFile, kind: FileKind, names: RuleNames, today: string): { directives: Directive[]; problems: DirectiveProblem[] } {
  const directives: Directive[] = [];
  const problems: DirectiveProblem[] = [];
  const open = new Map<string, Directive>();
  const lineAt = (idx: number): string => file.line(idx + 1);
  const count = file.lineCount;
  const isComment = (t: string): boolean => t.startsWith('#') || (kind === 'sendmail-mc' && /^dnl\b/.test(t));
  // Most files hold no directive at all: look for the word once in the whole text first.
  if (!file.text.includes('mailharden')) return { directives, problems };
  for (let idx = 0; idx < count; idx++) {
    const raw = lineAt(idx);
    if (!raw.includes('mailharden')) continue;
    const text = raw.replace(/\r$/, '');
    const lineNo = idx + 1;
    const span = file.lineSpan(lineNo);
    const m = DIRECTIVE.exec(text);
    if (!m) {
      if (LOOKS_LIKE.test(text)) problems.push({ code: 'malformed', message: `unrecognised directive "${text.trim().slice(0, 80)}"`, span });
      continue;
    }
    const kindWord = m[1] as 'disable-next-line' | 'disable-file' | 'disable' | 'enable';
    const rest = m[2]!;
    const sep = rest.indexOf(' -- ');
    const head = (sep >= 0 ? rest.slice(0, sep) : rest).trim();
    const reason = sep >= 0 ? rest.slice(sep + 4).trim() : '';
    let until: string | undefined;
    const ids: string[] = [];
    for (const word of head.split(/[\s,]+/).filter(Boolean)) {
      const u = /^until=(\d{4}-\d{2}-\d{2})$/.exec(word);
      if (u) {
        until = u[1];
        continue;
      }
      const id = names.resolve(word);
      if (!id) {
        problems.push({ code: 'unknown-id', message: `directive names "${word}", which is not a mailharden rule`, span });
        continue;
      }
      if (!names.suppressible(id)) {
        problems.push({ code: 'not-suppressible', message: `${id} cannot be suppressed: fix the configuration instead`, span });
        continue;
      }
      ids.push(id);
    }
    if (kindWord === 'enable') {
      for (const id of ids) {
        const d = open.get(id);
        if (d) {
          d.toLine = lineNo;
          open.delete(id);
        }
      }
      continue;
    }
    if (ids.length === 0) {
      if (head === '') problems.push({ code: 'malformed', message: `mailharden-${kindWord} names no rule`, span });
      continue;
    }
    if (reason === '') {
      problems.push({ code: 'no-reason', message: `mailharden-${kindWord} needs a reason after " -- "; it suppresses nothing without one`, span });
      continue;
    }
    if (until !== undefined && until < today) {
      problems.push({ code: 'expired', message: `suppression of ${ids.join(', ')} expired on ${until}`, span });
      continue;
    }
    const d: Directive = { kind: kindWord, ids, reason, fromLine: lineNo, toLine: lineNo, span, used: false };
    if (kindWord === 'disable-file') {
      d.fromLine = 1;
      d.toLine = Number.MAX_SAFE_INTEGER;
    } else if (kindWord === 'disable-next-line') {
      let target = idx + 1;
      while (target < count && (lineAt(target).trim() === '' || isComment(lineAt(target)))) target++;
      let end = target;
      if (CONTINUED.has(kind)) while (end + 1 < count && /^[ \t]/.test(lineAt(end + 1))) end++;
      d.fromLine = target + 1;
      d.toLine = end + 1;
    } else {
      d.toLine = Number.MAX_SAFE_INTEGER;
      for (const id of ids) open.set(id, d);
    }
    directives.push(d);
  }
  for (const [id, d] of open) {
    problems.push({ code: 'unclosed', message: `mailharden-disable ${id} has no matching mailharden-enable; it runs to the end of the file`, span: d.span });
  }
  return { directives, problems };
}
