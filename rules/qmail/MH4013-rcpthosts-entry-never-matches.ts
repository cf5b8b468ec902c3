import { defineRule } from '../../src/core/rule.js';
import { RCPT_LISTS, type ControlLine } from '../../src/parsers/qmail-control.js';

/**
 * Where the first run of blanks followed by `#` starts (what `text.search(/[ \t]+#/)` answers), or -1:
 * in one pass (the regular expression rescans a long run of blanks from each of its characters).
 */
function blankHash(text: string): number {
  for (let k = text.indexOf('#', 1); k > 0; k = text.indexOf('#', k + 1)) {
    let s = k;
    while (s > 0 && (text.charCodeAt(s - 1) === 32 || text.charCodeAt(s - 1) === 9)) s--;
    if (s < k) return s;
  }
  return -1;
}

/**
 * Why qmail-smtpd never matches an entry of rcpthosts or morercpthosts (FORMATS.md §10, measured):
 * it compares the recipient's domain with the whole line, case-folded, after stripping only trailing
 * blanks; `.domain` is the one pattern. Undefined for an entry that can match.
 */
function neverMatches(text: string): { messageId: 'crlf' | 'blank' | 'blankComment' | 'comment' | 'wildcard' | 'at' | 'dot'; column: number } | undefined {
  // Most entries have none of these characters where they matter: answered without a regular expression.
  const c0 = text.charCodeAt(0);
  const last = text.charCodeAt(text.length - 1);
  if (c0 !== 32 && c0 !== 9 && c0 !== 42 && last !== 13 && last !== 46 && !text.includes('#') && !text.includes('@')) return undefined;
  if (text.endsWith('\r')) return { messageId: 'crlf', column: text.length };
  if (/^[ \t]+#/.test(text)) return { messageId: 'blankComment', column: 1 };
  if (/^[ \t]/.test(text)) return { messageId: 'blank', column: 1 };
  const hash = blankHash(text);
  if (hash >= 0) return { messageId: 'comment', column: hash + 1 };
  if (text.startsWith('*')) return { messageId: 'wildcard', column: 1 };
  if (text.includes('@')) return { messageId: 'at', column: text.indexOf('@') + 1 };
  if (text.endsWith('.')) return { messageId: 'dot', column: text.length };
  return undefined;
}

export default defineRule({
  meta: {
    id: 'MH4013',
    slug: 'rcpthosts-entry-never-matches',
    kinds: ['qmail-control'],
    description: 'An entry of rcpthosts or morercpthosts that qmail-smtpd never matches (a CR of a CRLF file, a leading blank, an inline comment, `*.`, `@`, a trailing dot) leaves the domain refused with 553.',
    severity: 'medium',
    tags: ['qmail', 'relay', 'syntax'],
    references: ['qmail-smtpd.8:rcpthosts', 'qmail-control.5:comments'],
    messages: {
      crlf: 'the line ends in a carriage return (a CRLF file), which qmail-smtpd keeps: "{entry}" never matches and mail for it is refused with 553{all}',
      blank: 'the line starts with a blank, which qmail-smtpd keeps: "{entry}" never matches and mail for it is refused with 553',
      blankComment: 'a "#" is a comment only in the first column: this line is an entry that matches no domain (harmless, but not a comment)',
      comment: 'a "#" is a comment only in the first column: qmail-smtpd compares domains with the whole line "{entry}", which never matches, and mail for {domain} is refused with 553',
      wildcard: '"{entry}": qmail-smtpd has no "*" pattern; ".{suffix}" matches the subdomains of {suffix} (and "{suffix}" the domain itself)',
      at: '"{entry}": qmail-smtpd compares only the domain after the last "@" of a recipient, so an entry with "@" never matches',
      dot: '"{entry}" matches only recipients written with the final dot ("x@{entry}"); mail for {domain} is refused with 553',
    },
    fix: 'write one domain per line, alone, from the first column, with LF line ends: "example.com" for the domain and ".example.com" for its subdomains; comments on lines of their own starting with "#"',
  },
  check(doc, ctx) {
    if (!doc.name || !RCPT_LISTS.has(doc.name)) return;
    const entries = doc.entries;
    let crlf = entries.length > 0;
    for (let i = 0; crlf && i < entries.length; i++) crlf = entries.text(i).endsWith('\r');
    // The text of each entry alone; its line and span only for an entry that never matches.
    for (let i = 0; i < entries.length; i++) {
      const why = neverMatches(entries.text(i));
      if (why) report(entries.get(i), why);
    }

    function report(e: ControlLine, why: NonNullable<ReturnType<typeof neverMatches>>): void {
      const entry = e.text.replace(/\r$/, '').trim().slice(0, 80);
      const domain = entry.replace(/[ \t]*#.*$/, '').replace(/\.$/, '');
      const suffix = entry.replace(/^\*\.?/, '');
      const all = why.messageId === 'crlf' && crlf ? ' (every line of this file: no domain is accepted)' : '';
      const column = e.span.start.column + why.column - 1;
      ctx.report({
        messageId: why.messageId,
        data: { entry, domain, suffix, all },
        span: { start: { line: e.line, column }, end: { line: e.line, column: column + 1 } },
        ...(why.messageId === 'blankComment' ? { severity: 'info' as const } : why.messageId === 'crlf' && crlf ? { severity: 'high' as const } : {}),
      });
    }
  },
});
