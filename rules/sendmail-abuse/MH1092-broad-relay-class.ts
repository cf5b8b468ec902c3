import { defineRule } from '../../src/core/rule.js';
import { relayBreadth, relayClassOfCf, relayClassOfMc } from '../../src/model/sendmail-auth.js';

export default defineRule({
  meta: {
    id: 'MH1092',
    slug: 'broad-relay-class',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'Class R (RELAY_DOMAIN, CR lines) must not hold a top-level domain or a single octet: sendmail relays to every domain under it, or for every client in that /8.',
    severity: 'high',
    tags: ['relay'],
    references: ['sendmail-cf-README:RELAY_DOMAIN', 'DISA-STIG:GEN004710', 'CWE:284'],
    messages: {
      tld: 'class R holds "{entry}", one label: sendmail relays mail from anyone to every domain that ends in .{entry} (an open relay for them)',
      network: 'class R holds "{entry}", one octet: every client in {entry}.0.0.0/8 may relay',
    },
    fix: 'name the domains and networks that may relay in full (example.com, 192.0.2), in relay-domains or RELAY_DOMAIN()',
  },
  check(doc, ctx) {
    const entries = doc.kind === 'sendmail-cf' ? relayClassOfCf(doc) : relayClassOfMc(doc);
    for (const e of entries) {
      const breadth = relayBreadth(e.value);
      // A whole /8 that may relay is often a site's own private network: worth a look, not an open relay.
      if (breadth) ctx.report({ messageId: breadth, data: { entry: e.value.replace(/\.$/, '') }, span: e.span, ...(breadth === 'network' ? { severity: 'medium' as const } : {}) });
    }
  },
});
