import { detached, type SourceFile } from './source.js';
import type { FileKind, Span } from './types.js';

/** The lines one rule is suppressed on by one directive. */
export interface Range {
  id: string;
  from: number;
  to: number;
  directive: Directive;
}

/** A parsed `# mailharden-…` directive. */
export interface Directive {
  kind: 'disable-next-line' | 'disable' | 'disable-file';
  ids: string[];
  reason: string;
  span: Span;
  /** Set when one of its ranges suppressed a finding. */
  used: boolean;
  ranges: Range[];
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

const DIRECTIVE = /^(?:dnl[ \t]*)?#[ \t]*mailharden-(disable-next-line|disable-file|disable|enable)(?=[ \t]|$)(.*)$/;
/** Something meant as a directive but not one: `mailharden-<word>` in a comment, or without its `#`. */
const LOOKS_LIKE = /^[ \t]*(?:dnl[ \t]*)?#?[ \t]*mailharden-[a-z]/i;
/** The reason separator: `--` standing alone as a word. */
const SEPARATOR = /(?:^|[ \t])--(?:[ \t]|$)/;

/** Kinds whose lines starting with a blank continue the previous line (and a comment). */
const CONTINUED: ReadonlySet<FileKind> = new Set(['sendmail-cf', 'aliases']);

/**
 * Kinds whose files take no inline directives. In most qmail control files (me, smtpgreeting,
 * databytes, …) a `#` line is data, not a comment (UX.md §7), so directives are never read from any
 * of them: their findings are suppressed in `.mailharden.yaml` only.
 */
export const NO_INLINE_DIRECTIVES: ReadonlySet<FileKind> = new Set(['qmail-control']);

/**
 * Reads the suppression directives of a file. They are whole `#` lines (in a .mc also `dnl #`), since a
 * `#` in these formats only starts a comment at the beginning of a line. A directive needs a reason
 * after ` -- `; without one it is reported and suppresses nothing. `disable` opens one range per rule,
 * and `enable` closes every open range of the rules it names (only those).
 *
 * Feed the file, or the parts of a large one in order, then finish. A `disable` may be closed in a
 * later part, and a `disable-next-line` at the end of a part aims at the first statement of the next
 * (a part never starts inside a statement's continuation lines).
 */
export class DirectiveReader {
  private readonly directives: Directive[] = [];
  private readonly problems: DirectiveProblem[] = [];
  private readonly open = new Map<string, Range[]>();
  /** `disable-next-line` ranges whose target line lies beyond the parts fed so far. */
  private waiting: Range[] = [];

  constructor(
    private readonly kind: FileKind,
    private readonly names: RuleNames,
    private readonly today: string,
  ) {}

  feed(file: SourceFile): void {
    const { kind, names, today, open } = this;
    let nextTarget: Int32Array | undefined;
    const target = (n: number): number => {
      nextTarget ??= targets(file, kind);
      return nextTarget[n - file.firstLine + 1]!;
    };
    if (this.waiting.length) {
      const from = target(file.firstLine - 1);
      const to = from <= file.lastLine ? extent(file, kind, from) : from;
      for (const r of this.waiting) {
        r.from = from;
        r.to = to;
      }
      if (from <= file.lastLine) this.waiting = [];
    }
    // Most files hold no directive at all: look for the word once in the whole text first.
    if (!file.text.includes('mailharden-')) return;
    if (NO_INLINE_DIRECTIVES.has(kind)) {
      for (const p of unreadDirectives(file)) this.problems.push(p);
      return;
    }
    for (let n = file.firstLine; n <= file.lastLine; n++) {
      const raw = file.line(n);
      if (!raw.includes('mailharden-')) continue;
      const text = raw.replace(/\r$/, '');
      const span = file.lineSpan(n);
      const m = DIRECTIVE.exec(text);
      if (!m) {
        if (LOOKS_LIKE.test(text)) this.problem('malformed', `not a mailharden directive: "${text.trim().slice(0, 80)}" (a directive is a whole "# mailharden-disable… IDS -- reason" line starting in column 1)`, span);
        continue;
      }
      const verb = m[1] as 'disable-next-line' | 'disable-file' | 'disable' | 'enable';
      const rest = m[2]!;
      const sep = SEPARATOR.exec(rest);
      const head = (sep ? rest.slice(0, sep.index) : rest).trim();
      // Kept until the report is printed: a copy, not a slice of the (part's) text.
      const reason = sep ? detached(rest.slice(sep.index + sep[0].length).trim()) : '';
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
          this.problem('unknown-id', `directive names "${word}", which is not a mailharden rule`, span);
          continue;
        }
        if (!names.suppressible(id)) {
          this.problem('not-suppressible', `${id} cannot be suppressed: fix the configuration instead`, span);
          continue;
        }
        ids.push(id);
      }
      if (verb === 'enable') {
        for (const id of ids) {
          for (const r of open.get(id) ?? []) r.to = n;
          open.delete(id);
        }
        continue;
      }
      if (ids.length === 0) {
        if (head === '') this.problem('malformed', `mailharden-${verb} names no rule`, span);
        continue;
      }
      if (reason === '') {
        this.problem('no-reason', `mailharden-${verb} needs a reason after " -- "; it suppresses nothing without one`, span);
        continue;
      }
      if (until !== undefined && until < today) {
        this.problem('expired', `suppression of ${ids.join(', ')} expired on ${until}`, span);
        continue;
      }
      const d: Directive = { kind: verb, ids, reason, span, used: false, ranges: [] };
      let from = n;
      let to = n;
      let waits = false;
      if (verb === 'disable-file') {
        from = 1;
        to = Number.MAX_SAFE_INTEGER;
      } else if (verb === 'disable-next-line') {
        from = target(n);
        waits = from > file.lastLine;
        to = waits ? from : extent(file, kind, from);
      } else {
        to = Number.MAX_SAFE_INTEGER;
      }
      for (const id of ids) {
        const r: Range = { id, from, to, directive: d };
        d.ranges.push(r);
        if (waits) this.waiting.push(r);
        if (verb === 'disable') {
          const list = open.get(id);
          if (list) list.push(r);
          else open.set(id, [r]);
        }
      }
      this.directives.push(d);
    }
  }

  /** Records a problem; its message may quote the line, so it is copied rather than sliced from the text. */
  private problem(code: DirectiveProblem['code'], message: string, span: Span): void {
    this.problems.push({ code, message: detached(message), span });
  }

  finish(): { directives: Directive[]; problems: DirectiveProblem[] } {
    for (const [id, ranges] of this.open) {
      for (const r of ranges) this.problems.push({ code: 'unclosed', message: `mailharden-disable ${id} has no matching mailharden-enable; it runs to the end of the file`, span: r.directive.span });
    }
    this.open.clear();
    return { directives: this.directives, problems: this.problems };
  }
}

