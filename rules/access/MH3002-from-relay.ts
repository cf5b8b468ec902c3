import { defineRule } from '../../src/core/rule.js';
import { ACTION_RELAY, tagCode } from '../../src/parsers/access.js';

const FROM = tagCode('from');

export default defineRule({
  meta: {
    id: 'MH3002',
    slug: 'from-relay',
    kinds: ['access'],
    description: 'A From: entry says RELAY, which lets anyone who forges that envelope sender relay once FEATURE(relay_mail_from) is on.',
    severity: 'high',
    tags: ['access', 'relay'],
    references: ['sendmail-cf-README:relay_mail_from'],
    messages: { from: 'RELAY for the envelope sender "{key}": with FEATURE(relay_mail_from) anyone who writes it in MAIL FROM may relay through this host' },
    fix: 'use OK to accept mail from this sender without relaying, and let its users relay with SMTP AUTH or STARTTLS',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (let i = 0; i < t.count; i++) {
      if (t.action[i] === ACTION_RELAY && t.tag[i] === FROM) ctx.report({ messageId: 'from', data: { key: t.key(i) }, span: t.keySpan(i) });
    }
  },
});
