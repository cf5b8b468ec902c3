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
      mc: "FEATURE(`block_bad_helo') without FEATURE(`delay_checks'): check_rcpt accepts a local recipient before it looks at the HELO name, so a client that greets with a bogus name is never refused",
      cf: "this cf has block_bad_helo's rules but no delay_checks (its rulesets are check_mail and check_relay, not checkmail and checkrelay): check_rcpt accepts a local recipient before it looks at the HELO name",
    },
    fix: "add FEATURE(`delay_checks')dnl to the .mc (cf/README: block_bad_helo requires it) and rebuild the .cf",
  },
  check(doc, ctx) {
    if (!doc.sendmail.servesSmtp) return;
    const helo = antiSpamOf(doc).badHelo;
    if (!helo || helo.delayChecks) return;
    ctx.report({ messageId: doc.kind === 'sendmail-mc' ? 'mc' : 'cf', span: helo.span });
  },
});
