import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1008',
  slug: 'privacy-needmailhelo',
  flag: 'needmailhelo',
  smtp: true,
  effect: 'clients may send MAIL without introducing themselves with HELO or EHLO',
  severity: 'info',
  references: [],
  tags: ['smtp'],
});
