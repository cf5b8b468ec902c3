import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH5010',
    slug: 'relayclient-value',
    kinds: ['tcp-rules'],
    description: 'A RELAYCLIENT with a value makes qmail-smtpd append that value to every recipient of the clients it is set for, local recipients included.',
    severity: 'medium',
    tags: ['tcprules', 'qmail', 'relay'],
    references: ['qmail-smtpd.8:RELAYCLIENT'],
    messages: {
      value: 'RELAYCLIENT="{value}": qmail-smtpd appends "{value}" to every recipient of the clients of "{address}" (x@example.com becomes x@example.com{value}), local recipients included',
    },
    fix: 'set RELAYCLIENT="" (empty) unless every recipient of these clients is meant to be rewritten',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (const i of t.noted().relayValues) {
      if (!t.isAllow(i) || !t.accepted(i)) continue;
      // tcpserver keeps the last of a repeated name.
      const first = t.varBase(i);
      for (let v = first + t.varCount(i) - 1; v >= first; v--) {
        if (!t.varIsRelayClient(v)) continue;
        if (!t.varValueEmpty(v)) ctx.report({ messageId: 'value', data: { value: t.varValue(v).slice(0, 60), address: t.address(i) }, span: t.varSpan(v, i) });
        break;
      }
    }
  },
});
