import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';
import { atobool } from '../../src/model/option-values.js';

const before = (a: Span, b: Span): boolean => a.start.line < b.start.line || (a.start.line === b.start.line && a.start.column < b.start.column);

export default defineRule({
  meta: {
    id: 'MH1019',
    slug: 'unsafe-group-writes',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'UnsafeGroupWrites must not be False: that lets group-writable .forward and :include: files run programs and write to files.',
    severity: 'low',
    tags: ['file-safety', 'forward'],
    references: ['sendmail-cf-README:UnsafeGroupWrites'],
    messages: { unsafe: 'UnsafeGroupWrites={value} lets group-writable .forward and :include: files run programs and write to files' },
    fix: "remove the UnsafeGroupWrites setting (the default, True, treats group-writable .forward and :include: files as unsafe; in the .mc: drop define(`confUNSAFE_GROUP_WRITES', …))",
  },
  check(doc, ctx) {
    const model = doc.sendmail;
    // readcf.c: a false value sets GroupWritableForwardFileSafe and GroupWritableIncludeFileSafe in
    // DontBlameSendmail. A later True does not clear them; only a later DontBlameSendmail "safe" does.
    const clears = model.all('DontBlameSendmail').filter((d) => !d.implicit && /(^|[^A-Za-z0-9])safe([^A-Za-z0-9]|$)/i.test(d.value));
    const unsafe = model.all('UnsafeGroupWrites').filter((s) => !atobool(s.value));
    // In a .mc, proto.m4 writes DontBlameSendmail near the top of the cf, before UnsafeGroupWrites.
    const live = unsafe.filter((s) => model.origin === 'mc' || !clears.some((d) => before(s.span, d.span)));
    const first = live[0];
    if (first) ctx.report({ messageId: 'unsafe', data: { value: first.value }, span: first.span });
  },
});
