import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH5007',
    slug: 'ipv6-rule',
    kinds: ['tcp-rules'],
    description: 'A rule names an IPv6 address, which the tcprules of ucspi-tcp 0.88 cannot parse: it stops with exit 100 and keeps the old cdb.',
    severity: 'critical',
    tags: ['tcprules', 'syntax', 'qmail', 'ipv6'],
    references: [],
    messages: {
      ipv6: '{reason}: the tcprules of ucspi-tcp 0.88 splits the line at its first colon, cannot parse it, stops with exit 100 and keeps the old cdb',
    },
    fix: 'remove the IPv6 rules (tcpserver of this build never sees an IPv6 client), or install ucspi-tcp-ipv6, whose tcprules reads them as text prefixes ending in ":"',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (const i of t.noted().refused) {
      if (t.refusedCode(i) !== 'ipv6') continue;
      const r = t.refused(i)!;
      ctx.report({ messageId: 'ipv6', data: { reason: r.message }, span: r.span });
    }
  },
});
