import { defineRule } from '../../src/core/rule.js';
import { modelOf, type TcpRecord } from '../../src/model/tcprules.js';
import { ruleKeys, type TcpRule } from '../../src/parsers/tcprules.js';

/** Whether an earlier record does exactly what this line would have done. */
const sameEffect = (a: TcpRecord, rule: TcpRule): boolean =>
  a.action === rule.action && a.env.length === rule.variables.length && a.env.every((v, i) => v.name === rule.variables[i]!.name && v.value === rule.variables[i]!.value);

export default defineRule({
  meta: {
    id: 'MH5005',
    slug: 'shadowed-rule',
    kinds: ['tcp-rules'],
    description: 'Every key of a rule was already written by an earlier line (or an earlier range); the cdb returns the first record, so the later rule never decides anything.',
    severity: 'medium',
    tags: ['tcprules', 'qmail'],
    references: [],
    messages: {
      shadowed: '{key} is already a key of line {first}{via}, and the cdb returns the first record: this line never decides anything',
      duplicate: '{key} repeats the rule of line {first}{via} with the same effect: this copy does nothing',
      range: 'all {total} keys the range in "{address}" writes are already keys of line {first}{more}, and the cdb returns the first record: this line never decides anything',
    },
    fix: 'remove the later rule, or, when ranges overlap, put the more specific rule first',
  },
  check(doc, ctx) {
    const model = modelOf(doc);
    for (const rule of doc.rules) {
      if (rule.refused || !rule.action) continue;
      const earlier: TcpRecord[] = [];
      let decides = false;
      for (const key of ruleKeys(rule)) {
        if (model.shape(key).kind === 'never') continue;
        const first = model.find(key);
        if (first && first.rule !== rule) earlier.push(first);
        else decides = true;
      }
      // A range that an earlier, more specific rule cuts into still decides its other keys: that is the recommended order.
      if (decides || earlier.length === 0) continue;
      const e = earlier[0]!;
      const severity = earlier.every((x) => sameEffect(x, rule)) ? { severity: 'low' as const } : {};
      if (!rule.range) {
        const via = e.rule.range ? ` (written by the range "${e.rule.address}")` : '';
        ctx.report({ messageId: 'severity' in severity ? 'duplicate' : 'shadowed', data: { key: e.key === '' ? 'the empty key (the default rule)' : `"${e.key}"`, first: e.line, via }, span: rule.addressSpan, ...severity });
        continue;
      }
      const lines = [...new Set(earlier.map((x) => x.line))];
      const more = lines.length > 1 ? ` and ${lines.length - 1} other line${lines.length > 2 ? 's' : ''}` : '';
      ctx.report({ messageId: 'range', data: { total: earlier.length, address: rule.address, first: lines[0]!, more }, span: rule.addressSpan, ...severity });
    }
  },
});
