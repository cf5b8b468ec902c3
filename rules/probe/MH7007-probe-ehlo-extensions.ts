import { defineRule } from '../../src/core/rule.js';
import { payloadSpan } from '../../src/probe/transcript.js';

const RISKY: Record<string, string> = {
  EXPN: 'list expansion (noexpn turns it off)',
  VERB: 'verbose delivery traces to the client (noverb, or noexpn, turns it off)',
  ETRN: 'queue runs started by any client (noetrn turns it off)',
};

export default defineRule({
  meta: {
    id: 'MH7007',
    slug: 'probe-ehlo-extensions',
    kinds: ['probe'],
    description: 'The running server should not advertise EXPN, VERB or ETRN in its EHLO reply.',
    severity: 'low',
    tags: ['disclosure', 'probe'],
    references: ['DISA-STIG:GEN004660'],
    messages: { advertised: 'EHLO advertises {keyword}: {why}' },
    fix: 'add noexpn, noverb and noetrn to PrivacyOptions',
  },
  check(doc, ctx) {
    const ehlo = doc.find('EHLO');
    if (!ehlo?.reply || ehlo.reply.code !== 250) return;
    for (const l of ehlo.reply.lines.slice(1)) {
      const keyword = l.text.slice(4).trim().split(/\s+/)[0]?.toUpperCase() ?? '';
      if (keyword in RISKY) ctx.report({ messageId: 'advertised', data: { keyword, why: RISKY[keyword]! }, span: payloadSpan(l.line, 4, keyword.length) });
    }
  },
});
