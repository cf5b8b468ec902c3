import { lintText } from '../lint/text.js';
import { rules } from '../../rules/index.js';
import type { FileKind, Finding } from '../core/types.js';
import type { Policy } from '../policy/schema.js';

/** One `accept:` entry of the policy: a rule, the value its finding is about, and why it is accepted. */
export type Acceptance = NonNullable<Policy['accept']>[number];

/** What apply writes after `-- ` in the suppressions it owns: it finds (and rewrites) them by this. */
const ACCEPT_REASON = 'accepted in the policy:';

/**
 * A suppression line apply wrote: a whole `#` line (in a .mc `dnl #`, which m4 drops with its newline).
 * Matched exactly, so a directive someone wrote by hand is never taken for one of these.
 */
const OWN_LINE = new RegExp(`^(?:dnl )?# mailharden-disable-next-line MH[0-9]{4} -- ${ACCEPT_REASON} [^\\r\\n]*\\r?$`);

/**
 * Whether an acceptance covers a finding: the same rule, and the value is what the finding is about (its
 * subject: MH3001's and MH5002's network as a CIDR) or a value its message quotes (`"Connect:10.1"`).
 * Nothing else: accepting a rule for one network accepts nothing about another.
 */
export function accepts(a: Acceptance, f: Pick<Finding, 'ruleId' | 'subject' | 'message'>): boolean {
  return a.rule === f.ruleId && (f.subject === a.value || f.message.includes(`"${a.value}"`));
}

/** The value an `accept:` entry would name for a finding: its subject, or the first value its message quotes. */
export function acceptValue(f: Pick<Finding, 'subject' | 'message'>): string | undefined {
  return f.subject ?? /"([^"\s#'`\\]+)"/.exec(f.message)?.[1];
}

/**
 * Whether a whole comment line can go before line `n` without changing what the file says: not before a
 * line that continues the one above (in a cf or aliases file a blank-led line would then continue the
 * comment instead, MH1051/MH2007), and in a .mc only where m4 is at the top level: outside quotes,
 * parentheses and comments, so that `dnl` is read as the macro that drops the line.
 */
function placeable(kind: FileKind, lines: readonly string[], n: number): boolean {
  const line = lines[n - 1] ?? '';
  if ((kind === 'sendmail-cf' || kind === 'aliases') && /^[ \t]/.test(line)) return false;
  if (kind !== 'sendmail-mc') return true;
  let quotes = 0;
  let parens = 0;
  for (const l of lines.slice(0, n - 1)) {
    for (let i = 0; i < l.length; i++) {
      const c = l[i]!;
      if (quotes === 0 && (c === '#' || (l.startsWith('dnl', i) && !/\w/.test(l[i - 1] ?? '') && !/\w/.test(l[i + 3] ?? '')))) break;
      if (c === '`') quotes++;
      else if (c === "'" && quotes > 0) quotes--;
      else if (quotes === 0 && c === '(') parens++;
      else if (quotes === 0 && c === ')' && parens > 0) parens--;
    }
  }
  return quotes === 0 && parens === 0;
}

/** The directive line for one accepted finding, in the comment form of the file's kind. */
function directiveLine(kind: FileKind, a: Acceptance): string {
  // The schema allows no newline, `#`, quote or backtick in either value: checked again here, as every renderer does.
  if (/[\r\n#'"`]/.test(a.reason) || !/^MH[0-9]{4}$/.test(a.rule)) throw new Error(`unsafe accept entry ${JSON.stringify(a)}`);
  return `${kind === 'sendmail-mc' ? 'dnl ' : ''}# mailharden-disable-next-line ${a.rule} -- ${ACCEPT_REASON} ${a.reason}`;
}

/**
 * A rendered file with the policy's acceptances written into it: the suppressions apply wrote earlier are
 * removed, the text is linted, and a `mailharden-disable-next-line RULE -- accepted in the policy: REASON`
 * line goes right before each line with a finding an acceptance covers. So lint agrees with the policy
 * (the finding shows as suppressed, with the reason), and an acceptance taken out of the policy takes its
 * line out of the file. Also says which acceptances were used, and the findings whose line holds text
 * before them (a line of a .mc that starts inside other m4 text), where no line can be put.
 */
export function withAcceptances(text: string, kind: FileKind, path: string, list: readonly Acceptance[], localOnly: boolean): { text: string; used: Set<Acceptance>; unplaced: Finding[] } {
  const lines = text.split('\n');
  // Never one followed by a line that starts with a blank: apply puts none there (placeable), and in a
  // cf or aliases file taking it out would make that line continue the one before instead.
  const kept = lines.filter((l, i) => !OWN_LINE.test(l) || /^[ \t]/.test(lines[i + 1] ?? ''));
  const stripped = kept.join('\n');
  const used = new Set<Acceptance>();
  const unplaced: Finding[] = [];
  if (list.length === 0) return { text: stripped, used, unplaced };
  const before = new Map<number, string[]>();
  for (const f of lintText(stripped, kind, rules, { path, settings: { localOnly } })) {
    if (f.suppressed) continue;
    const a = list.find((x) => accepts(x, f));
    if (!a) continue;
    const line = kept[f.line - 1] ?? '';
    if (!placeable(kind, kept, f.line)) {
      unplaced.push(f);
      continue;
    }
    used.add(a);
    const directive = directiveLine(kind, a) + (line.endsWith('\r') ? '\r' : '');
    const at = before.get(f.line) ?? [];
    if (!at.includes(directive)) at.push(directive);
    before.set(f.line, at);
  }
  if (before.size === 0) return { text: stripped, used, unplaced };
  return { text: kept.flatMap((l, i) => [...(before.get(i + 1) ?? []), l]).join('\n'), used, unplaced };
}
