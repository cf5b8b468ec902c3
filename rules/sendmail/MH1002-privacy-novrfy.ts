import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1002',
  slug: 'privacy-novrfy',
  flag: 'novrfy',
  smtp: true,
  effect: 'VRFY tells any client which local users and aliases exist',
  severity: 'low',
  references: ['DISA-STIG:GEN004680', 'KISA:U-70', 'CIS-AIX-7.2:4.5.4.2', 'SSG-RHEL5:mail_vrfy_active', 'AIX7-STIG:AIX7-00-003117', 'Bastille:Sendmail.vrfyexpn', 'STONIX:SecureMTA'],
  tags: ['disclosure'],
});
