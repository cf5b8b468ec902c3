import { defineRule } from '../../src/core/rule.js';

/** m4 built-ins that expand wherever they stand; sendmail's own macros are all upper case. */
const BUILTINS = new Set(['define', 'undefine', 'include', 'sinclude', 'ifdef', 'ifelse', 'divert', 'errprint', 'esyscmd', 'syscmd']);

export default defineRule({
  meta: {
    id: 'MH1061',
    slug: 'hash-is-not-comment',
    kinds: ['sendmail-mc'],
    description: 'A line of a .mc that starts with "#" after cf.m4 is included is no comment, so the macro calls on it still take effect.',
    severity: 'high',
    tags: ['syntax', 'm4'],
    references: [],
    messages: { expanded: '"#" does not comment out {call}: cfhead.m4 turns m4 comments off (changecom), so the call is expanded and takes effect' },
    fix: 'comment the line out with "dnl" instead of "#"',
  },
  check(doc, ctx) {
    const hashLines = new Set(doc.hashLines);
    if (hashLines.size === 0) return;
    for (const call of doc.calls) {
      if (!hashLines.has(call.nameSpan.start.line) || call.span === call.nameSpan) continue;
      if (!/^[A-Z][A-Z0-9_]*$/.test(call.name) && !BUILTINS.has(call.name)) continue;
      ctx.report({ messageId: 'expanded', data: { call: `${call.name}(…)` }, span: call.span });
    }
  },
});
