import { defineRule } from '../../src/core/rule.js';
import { deadDnsbl } from '../../src/model/dnsbl-lists.js';
import { antiSpamOf } from '../../src/model/sendmail-antispam.js';

export default defineRule({
  meta: {
    id: 'MH1097',
    slug: 'dead-dnsbl',
    kinds: ['sendmail-mc', 'sendmail-cf'],
    description: "FEATURE(`dnsbl') and FEATURE(`enhdnsbl') must name a DNS blocklist that still works: some closed lists answer every query as listed, and refuse all mail, others answer nothing.",
    severity: 'medium',
    tags: ['anti-spam', 'dnsbl'],
    references: ['sendmail-cf-README:dnsbl', 'sendmail-cf-README:enhdnsbl', 'RFC:6471'],
    messages: {
      everything: 'DNS blocklist {zone} is dead and answers every query as listed ({history}): every client is refused',
      empty: 'DNS blocklist {zone} is dead ({history}): it blocks nothing, and each connection waits for its lookups',
      subscription: 'DNS blocklist {zone}: {history}; unless this server subscribes, it blocks nothing',
      noZone: 'FEATURE(`{feature}\') names no list: m4 prints "missing argument" and writes a lookup of an empty-labelled name (d.c.b.a..), which blocks nothing',
    },
    fix: 'remove the FEATURE line of this list from the .mc and rebuild the .cf, or replace it with a list in service whose terms the site meets',
  },
  check(doc, ctx) {
    if (!doc.sendmail.servesSmtp) return;
    for (const l of antiSpamOf(doc).dnsbl) {
      if (l.zone === '') {
        ctx.report({ messageId: 'noZone', data: { feature: l.feature }, span: l.span, severity: 'low', subject: 'no zone' });
        continue;
      }
      const dead = deadDnsbl(l.zone);
      if (!dead) continue;
      const data = { zone: l.zone, history: dead.history };
      if (dead.state === 'lists-everything') ctx.report({ messageId: 'everything', data, span: l.span, severity: 'high', subject: l.zone });
      else if (dead.state === 'empty') ctx.report({ messageId: 'empty', data, span: l.span, subject: l.zone });
      else ctx.report({ messageId: 'subscription', data, span: l.span, severity: 'low', subject: l.zone });
    }
  },
});
