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
    for (const rule of doc.rules) {
      if (rule.refused || rule.action !== 'allow') continue;
      // tcpserver keeps the last of a repeated name.
      const v = rule.variables.filter((x) => x.name === 'RELAYCLIENT').at(-1);
      if (v && v.value !== '') ctx.report({ messageId: 'value', data: { value: v.value.slice(0, 60), address: rule.address }, span: v.span });
    }
  },
});
