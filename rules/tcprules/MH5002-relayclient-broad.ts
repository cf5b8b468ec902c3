import { defineRule } from '../../src/core/rule.js';
import { spaceOf } from '../../src/model/tcprules.js';
import { BROAD, count, describeBlocks, OPEN_PUBLIC, relayGrants } from '../../src/model/tcp-relay.js';

export default defineRule({
  meta: {
    id: 'MH5002',
    slug: 'relayclient-broad',
    kinds: ['tcp-rules'],
    description: 'An allow rule sets RELAYCLIENT for a /16 or wider, so every host in that range, compromised or not, may relay through the server.',
    severity: 'medium',
    tags: ['tcprules', 'relay', 'qmail'],
    references: [],
    messages: {
      network: 'RELAYCLIENT for "{address}" lets {addresses} addresses ({cidrs}, {space}) relay through this host',
    },
    fix: 'set RELAYCLIENT only for the networks whose hosts must relay, as narrow as they are, and let roaming users relay with SMTP AUTH',
  },
  check(doc, ctx) {
    for (const g of relayGrants(doc)) {
      if (g.everyone || g.publicAddresses >= OPEN_PUBLIC || g.addresses < BROAD) continue;
      // Only the host itself connects from 127/8, and nothing from 0/8.
      const space = spaceOf(g.blocks);
      if (space === 'loopback' || space === 'this network') continue;
      ctx.report({
        messageId: 'network',
        data: { address: g.rule.address, addresses: count(g.addresses), cidrs: describeBlocks(g.blocks), space },
        span: g.rule.addressSpan,
        // The network, as a policy's relay.networks and accept: entries name it.
        subject: describeBlocks(g.blocks),
        ...(g.publicAddresses > 0 ? { severity: 'high' as const } : {}),
      });
    }
  },
});
