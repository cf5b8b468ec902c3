import { defineRule } from '../../src/core/rule.js';
import { sendmailName } from '../../src/model/cf-syntax.js';

export default defineRule({
  meta: {
    id: 'MH1057',
    slug: 'abbreviated-option',
    kinds: ['sendmail-cf'],
    description: 'An O line abbreviates an option name; sendmail accepts it but warns every time it reads the file.',
    severity: 'low',
    tags: ['syntax', 'options'],
    references: [],
    messages: {
      abbreviation: '"{name}" abbreviates {full}: sendmail warns on every start (Option {name} used as abbreviation for {full}), and in SMTP mode sends that warning to the client before the greeting',
    },
    fix: 'write the option name in full',
  },
  check(doc, ctx) {
    for (const opt of doc.options) {
      if (opt.form !== 'long' || opt.lookup.status !== 'abbreviation') continue;
      const name = sendmailName(opt);
      const full = opt.lookup.name;
      ctx.report({ messageId: 'abbreviation', data: { name, full }, span: opt.line.joined.span(2, 2 + name.length), fix: `write the full name ${full}` });
    }
  },
});
