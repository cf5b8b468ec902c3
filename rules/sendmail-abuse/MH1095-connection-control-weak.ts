import { defineRule } from '../../src/core/rule.js';
import { antiSpamOf } from '../../src/model/sendmail-antispam.js';

const RULESET = { ratecontrol: 'RateControl', conncontrol: 'ConnControl' } as const;
const TAG = { ratecontrol: 'ClientRate', conncontrol: 'ClientConn' } as const;

export default defineRule({
  meta: {
    id: 'MH1095',
    slug: 'connection-control-weak',
    kinds: ['sendmail-mc', 'sendmail-cf'],
    description: "FEATURE(`ratecontrol') and FEATURE(`conncontrol') must follow FEATURE(`access_db') and, with FEATURE(`delay_checks'), take `nodelay' and `terminate', or a client over its limit is still served.",
    severity: 'low',
    tags: ['dos', 'anti-spam', 'access'],
    references: ['sendmail-cf-README:ratecontrol', 'sendmail-cf-README:conncontrol', 'sendmail-cf-README:CONNECTION-CONTROL'],
    messages: {
      unwritten: "FEATURE(`{feature}') comes before FEATURE(`access_db') or without it: m4 writes no {ruleset} ruleset, so the {tag}: entries of the access map are never read",
      delayed: 'the {feature} limit is checked only at each RCPT command (FEATURE(`delay_checks\') without `nodelay\'): a client over its limit is served until then, and is not disconnected even with `terminate\'',
      noTerminate: 'the {feature} limit answers a client over it with 452 but serves the session on (no `terminate\'): the connection and its sendmail process stay until the client leaves',
    },
    fix: "write FEATURE(`access_db') first, then FEATURE(`ratecontrol', `nodelay', `terminate') and FEATURE(`conncontrol', `nodelay', `terminate') after FEATURE(`delay_checks'), as Debian's sendmail.mc does",
  },
  check(doc, ctx) {
    if (!doc.sendmail.servesSmtp) return;
    for (const c of antiSpamOf(doc).controls) {
      const data = { feature: c.feature, ruleset: RULESET[c.feature], tag: TAG[c.feature] };
      const subject = c.feature;
      if (!c.written) ctx.report({ messageId: 'unwritten', data, span: c.span, severity: 'medium', subject });
      else if (!c.atConnect) ctx.report({ messageId: 'delayed', data, span: c.span, subject });
      else if (!c.terminates) ctx.report({ messageId: 'noTerminate', data, span: c.span, severity: 'info', subject });
    }
  },
});