/** Directive lines in a file of a kind that takes none: each is reported, and none suppresses anything. */
function unreadDirectives(file: SourceFile): DirectiveProblem[] {
  const problems: DirectiveProblem[] = [];
  for (let n = file.firstLine; n <= file.lastLine; n++) {
    const text = file.line(n).replace(/\r$/, '');
    if (!text.includes('mailharden-') || !(DIRECTIVE.test(text) || LOOKS_LIKE.test(text))) continue;
    problems.push({
      code: 'malformed',
      message: 'qmail control files take no inline directives (in most of them a "#" line is data): suppress in .mailharden.yaml "ignores:" and remove this line',
      span: file.lineSpan(n),
    });
  }
  return problems;
}

/**
 * For each line, the line a `disable-next-line` on it aims at: the next line that is not blank and
 * not a comment (in a cf or aliases file, not an indented line either, which continues the comment).
 * Computed backwards in one pass, so a run of directives costs no more than the file.
 */
function targets(file: SourceFile, kind: FileKind): Int32Array {
  // Indexed by line - firstLine + 1: the next statement after that line; past the last line, lastLine + 1.
  const base = file.firstLine - 1;
  const count = file.lineCount;
  const out = new Int32Array(count + 2);
  let next = file.lastLine + 1;
  out[count + 1] = next;
  for (let i = count; i >= 1; i--) {
    out[i] = next;
    const t = file.line(base + i);
    const skip = t.trim() === '' || t.startsWith('#') || (kind === 'sendmail-mc' && /^dnl\b/.test(t)) || (CONTINUED.has(kind) && /^[ \t]/.test(t)) || (kind === 'qmail-run' && /^[ \t]*#/.test(t));
    if (!skip) next = base + i;
  }
  // Slot 0 (the line before the text): the first statement of the text, for a directive of an earlier part.
  out[0] = next;
  return out;
}

/** The last line of the statement starting at `from`: its continuation lines, or a call's closing parenthesis. */
function extent(file: SourceFile, kind: FileKind, from: number): number {
  const count = file.lastLine;
  let to = from;
  if (CONTINUED.has(kind)) {
    while (to < count && (/^[ \t]/.test(file.line(to + 1)) || (kind === 'aliases' && file.line(to).endsWith('\\')))) to++;
  } else if (kind === 'qmail-run') {
    // A shell command continues while its line ends in a backslash.
    while (to < count && /\\\r?$/.test(file.line(to))) to++;
  } else if (kind === 'sendmail-mc') {
    // A call may span lines: follow unquoted parentheses until they balance (at most 200 lines).
    let depth = 0;
    let quote = 0;
    for (let n = from; n <= Math.min(count, from + 200); n++) {
      for (const c of file.line(n)) {
        if (c === '`') quote++;
        else if (c === "'" && quote > 0) quote--;
        else if (quote === 0 && c === '(') depth++;
        else if (quote === 0 && c === ')') depth--;
      }
      to = n;
      if (depth <= 0) break;
    }
  }
  return to;
}
