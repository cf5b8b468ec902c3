import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH2003',
    slug: 'unquoted-program-args',
    kinds: ['aliases'],
    description: 'A program target with arguments is not in double quotes, so sendmail turns its blanks into dots and runs a command that does not exist.',
    severity: 'medium',
    tags: ['aliases', 'program', 'syntax'],
    references: [],
    messages: { unquoted: 'program target "{text}" is not quoted: sendmail runs "{mangled}" instead' },
    fix: 'put the whole target in double quotes: "|/path/to/program args"',
  },
  check(doc, ctx) {
    for (const e of doc.withDeliveries) {
      for (const t of e.deliveries) {
        if (t.kind !== 'program' || t.quoted || !/[ \t]/.test(t.command ?? '')) continue;
        const mangled = `|${t.command!.replace(/[ \t]+/g, '.')}`;
        ctx.report({ messageId: 'unquoted', data: { text: t.text, mangled }, span: t.span, fix: `write it as "|${t.command}"` });
      }
    }
  },
});
