import { defineRule } from '../../src/core/rule.js';
import { isOpen, relayCover, relayCandidate } from '../../src/model/access.js';

/** Who gains relaying from a suffix entry, by tag. */
const SUFFIX_EFFECT: Record<string, string> = {
  connect: 'every client whose host name ends in it may relay anywhere',
  to: 'anyone may relay mail to every address under it',
  '': 'every client whose host name ends in it may relay anywhere, and anyone may relay mail to every address under it',
};

export default defineRule({
  meta: {
    id: 'MH3003',
    slug: 'public-relay',
    kinds: ['access'],
    description: 'A RELAY entry covers a top-level domain or a large block of public address space, which makes the host an open relay.',
    severity: 'critical',
    tags: ['access', 'relay'],
    references: ['DISA-STIG:GEN004710', 'KISA:U-31'],
    messages: {
      suffix: 'RELAY for "{entry}" covers all of ".{suffix}": {effect}',
      network: 'RELAY for "{entry}" lets any client in {cidr} relay through this host: {addresses} {space} addresses',
    },
    fix: 'delete the entry and list only your own hosts, networks and domains as RELAY',
    suppressible: false,
  },
  check(doc, ctx) {
    const t = doc.table;
    for (let i = 0; i < t.count; i++) {
      if (!relayCandidate(t, i)) continue;
      const e = t.view(i);
      const cover = relayCover(e);
      const entry = e.tag ? `${e.tag}:${e.key}` : e.key;
      if (cover?.kind === 'suffix') {
        ctx.report({ messageId: 'suffix', data: { entry, suffix: cover.suffix, effect: SUFFIX_EFFECT[e.tag.toLowerCase()] ?? '' }, span: e.keySpan });
      } else if (cover?.kind === 'network' && isOpen(cover)) {
        ctx.report({ messageId: 'network', data: { entry, cidr: cover.cidr, addresses: cover.addresses, space: cover.space }, span: e.keySpan });
      }
    }
  },
});
