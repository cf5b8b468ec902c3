import { BLANKS, trimEndOf } from '../../src/core/trim.js';
import { defineRule } from '../../src/core/rule.js';
import { CF_LETTERS } from '../../src/parsers/sendmail-cf.js';
import { clip, commentCuts, visible, withoutComments } from '../../src/model/cf-syntax.js';

export default defineRule({
  meta: {
    id: 'MH1053',
    slug: 'comment-truncates-value',
    kinds: ['sendmail-cf'],
    description: 'An unescaped "#" inside a statement starts a comment, so sendmail silently drops the rest of the line.',
    severity: 'medium',
    tags: ['syntax', 'comment', 'silent'],
    references: [],
    messages: {
      cut: 'an unescaped "#" starts a comment here: sendmail drops "{dropped}" and reads only "{kept}"',
      inline: 'this looks like a comment on purpose, and sendmail reads it as one: only "{kept}" counts',
      rule: 'an unescaped "#" in the {field} of this rule starts a comment: sendmail drops "{dropped}" and reads only "{kept}"',
      ruleBroken: 'an unescaped "#" in the left-hand side of this rule starts a comment, and the TAB after it goes too: sendmail refuses the file (invalid rewrite line "{kept}" (tab expected))',
    },
    fix: 'write "\\#" for a literal "#", or move the comment to a line of its own',
  },
  check(doc, ctx) {
    const { lines } = doc;
    for (let i = 0; i < lines.length; i++) {
      // Only a line with a `#` can have a comment cut from it.
      if (lines.kind(i) !== 'statement' || !lines.hasHash(i)) continue;
      const line = lines.at(i);
      // commentAt is set only from config level 3 on, where readcf cuts comments at all.
      if (line.commentAt === undefined || line.letter === 'V' || !CF_LETTERS.has(line.letter)) continue;
      const { joined } = line;
      const raw = joined.text;
      // An R line's text after its second TAB-separated field is a comment anyway.
      const lhsEnd = raw.indexOf('\t');
      let rhsStart = lhsEnd;
      while (rhsStart >= 0 && raw[rhsStart] === '\t') rhsStart++;
      const rhsEnd = rhsStart < 0 ? -1 : raw.indexOf('\t', rhsStart);
      for (const cut of commentCuts(raw)) {
        let messageId: 'cut' | 'inline' | 'rule' | 'ruleBroken' = 'cut';
        let field = '';
        if (line.letter === 'R') {
          if (lhsEnd >= 0 && rhsEnd >= 0 && cut.at > rhsEnd) continue;
          messageId = 'rule';
          field = lhsEnd < 0 || cut.at < lhsEnd ? 'left-hand side' : 'right-hand side';
        }
        const lineStart = raw.lastIndexOf('\n', cut.at) + 1;
        const kept = trimEndOf(raw.slice(lineStart, cut.at), BLANKS);
        const data = { dropped: clip(visible(raw.slice(cut.at, cut.end)), 40), kept: clip(visible(kept)), field };
        const span = joined.span(cut.at, cut.end);
        // An R line needs a TAB between its sides; when the cut takes it, readcf refuses the line.
        if (line.letter === 'R' && !withoutComments(raw).includes('\t')) ctx.report({ messageId: 'ruleBroken', data, span, severity: 'critical', fix: 'write "\\#" for a literal "#" in a rule' });
        else if (messageId === 'cut' && /[ \t]$/.test(raw.slice(0, cut.at)) && /^#[ \t]+[A-Za-z0-9(]/.test(raw.slice(cut.at, cut.end))) {
          // `value   # a remark`: a comment meant as one leaves the value as written; keep it visible only.
          ctx.report({ messageId: 'inline', data, span, severity: 'info', fix: 'nothing to do if the comment is meant; otherwise write "\\#" for a literal "#"' });
        } else ctx.report({ messageId, data, span });
      }
    }
  },
});
