import { defineRule } from '../../src/core/rule.js';
import { modelOf } from '../../src/model/tcprules.js';
import { ruleKeys } from '../../src/parsers/tcprules.js';

export default defineRule({
  meta: {
    id: 'MH5004',
    slug: 'rule-never-matches',
    kinds: ['tcp-rules'],
    description: 'A line that tcprules accepts without a word can never match a connection: it has no colon, a blank in the key, a CIDR suffix, a prefix without its trailing dot, or a range that writes no key.',
    severity: 'medium',
    tags: ['tcprules', 'qmail'],
    references: [],
    messages: {
      noColon: 'the line has no colon, so tcprules skips it without a word',
      key: '"{key}" never matches a connection: {reason}',
      rangeKeys: 'of the {total} keys the range in "{address}" writes, {bad} never match a connection, such as "{key}": {reason}',
      emptyRange: 'the range "{range}" {why}, so tcprules writes no key for "{address}" and the line does nothing',
    },
    fix: 'write exact addresses as 192.0.2.1, prefixes with their trailing dot (192.168.1.), ranges as 192.168.16-31., and host names as =host or =.domain',
  },
  check(doc, ctx) {
    const model = modelOf(doc);
    for (const l of doc.ignored) ctx.report({ messageId: 'noColon', span: l.span, fix: 'write address:allow or address:deny, or make the line a comment with # in the first column' });
    for (const rule of doc.rules) {
      if (rule.refused || !rule.action) continue;
      const r = rule.range;
      if (r && r.bot > r.top) {
        const top = r.text.slice(r.text.indexOf('-') + 1);
        const why = r.bot > 255 ? 'starts above 255' : top === '' ? `has no upper end ("${r.text}" means ${r.bot} to 0)` : 'runs backwards';
        ctx.report({ messageId: 'emptyRange', data: { range: r.text, why, address: rule.address }, span: r.span });
        continue;
      }
      const keys = ruleKeys(rule);
      let bad = 0;
      let first: { key: string; reason: string; fix?: string } | undefined;
      for (const key of keys) {
        const shape = model.shape(key);
        if (shape.kind !== 'never') continue;
        bad++;
        first ??= { key, reason: shape.reason, ...(shape.fix ? { fix: shape.fix } : {}) };
      }
      if (!first) continue;
      if (r) ctx.report({ messageId: 'rangeKeys', data: { address: rule.address, total: keys.length, bad: bad === keys.length ? 'all' : bad, key: first.key, reason: first.reason }, span: rule.addressSpan });
      else ctx.report({ messageId: 'key', data: { key: first.key, reason: first.reason }, span: rule.addressSpan, ...(first.fix ? { fix: first.fix } : {}) });
    }
  },
});
