import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH5009',
    slug: 'variable-name-blank',
    kinds: ['tcp-rules'],
    description: 'A blank between the comma and a variable\'s name is kept by tcprules as part of the name: `allow, RELAYCLIENT=""` sets a variable " RELAYCLIENT" that qmail-smtpd never reads, so the clients it was meant for cannot relay.',
    severity: 'medium',
    tags: ['tcprules', 'qmail', 'syntax'],
    references: [],
    messages: {
      relay: 'the blank before RELAYCLIENT is part of the name: tcpserver sets "{name}", which qmail-smtpd never reads, so the clients of "{address}" get no relaying ("553 sorry, that domain isn\'t in my list of allowed rcpthosts")',
      other: 'the blank in "{name}" is part of the name: tcpserver sets a variable of that name, and nothing reads it under the name {trimmed}',
    },
    fix: 'write no blank around the comma or the name: address:allow,RELAYCLIENT=""',
  },
  check(doc, ctx) {
    for (const rule of doc.rules) {
      if (rule.refused || !rule.action) continue;
      for (const v of rule.variables) {
        const trimmed = v.name.trim();
        if (trimmed === v.name || trimmed === '') continue;
        const data = { name: v.name, trimmed, address: rule.address };
        ctx.report({ messageId: trimmed === 'RELAYCLIENT' ? 'relay' : 'other', data, span: v.span });
      }
    }
  },
});
