import { defineGroup } from '../../src/core/rule-group.js';
import rcpthostsMissing from './MH4001-rcpthosts-missing.js';
import rcpthostsEmpty from './MH4002-rcpthosts-empty.js';
import morercpthostsStale from './MH4003-morercpthosts-stale.js';
import tcpRulesCdbStale from './MH4004-tcp-rules-cdb-stale.js';
import tcpserverWithoutRules from './MH4005-tcpserver-without-rules.js';
import smtpdRunsAsRoot from './MH4006-smtpd-runs-as-root.js';
import runWithoutRcpthostsGuard from './MH4007-run-without-rcpthosts-guard.js';
import databytesUnlimited from './MH4008-databytes-unlimited.js';
import smtpgreetingNamesSoftware from './MH4009-smtpgreeting-names-software.js';
import dotQmailWritable from './MH4010-dot-qmail-writable.js';
import qmailConfigWritable from './MH4011-qmail-config-writable.js';
import controlCommentIsData from './MH4012-control-comment-is-data.js';
import rcpthostsEntryNeverMatches from './MH4013-rcpthosts-entry-never-matches.js';
import morercpthostsCdbBroken from './MH4014-morercpthosts-cdb-broken.js';
import controlUnreadable from './MH4015-control-unreadable.js';
import smtpdNeverAnswers from './MH4016-smtpd-never-answers.js';
import smtpdBannerEmpty from './MH4017-smtpd-banner-empty.js';
import databytesLeadingDigits from './MH4018-databytes-leading-digits.js';
import smtpdWithoutMemoryLimit from './MH4040-smtpd-without-memory-limit.js';
import tcpserverWithoutLog from './MH4041-tcpserver-without-log.js';
import smtpdLogMissing from './MH4042-smtpd-log-missing.js';
import aliasDotQmailMissing from './MH4043-alias-dot-qmail-missing.js';
import qmailHierModes from './MH4044-qmail-hier-modes.js';
import tlsKeyReadable from './MH4045-tls-key-readable.js';
import tlsWeakCiphers from './MH4046-tls-weak-ciphers.js';
import tlsClientRelay from './MH4047-tls-client-relay.js';
import authWithoutTls from './MH4048-smtpd-auth-without-tls.js';
import rcpthostsLocalsMismatch from './MH4049-rcpthosts-locals-mismatch.js';
import smtpdListenerUnchecked from './MH4050-smtpd-listener-unchecked.js';

export const group = defineGroup({
  name: 'qmail',
  title: 'qmail control files, run scripts and their state',
  ids: { from: 'MH4000', to: 'MH4999' },
  kinds: ['qmail-control', 'qmail-run', 'host'],
  rules: [
    rcpthostsMissing,
    rcpthostsEmpty,
    morercpthostsStale,
    tcpRulesCdbStale,
    tcpserverWithoutRules,
    smtpdRunsAsRoot,
    runWithoutRcpthostsGuard,
    databytesUnlimited,
    smtpgreetingNamesSoftware,
    dotQmailWritable,
    qmailConfigWritable,
    controlCommentIsData,
    rcpthostsEntryNeverMatches,
    morercpthostsCdbBroken,
    controlUnreadable,
    smtpdNeverAnswers,
    smtpdBannerEmpty,
    databytesLeadingDigits,
    smtpdWithoutMemoryLimit,
    tcpserverWithoutLog,
    smtpdLogMissing,
    aliasDotQmailMissing,
    qmailHierModes,
    tlsKeyReadable,
    tlsWeakCiphers,
    tlsClientRelay,
    authWithoutTls,
    rcpthostsLocalsMismatch,
    smtpdListenerUnchecked,
  ],
});
