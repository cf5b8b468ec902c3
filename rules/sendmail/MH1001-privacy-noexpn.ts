import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1001',
  slug: 'privacy-noexpn',
  flag: 'noexpn',
  smtp: true,
  effect: 'EXPN lets any client expand aliases and mailing lists into the addresses behind them',
  severity: 'low',
  references: ['DISA-STIG:GEN004660', 'CIS-AIX-7.2:4.5.4.2', 'KISA:U-70', 'SSG-RHEL5:mail_expn_active', 'AIX7-STIG:AIX7-00-003117', 'Bastille:Sendmail.vrfyexpn', 'STONIX:SecureMTA'],
  tags: ['disclosure'],
});
