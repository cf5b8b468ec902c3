import { defineRule } from '../../src/core/rule.js';
import type { Severity } from '../../src/core/types.js';

/** What each feature weakens, after cf/README (FEATURES and ANTI-SPAM CONFIGURATION CONTROL). */
const WEAK = new Map<string, { severity: Severity; risk: string }>([
  ['relay_based_on_MX', { severity: 'high', risk: 'relays for every domain whose MX record names this host, and anyone can publish such a record: cf/README warns outsiders can use the server "as a relay for their site ... without any prior arrangement"' }],
  ['relay_local_from', { severity: 'high', risk: 'relays any message whose envelope sender claims a local domain: cf/README warns it "will allow spammers to spam using your mail server by simply specifying a return address of user@your.domain.com"' }],
  ['relay_mail_from', { severity: 'high', risk: 'relays any message whose envelope sender is listed as RELAY in the access map, and senders are forged at will: cf/README says it "allows spammers to abuse your mail server"' }],
  ['loose_relay_check', { severity: 'high', risk: 'lets a %-hack recipient (user%elsewhere@allowed.host) relay on the strength of allowed.host, without checking elsewhere: cf/README warns it "can allow spammers to relay through your server if not setup properly"' }],
  ['relay_entire_domain', { severity: 'medium', risk: 'lets every host in class {m} relay; cf/README warns to "make sure that your domain is not just a top level domain", which happens when the host is named example.com' }],
  ['accept_unresolvable_domains', { severity: 'low', risk: 'accepts MAIL FROM domains that DNS cannot resolve, so forged and unanswerable senders get in and their bounces stay in the queue' }],
  ['accept_unqualified_senders', { severity: 'low', risk: 'accepts MAIL FROM addresses without a domain from network clients, which sendmail refuses by default' }],
]);

export default defineRule({
  meta: {
    id: 'MH1041',
    slug: 'weak-relay-feature',
    kinds: ['sendmail-mc', 'sendmail-cf'],
    description: 'FEATUREs that widen relaying or sender acceptance beyond sendmail\'s defaults should not be used on a server reachable from the Internet.',
    severity: 'high',
    tags: ['relay', 'anti-spam'],
    references: [...WEAK.keys()].map((f) => `sendmail-cf-README:${f}`),
    messages: {
      mc: 'FEATURE(`{feature}\') {risk}',
      cf: 'this cf was built with FEATURE(`{feature}\'), which {risk}',
    },
    fix: 'remove the FEATURE from the .mc and rebuild the .cf; let roaming users relay with SMTP AUTH or STARTTLS, and list relay hosts with RELAY_DOMAIN or access-map Connect: entries',
  },
  check(doc, ctx) {
    const messageId = doc.kind === 'sendmail-mc' ? 'mc' : 'cf';
    for (const f of doc.sendmail.features) {
      const weak = WEAK.get(f.name);
      if (!weak) continue;
      ctx.report({ messageId, data: { feature: f.name, risk: weak.risk }, span: f.span, severity: weak.severity });
    }
  },
});
