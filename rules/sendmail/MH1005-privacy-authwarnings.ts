import { privacyFlagRule } from '../../src/core/privacy-flag-rule.js';

export default privacyFlagRule({
  id: 'MH1005',
  slug: 'privacy-authwarnings',
  flag: 'authwarnings',
  effect: 'sendmail adds no X-Authentication-Warning header to mail from a client that skipped HELO or from a local user who set the sender with -f',
  severity: 'low',
  references: ['CIS-AIX-7.2:4.5.4.2'],
  tags: ['forgery'],
});
