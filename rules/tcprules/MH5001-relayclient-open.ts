import { defineRule } from '../../src/core/rule.js';
import { spaceOf } from '../../src/model/tcprules.js';
import { count, describeBlocks, OPEN_PUBLIC, relayGrants } from '../../src/model/tcp-relay.js';

export default defineRule({
  meta: {
    id: 'MH5001',
    slug: 'relayclient-open',
    kinds: ['tcp-rules'],
    description: 'An allow rule sets RELAYCLIENT for the default rule, for every named host, or for a block of public address space, which makes qmail-smtpd an open relay.',
    severity: 'critical',
    tags: ['tcprules', 'relay', 'qmail'],
    references: ['DISA-STIG:GEN004710', 'KISA:U-31'],
    messages: {
      default: 'the default rule sets RELAYCLIENT: every client that no other line matches may relay through this host',
      anyHost: 'the "=" rule sets RELAYCLIENT: every client whose address has a reverse DNS name may relay through this host',
      tld: 'RELAYCLIENT for "={suffix}": every client whose reverse DNS name ends in {suffix} may relay, and the owner of an address chooses its reverse DNS name',
      network: 'RELAYCLIENT for "{address}" lets {addresses} addresses ({cidrs}, {space}) relay through this host, {public} of them public',
    },
    fix: 'set RELAYCLIENT only for your own hosts and networks, and end the file with a default rule that does not set it (":allow" or ":deny")',
    suppressible: false,
  },
  check(doc, ctx) {
    for (const g of relayGrants(doc)) {
      const span = g.rule.addressSpan;
      if (g.everyone?.kind === 'default') ctx.report({ messageId: 'default', span });
      else if (g.everyone?.kind === 'any-host') ctx.report({ messageId: 'anyHost', span });
      else if (g.everyone?.kind === 'tld') ctx.report({ messageId: 'tld', data: { suffix: g.everyone.suffix }, span });
      else if (g.publicAddresses >= OPEN_PUBLIC) {
        ctx.report({ messageId: 'network', data: { address: g.rule.address, addresses: count(g.addresses), cidrs: describeBlocks(g.blocks), space: spaceOf(g.blocks), public: count(g.publicAddresses) }, span });
      }
    }
  },
});
