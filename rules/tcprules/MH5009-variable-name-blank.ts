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
    const t = doc.table;
    for (const i of t.noted().edgeVars) {
      const n = t.varCount(i);
      if (n === 0 || !t.accepted(i)) continue;
      for (let v = t.varBase(i); v < t.varBase(i) + n; v++) {
        // A name that starts and ends in printable ASCII has no blank to trim: no string is made for it.
        if (!t.varNameMayHaveBlankEdge(v)) continue;
        const name = t.varName(v);
        const trimmed = name.trim();
        if (trimmed === name || trimmed === '') continue;
        const data = { name, trimmed, address: t.address(i) };
        ctx.report({ messageId: trimmed === 'RELAYCLIENT' ? 'relay' : 'other', data, span: t.varSpan(v, i) });
      }
    }
  },
});
