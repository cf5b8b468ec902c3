import { defineRule } from '../../src/core/rule.js';
import { isBroad, isOpen, relayCover, relayCandidate } from '../../src/model/access.js';

export default defineRule({
  meta: {
    id: 'MH3001',
    slug: 'broad-relay',
    kinds: ['access'],
    description: 'A RELAY entry lets a whole /16 or wider network relay, or is written to let everyone relay.',
    severity: 'high',
    tags: ['access', 'relay'],
    references: [],
    messages: {
      network: 'RELAY for "{entry}" lets any client in {cidr} relay through this host: {addresses} {space} addresses',
      nothing: 'RELAY for "{entry}" reads as "relay for everyone" but does nothing: {reason}',
    },
    fix: 'list only the networks whose hosts must relay, as narrow as they are (three octets or more), and let roaming users relay with SMTP AUTH',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (let i = 0; i < t.count; i++) {
      if (!relayCandidate(t, i)) continue;
      const e = t.view(i);
      const cover = relayCover(e);
      const entry = e.tag ? `${e.tag}:${e.key}` : e.key;
      if (cover?.kind === 'nothing') {
        ctx.report({ messageId: 'nothing', data: { entry, reason: cover.reason }, span: e.span, severity: 'medium', fix: 'delete the entry, and list the networks that may relay instead' });
      } else if (cover?.kind === 'network' && isBroad(cover) && !isOpen(cover) && cover.space !== 'loopback') {
        ctx.report({ messageId: 'network', data: { entry, cidr: cover.cidr, addresses: cover.addresses, space: cover.space }, span: e.keySpan, subject: cover.cidr });
      }
    }
  },
});
