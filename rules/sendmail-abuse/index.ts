import { defineGroup } from '../../src/core/rule-group.js';
import smtpSmuggling from './MH1090-smtp-smuggling.js';
import vulnerableVersion from './MH1091-vulnerable-version.js';
import broadRelayClass from './MH1092-broad-relay-class.js';
import milterFailOpen from './MH1093-milter-fail-open.js';
import headerLimitOff from './MH1094-header-limit-off.js';

export const group = defineGroup({
  name: 'sendmail-abuse',
  title: 'sendmail.cf, .mc and access: SMTP smuggling, vulnerable releases, relay classes, mail filters, limits',
  ids: { from: 'MH1090', to: 'MH1099' },
  kinds: ['sendmail-cf', 'sendmail-mc', 'access'],
  rules: [
    smtpSmuggling,
    vulnerableVersion,
    broadRelayClass,
    milterFailOpen,
    headerLimitOff,
  ],
});
