import { defineRule } from '../../src/core/rule.js';
import { OPTION_TABLE } from '../../src/model/option-table.js';
import { nearest } from '../../src/core/nearest.js';
import { meantLongName, sendmailName, separatorProblem, visible } from '../../src/model/cf-syntax.js';

const NAMES = OPTION_TABLE.map(([name]) => name).filter(Boolean);

export default defineRule({
  meta: {
    id: 'MH1055',
    slug: 'unknown-option',
    kinds: ['sendmail-cf'],
    description: 'An O line names an option sendmail does not know, so sendmail refuses the whole file.',
    severity: 'critical',
    tags: ['syntax', 'options', 'fatal'],
    references: [],
    messages: {
      name: 'sendmail 8.17 has no option "{name}" and refuses the file (readcf: unknown option name {name})',
      letter: '"O{letter}" names no one-letter option: sendmail refuses the file (readcf: unknown option name 0x{hex})',
      noSpace: '"O{written}" lacks the space after O: sendmail reads "{letter}" as a one-letter option, which does not exist, and refuses the file (readcf: unknown option name 0x{hex})',
      bare: '"O" names no option: sendmail refuses the file (readcf: unknown option name 0x0)',
      empty: 'the option name is empty: sendmail refuses the file (readcf: null option name)',
    },
    fix: 'correct the option name (see "Configuration Options" in the sendmail Installation and Operation Guide) or remove the line',
  },
  check(doc, ctx) {
    for (const opt of doc.options) {
      // Names with blanks in them are MH1054's; ".sub" without a name is ambiguous (MH1056).
      if (opt.lookup.status !== 'unknown' || separatorProblem(opt)) continue;
      const { joined, text } = opt.line;
      if (text.trim() === 'O') {
        ctx.report({ messageId: 'bare', span: joined.span(0, 1) });
        continue;
      }
      if (opt.form === 'short') {
        const hex = opt.written.charCodeAt(0).toString(16);
        const meant = meantLongName(opt);
        if (meant) {
          const { written } = meant;
          ctx.report({ messageId: 'noSpace', data: { written, letter: opt.written, hex }, span: joined.span(0, 1 + written.length), fix: `write "O ${written}=…" with one space after O` });
        } else {
          ctx.report({ messageId: 'letter', data: { letter: visible(opt.written), hex }, span: joined.span(1, 2) });
        }
        continue;
      }
      const name = sendmailName(opt);
      if (name === '') {
        if (!opt.written.startsWith('.')) ctx.report({ messageId: 'empty', span: joined.span(0, text.indexOf('=') + 1) });
        continue;
      }
      const guess = nearest(name, NAMES);
      ctx.report({ messageId: 'name', data: { name: visible(name) }, span: opt.writtenSpan, ...(guess ? { fix: `correct the option name, probably to ${guess}` } : {}) });
    }
  },
});
