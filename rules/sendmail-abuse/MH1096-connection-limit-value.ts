import { defineRule } from '../../src/core/rule.js';
import { connectionLimit, isLimitTag } from '../../src/model/connection-limits.js';

export default defineRule({
  meta: {
    id: 'MH1096',
    slug: 'connection-limit-value',
    kinds: ['access'],
    description: 'A ClientRate: or ClientConn: limit must be a plain decimal number: sendmail reads other text with strtol, so "ten", "-1" or "00" refuse every connection and "1.5" or "5x" set another limit than meant.',
    severity: 'medium',
    tags: ['access', 'dos'],
    references: ['sendmail-cf-README:ratecontrol', 'sendmail-cf-README:conncontrol'],
    messages: {
      refuses: '{tag}:{key} {value}: sendmail reads the limit as {read} and refuses every connection from {who} ("0" alone means no limit)',
      misread: '{tag}:{key} {value}: sendmail reads the limit as {read}',
    },
    fix: 'write the limit as a decimal number (0 for no limit)',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (let i = 0; i < t.count; i++) {
      if (!isLimitTag(t.tag[i]!)) continue;
      const e = t.view(i);
      const limit = connectionLimit(e);
      if (!limit || limit.plain) continue;
      const data = { tag: e.tag, key: e.key, value: e.value, read: String(limit.read), who: e.key === '' ? 'every client without an entry of its own' : 'it' };
      if (limit.read <= 0) ctx.report({ messageId: 'refuses', data, span: e.valueSpan });
      else ctx.report({ messageId: 'misread', data, span: e.valueSpan, severity: 'low' });
    }
  },
});
