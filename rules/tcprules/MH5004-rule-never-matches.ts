import { defineRule } from '../../src/core/rule.js';
import { K_NEVER, keyShape, modelOf, type KeyShape } from '../../src/model/tcprules.js';

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
    const t = doc.table;
    for (const line of doc.ignoredLines) ctx.report({ messageId: 'noColon', span: doc.ignoredSpan(line), fix: 'write address:allow or address:deny, or make the line a comment with # in the first column' });
    for (const i of model.noted().never) {
      if (!t.accepted(i)) continue;
      if (t.hasRange(i) && t.rangeBot(i) > t.rangeTop(i)) {
        const r = t.range(i)!;
        const top = r.text.slice(r.text.indexOf('-') + 1);
        const why = r.bot > 255 ? 'starts above 255' : top === '' ? `has no upper end ("${r.text}" means ${r.bot} to 0)` : 'runs backwards';
        ctx.report({ messageId: 'emptyRange', data: { range: r.text, why, address: t.address(i) }, span: r.span });
        continue;
      }
      const from = model.recordsFrom(i);
      const keys = t.keyCount(i);
      let bad = 0;
      let firstBad = -1;
      for (let rec = from; rec < from + keys; rec++) {
        if (model.kindOf(rec) !== K_NEVER) continue;
        bad++;
        if (firstBad < 0) firstBad = rec;
      }
      if (firstBad < 0) continue;
      const key = model.keyOf(firstBad);
      const shape = keyShape(key) as Extract<KeyShape, { kind: 'never' }>;
      if (t.hasRange(i)) ctx.report({ messageId: 'rangeKeys', data: { address: t.address(i), total: keys, bad: bad === keys ? 'all' : bad, key, reason: shape.reason }, span: t.addressSpan(i) });
      else ctx.report({ messageId: 'key', data: { key, reason: shape.reason }, span: t.addressSpan(i), ...(shape.fix ? { fix: shape.fix } : {}) });
    }
  },
});
