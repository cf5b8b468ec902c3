import { defineRule } from '../../src/core/rule.js';
import { clip, meantLongName, visible } from '../../src/model/cf-syntax.js';

export default defineRule({
  meta: {
    id: 'MH1050',
    slug: 'option-without-space',
    kinds: ['sendmail-cf'],
    description: 'An O line names a long option without the space after O, so sendmail silently sets a one-letter option instead.',
    severity: 'high',
    tags: ['syntax', 'options', 'silent'],
    references: [],
    messages: {
      letter: 'no space after "O": sendmail reads the one-letter option {letter} ({letterName}) with the value "{value}" and never sets {meant}',
      own: 'no space after "O": sendmail reads the one-letter option {letter} ({letterName}) with the value "{value}", not "{intended}"',
      macro: 'no space after "O": sendmail reads the one-letter option M, which defines the macro ${macro} as "{value}", and never sets {meant}',
    },
    fix: 'put exactly one space between O and the option name',
  },
  check(doc, ctx) {
    for (const opt of doc.options) {
      // Only letters sendmail knows: `ONoSuchLetter…` is fatal and MH1055 reports it.
      const meant = opt.lookup.status === 'exact' ? meantLongName(opt) : undefined;
      if (!meant) continue;
      const value = clip(visible(opt.value));
      const fix = `write "O ${meant.written}=…" with one space after O`;
      const span = opt.line.joined.span(0, 1 + meant.written.length);
      if (opt.written === 'M') ctx.report({ messageId: 'macro', data: { macro: opt.value[0] ?? '', value: clip(visible(opt.value.slice(1))), meant: meant.name }, span, fix });
      else if (opt.name === meant.name) {
        const intended = opt.value.slice(opt.value.indexOf('=') + 1).trim();
        ctx.report({ messageId: 'own', data: { letter: opt.written, letterName: meant.name, value, intended: clip(visible(intended)) }, span, fix });
      } else ctx.report({ messageId: 'letter', data: { letter: opt.written, letterName: opt.name ?? 'no long name', value, meant: meant.name }, span, fix });
    }
  },
});
