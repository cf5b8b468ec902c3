import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1006',
  slug: 'privacy-noetrn',
  flag: 'noetrn',
  smtp: true,
  effect: 'any client can send ETRN and make the server start a queue run',
  severity: 'low',
  references: [],
  tags: ['queue'],
});
