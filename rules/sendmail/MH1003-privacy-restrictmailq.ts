import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1003',
  slug: 'privacy-restrictmailq',
  flag: 'restrictmailq',
  effect: 'any local user can list the mail queue (senders and recipients of queued mail) with mailq',
  severity: 'low',
  references: ['KISA:U-32'],
  tags: ['queue', 'disclosure'],
});
