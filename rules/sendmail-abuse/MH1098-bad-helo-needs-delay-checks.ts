import { defineRule } from '../../src/core/rule.js';
import { antiSpamOf } from '../../src/model/sendmail-antispam.js';

export default defineRule({
  meta: {
    id: 'MH1098',
    slug: 'bad-helo-needs-delay-checks',
    kinds: ['sendmail-mc', 'sendmail-cf'],
    description: "FEATURE(`block_bad_helo') needs FEATURE(`delay_checks'): without it the HELO check never runs for mail to local recipients.",
    severity: 'low',
    tags: ['anti-spam'],
    references: ['sendmail-cf-README:block_bad_helo', 'sendmail-cf-README:delay_checks'],
    messages: {
      noDelayChecks: "FEATURE(`block_bad_helo') without FEATURE(`delay_checks'): its rules end up in {ruleset} instead of check_rcpt, so a client that greets with a bogus name is never refused",
    },
    fix: "add FEATURE(`delay_checks')dnl to the .mc (cf/README: block_bad_helo requires it) and rebuild the .cf",
  },
  check(doc, ctx) {
    if (!doc.sendmail.servesSmtp) return;
    const helo = antiSpamOf(doc).badHelo;
    if (!helo || helo.delayChecks) return;
    ctx.report({ messageId: 'noDelayChecks', data: { ruleset: helo.ruleset }, span: helo.span });
  },
});
