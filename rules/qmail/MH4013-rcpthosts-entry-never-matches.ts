import { defineRule } from '../../src/core/rule.js';
import { RCPT_LISTS, type ControlLine } from '../../src/parsers/qmail-control.js';

/**
 * Why qmail-smtpd never matches an entry of rcpthosts or morercpthosts (FORMATS.md §10, measured):
 * it compares the recipient's domain with the whole line, case-folded, after stripping only trailing
 * blanks; `.domain` is the one pattern. Undefined for an entry that can match.
 */
function neverMatches(text: string): { messageId: 'crlf' | 'blank' | 'blankComment' | 'comment' | 'wildcard' | 'at' | 'dot'; column: number } | undefined {
  if (text.endsWith('\r')) return { messageId: 'crlf', column: text.length };
  if (/^[ \t]+#/.test(text)) return { messageId: 'blankComment', column: 1 };
  if (/^[ \t]/.test(text)) return { messageId: 'blank', column: 1 };
  const hash = text.search(/[ \t]+#/);
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
    const crlf = doc.entries.length > 0 && doc.entries.every((e) => e.text.endsWith('\r'));
    for (const e of doc.entries) report(e);

    function report(e: ControlLine): void {
      const why = neverMatches(e.text);
      if (!why) return;
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
