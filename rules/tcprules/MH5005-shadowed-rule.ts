import { defineRule } from '../../src/core/rule.js';
import { K_NEVER, modelOf } from '../../src/model/tcprules.js';
import type { TcpRuleTable } from '../../src/parsers/tcprules.js';

/** Whether line `j` (of an earlier record) does exactly what line `i` would have done: same action, same variables in the same order. */
function sameEffect(t: TcpRuleTable, j: number, i: number): boolean {
  if (t.action(j) !== t.action(i) || t.varCount(j) !== t.varCount(i)) return false;
  for (let k = 0; k < t.varCount(i); k++) if (!t.varEquals(t.varBase(j) + k, t.varBase(i) + k)) return false;
  return true;
}

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
    const t = doc.table;
    for (const i of model.noted().repeats) {
      const from = model.recordsFrom(i);
      if (from < 0) continue;
      const to = from + t.keyCount(i);
      let decides = false;
      let shadowed = false;
      for (let rec = from; rec < to && !decides; rec++) {
        if (model.kindOf(rec) === K_NEVER) continue;
        if (model.lineOf(model.firstOf(rec)) !== i) shadowed = true;
        else decides = true;
      }
      // A range that an earlier, more specific rule cuts into still decides its other keys: that is the recommended order.
      if (decides || !shadowed) continue;
      const earlier: number[] = [];
      for (let rec = from; rec < to; rec++) if (model.kindOf(rec) !== K_NEVER) earlier.push(model.firstOf(rec));
      const e = earlier[0]!;
      const eLine = model.lineOf(e);
      const severity = earlier.every((x) => sameEffect(t, model.lineOf(x), i)) ? { severity: 'low' as const } : {};
      if (!t.hasRange(i)) {
        const via = t.hasRange(eLine) ? ` (written by the range "${t.address(eLine)}")` : '';
        const key = model.keyOf(e);
        ctx.report({ messageId: 'severity' in severity ? 'duplicate' : 'shadowed', data: { key: key === '' ? 'the empty key (the default rule)' : `"${key}"`, first: t.line(eLine), via }, span: t.addressSpan(i), ...severity });
        continue;
      }
      const lines = [...new Set(earlier.map((x) => t.line(model.lineOf(x))))];
      const more = lines.length > 1 ? ` and ${lines.length - 1} other line${lines.length > 2 ? 's' : ''}` : '';
      ctx.report({ messageId: 'range', data: { total: earlier.length, address: t.address(i), first: lines[0]!, more }, span: t.addressSpan(i), ...severity });
    }
  },
});
