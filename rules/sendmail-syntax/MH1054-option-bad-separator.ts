import { defineRule } from '../../src/core/rule.js';
import { sendmailName, separatorProblem, visible } from '../../src/model/cf-syntax.js';

export default defineRule({
  meta: {
    id: 'MH1054',
    slug: 'option-bad-separator',
    kinds: ['sendmail-cf'],
    description: 'An O line separates its parts with a TAB, extra blanks or a blank instead of "=", so sendmail refuses the whole file.',
    severity: 'critical',
    tags: ['syntax', 'options', 'fatal'],
    references: [],
    messages: {
      tabAfterO: 'a TAB after "O" is not the separator: sendmail reads the TAB as a one-letter option and refuses the file (readcf: unknown option name 0x9)',
      extraBlank: 'more than one blank after "O": the option name keeps the extra blank, and sendmail refuses the file (readcf: unknown option name {name})',
      noEquals: '"{first}" and its value are separated by a blank, not "=": sendmail takes "{name}" as the option name and refuses the file (readcf: unknown option name {name})',
      blankInName: 'the option name "{name}" contains a TAB or a blank: sendmail trims only spaces next to "=" and refuses the file (readcf: unknown option name {name})',
    },
    fix: 'write the line as "O Name=value": one space after O, then the name, then "=" (spaces around "=" are fine, TABs are not)',
  },
  check(doc, ctx) {
    for (const opt of doc.options) {
      const problem = separatorProblem(opt);
      if (!problem) continue;
      const name = sendmailName(opt);
      const data = { name: visible(name), first: name.split(/\s/)[0] ?? '' };
      const { joined } = opt.line;
      if (problem === 'tabAfterO') ctx.report({ messageId: problem, data, span: joined.span(1, 2) });
      else if (problem === 'extraBlank') ctx.report({ messageId: problem, data, span: joined.span(1, 2 + name.length - name.trimStart().length) });
      else ctx.report({ messageId: problem, data, span: opt.writtenSpan });
    }
  },
});
