import { defineRule } from '../../src/core/rule.js';
import { lookupOption } from '../../src/model/sendmail-options.js';
import type { CfLine, CfOption } from '../../src/parsers/sendmail-cf.js';
import type { SourceFile } from '../../src/core/source.js';
import { clip, looksLikeStatement, visible } from '../../src/model/cf-syntax.js';
import { isJsSpace } from '../../src/core/trim.js';

export default defineRule({
  meta: {
    id: 'MH1051',
    slug: 'continuation-swallowed',
    kinds: ['sendmail-cf'],
    description: 'An indented statement continues the line before it, so sendmail never reads it as a line of its own.',
    severity: 'high',
    tags: ['syntax', 'continuation', 'silent'],
    references: [],
    messages: {
      comment: 'this line starts with a blank, so it continues the comment on line {line}: sendmail ignores "{statement}" without a word',
      statement: 'this line starts with a blank, so it continues line {line}: "{statement}" becomes part of {what} and is never read on its own',
    },
    fix: 'remove the blanks before the command letter so the line starts in column 1',
  },
  check(doc, ctx) {
    if (!/\n[ \t]/.test(doc.file.text)) return;
    let optionOf: Map<CfLine, CfOption> | undefined;
    const { lines } = doc;
    for (let i = 0; i < lines.length; i++) {
      if (lines.lineCount(i) < 2) continue;
      // After a statement only a continuation reading `O ` is reported: the lines of the file are
      // looked at before the line is made (most continuations are mailer fields).
      if (lines.kind(i) === 'statement' && !optionContinues(doc.file, lines.startLine(i), lines.lineCount(i))) continue;
      const line = lines.at(i);
      // A group that itself starts with a blank (the file's first line) is MH1052's.
      if ((line.kind !== 'comment' && line.kind !== 'statement') || /^\s/.test(line.joined.text)) continue;
      const { joined } = line;
      const first = joined.segment(0);
      optionOf ??= new Map(doc.options.map((o) => [o.line, o]));
      const option = line.letter === 'O' ? optionOf.get(line) : undefined;
      const what = option?.name ? `the ${option.name} value` : `that ${line.letter} line`;
      for (let k = 1; k < joined.lineCount; k++) {
        const seg = joined.segment(k);
        const raw = joined.text.slice(seg.offset, seg.offset + seg.length);
        const lead = raw.length - raw.trimStart().length;
        const statement = raw.trim();
        if (statement === '') continue;
        const span = joined.span(seg.offset + lead, seg.offset + seg.length);
        const data = { line: first.line, statement: clip(visible(statement)) };
        if (line.kind === 'comment') {
          if (looksLikeStatement(statement)) ctx.report({ messageId: 'comment', data, span });
          continue;
        }
        // After a statement, a continuation is often meant (a long PrivacyOptions value, mailer fields);
        // only an `O Name=` line with a real option name is surely a separate statement gone wrong.
        const o = /^O ([A-Za-z][\w.]*) *=/.exec(statement);
        if (!o || lookupOption(o[1]!).status !== 'exact') continue;
        ctx.report({ messageId: 'statement', data: { ...data, what }, span });
      }
    }
  },
});

/** Whether a continuation line of a group starts, after white space as `trim` removes it, with `O `. */
function optionContinues(file: SourceFile, first: number, count: number): boolean {
  const { text } = file;
  for (let k = 1; k < count; k++) {
    let p = file.lineStart(first + k);
    const end = file.lineEnd(first + k);
    while (p < end && isJsSpace(text.charCodeAt(p))) p++;
    if (p + 1 < end && text.charCodeAt(p) === 79 /* O */ && text.charCodeAt(p + 1) === 32) return true;
  }
  return false;
}
