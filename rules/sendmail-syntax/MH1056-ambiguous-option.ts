import { defineRule } from '../../src/core/rule.js';
import { OPTION_TABLE } from '../../src/model/option-table.js';
import { sendmailName } from '../../src/model/cf-syntax.js';

/** An empty name is a prefix of every option: sendmail names the first two of its table. */
const FIRST_TWO = OPTION_TABLE.map(([name]) => name).filter(Boolean).slice(0, 2);

export default defineRule({
  meta: {
    id: 'MH1056',
    slug: 'ambiguous-option',
    kinds: ['sendmail-cf'],
    description: 'An O line names an option by a prefix that fits more than one option, so sendmail refuses the whole file.',
    severity: 'critical',
    tags: ['syntax', 'options', 'fatal'],
    references: [],
    messages: {
      ambiguous: '"{name}" is the start of more than one option name: sendmail refuses the file (readcf: ambiguous option name {name} (matches {first} and {second}))',
      emptyName: 'the name before ".{sub}" is empty, and an empty name matches every option: sendmail refuses the file (readcf: ambiguous option name  (matches {first} and {second}))',
    },
    fix: 'write the option name in full',
  },
  check(doc, ctx) {
    for (const opt of doc.options) {
      if (opt.form !== 'long') continue;
      const name = sendmailName(opt);
      if (opt.lookup.status === 'ambiguous') {
        const [first, second] = opt.lookup.matches;
        ctx.report({ messageId: 'ambiguous', data: { name, first, second }, span: opt.writtenSpan, fix: `write the option name in full (${first}, ${second} or another option starting with "${name}")` });
      } else if (name === '' && opt.written.startsWith('.')) {
        ctx.report({ messageId: 'emptyName', data: { sub: opt.written.slice(1), first: FIRST_TWO[0] ?? '', second: FIRST_TWO[1] ?? '' }, span: opt.writtenSpan });
      }
    }
  },
});
