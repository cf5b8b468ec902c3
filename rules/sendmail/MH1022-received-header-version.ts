import { defineRule } from '../../src/core/rule.js';
import { versionMacros } from '../../src/model/option-values.js';

export default defineRule({
  meta: {
    id: 'MH1022',
    slug: 'received-header-version',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'The Received: header sendmail adds must not show its version through $v or $Z.',
    severity: 'low',
    tags: ['disclosure'],
    references: [],
    messages: {
      implicit: 'confRECEIVED_HEADER is not defined, so cfhead.m4\'s Received: header ("by $j ($v/$Z)") shows the version in every message',
      macro: 'the Received: header shows the version through {macros} in every message',
    },
    fix: "define a Received: header without ($v/$Z) (in the .mc: define(`confRECEIVED_HEADER', `$?sfrom $s $.$?_($?s$|from $.$_) $.by $j id $i$?u for $u; $|; $.$b')dnl)",
  },
  check(doc, ctx) {
    const received = doc.sendmail.receivedHeader;
    if (!received) return;
    const macros = versionMacros(received.value);
    if (macros.length > 0) ctx.report({ messageId: received.implicit ? 'implicit' : 'macro', data: { macros: macros.join(' and ') }, span: received.span });
  },
});
