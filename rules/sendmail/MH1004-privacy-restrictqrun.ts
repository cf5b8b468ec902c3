import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1004',
  slug: 'privacy-restrictqrun',
  flag: 'restrictqrun',
  effect: 'any local user can start queue runs with sendmail -q',
  severity: 'low',
  references: ['KISA:U-32', 'SSG-RHEL5:mail_expn_active'],
  tags: ['queue'],
});
