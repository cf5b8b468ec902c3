import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1007',
  slug: 'privacy-noverb',
  flag: 'noverb',
  smtp: true,
  effect: 'VERB lets any client watch the delivery of its message, with the hosts and mailers sendmail uses',
  severity: 'low',
  references: [],
  tags: ['disclosure'],
});
