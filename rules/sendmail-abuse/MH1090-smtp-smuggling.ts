import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';
import { tagCode } from '../../src/parsers/access.js';
import { srvFeatureAnswers, srvFeatureFlags, UNSAFE_SRV_FEATURES } from '../../src/model/sendmail-auth.js';

const SRV_FEATURES = tagCode('srv_features');

export default defineRule({
  meta: {
    id: 'MH1090',
    slug: 'smtp-smuggling',
    kinds: ['sendmail-cf', 'access'],
    description: 'The srv_features ruleset must not answer O or F, which turn off sendmail\'s defences against SMTP smuggling (CVE-2023-51765) and transaction stuffing.',
    severity: 'high',
    tags: ['smuggling', 'spoofing'],
    references: ['CVE:2023-51765', 'RFC:5321', 'sendmail-cf-README:srv_features'],
    messages: {
      unsafe: 'srv_features answers "{flags}": {why}',
    },
    fix: 'remove O and F from the srv_features answer (the Srv_Features: access entry, or LOCAL_SRV_FEATURES in the .mc); a client that sends bare LFs can be let through with G or g2 alone, which does not end a message at <LF>.<CR><LF>',
  },
  check(doc, ctx) {
    const judge = (flags: string, span: Span): void => {
      const unsafe = srvFeatureFlags(flags).filter((f) => UNSAFE_SRV_FEATURES.has(f));
      if (unsafe.length === 0) return;
      ctx.report({ messageId: 'unsafe', data: { flags, why: unsafe.map((f) => UNSAFE_SRV_FEATURES.get(f)).join('; ') }, span, subject: unsafe.join('') });
    };
    if (doc.kind === 'access') {
      const t = doc.table;
      for (let i = 0; i < t.count; i++) if (t.tag[i] === SRV_FEATURES) judge(t.value(i), t.valueSpan(i));
      return;
    }
    for (const answer of srvFeatureAnswers(doc)) judge(answer.flags, answer.span);
  },
});
