import { defineRule } from '../../src/core/rule.js';
import { tryTlsOff } from '../../src/model/access-tls.js';
import { tagCode } from '../../src/parsers/access.js';

const TRY_TLS = tagCode('try_tls');

export default defineRule({
  meta: {
    id: 'MH3004',
    slug: 'try-tls-off',
    kinds: ['access'],
    description: 'A Try_TLS entry with NO makes sendmail deliver to those servers without trying STARTTLS, so the mail crosses the network in clear text.',
    severity: 'medium',
    tags: ['access', 'tls'],
    references: ['sendmail-cf-README:STARTTLS', 'RFC:3207', 'RFC:8461'],
    messages: {
      off: '"{entry} NO": sendmail never tries STARTTLS when it delivers to {who}, so that mail goes in clear text',
      all: '"{entry} NO" is the default for every server without an entry of its own: sendmail never tries STARTTLS when it delivers mail, so all of it goes in clear text',
    },
    fix: 'delete the entry; if one server fails the TLS handshake, name only that server (Try_TLS:mx.example.com NO) and ask its operator to fix it',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (let i = 0; i < t.count; i++) {
      if (t.tag[i] !== TRY_TLS) continue;
      const e = t.view(i);
      const reach = tryTlsOff(e);
      if (!reach) continue;
      const entry = `${e.tag}:${e.key}`;
      if (reach.kind === 'all') ctx.report({ messageId: 'all', data: { entry }, span: e.span, severity: 'high' });
      else ctx.report({ messageId: 'off', data: { entry, who: reach.what }, span: e.span, ...(reach.kind === 'broad' ? { severity: 'high' as const } : {}) });
    }
  },
});
