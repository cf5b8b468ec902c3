import { defineGroup } from '../../src/core/rule-group.js';
import smtpSmuggling from './MH1090-smtp-smuggling.js';
import vulnerableVersion from './MH1091-vulnerable-version.js';
import broadRelayClass from './MH1092-broad-relay-class.js';
import milterFailOpen from './MH1093-milter-fail-open.js';
import headerLimitOff from './MH1094-header-limit-off.js';
import connectionControlWeak from './MH1095-connection-control-weak.js';
import connectionLimitValue from './MH1096-connection-limit-value.js';
import deadDnsbl from './MH1097-dead-dnsbl.js';
import badHeloNeedsDelayChecks from './MH1098-bad-helo-needs-delay-checks.js';

export const group = defineGroup({
  name: 'sendmail-abuse',
  title: 'sendmail.cf, .mc and access: SMTP smuggling, vulnerable releases, relay classes, mail filters, header limits, connection controls, DNS blocklists, HELO checks',
  ids: { from: 'MH1090', to: 'MH1099' },
  kinds: ['sendmail-cf', 'sendmail-mc', 'access'],
  rules: [
    smtpSmuggling,
    vulnerableVersion,
    broadRelayClass,
    milterFailOpen,
    headerLimitOff,
    connectionControlWeak,
    connectionLimitValue,
    deadDnsbl,
    badHeloNeedsDelayChecks,
  ],
});
