import { defineGroup } from '../../src/core/rule-group.js';
import bannerVersion from './MH7001-probe-banner-version.js';
import helpVersion from './MH7002-probe-help-version.js';
import vrfy from './MH7003-probe-vrfy.js';
import expn from './MH7004-probe-expn.js';
import openRelay from './MH7005-probe-open-relay.js';
import authWithoutTls from './MH7006-probe-auth-without-tls.js';
import ehloExtensions from './MH7007-probe-ehlo-extensions.js';
import noStarttls from './MH7008-probe-no-starttls.js';
import certificateDates from './MH7009-probe-tls-certificate-dates.js';
import certificateName from './MH7010-probe-tls-certificate-name.js';
import certificateUntrusted from './MH7011-probe-tls-certificate-untrusted.js';
import weakKey from './MH7012-probe-tls-weak-key.js';
import legacyProtocol from './MH7013-probe-tls-legacy-protocol.js';
import mailboxGreeting from './MH7014-probe-mailbox-greeting-software.js';
import pop3UserInClear from './MH7015-probe-pop3-user-in-clear.js';
import pop3Apop from './MH7016-probe-pop3-apop.js';
import mailboxPlainAuth from './MH7017-probe-mailbox-plain-auth-in-clear.js';
import imapLoginInClear from './MH7018-probe-imap-login-in-clear.js';
import mailboxNoTls from './MH7019-probe-mailbox-no-tls.js';
import authUnadvertised from './MH7020-probe-auth-unadvertised.js';
import starttlsInjection from './MH7021-probe-starttls-injection.js';

export const group = defineGroup({
  name: 'probe',
  title: "a running SMTP, POP3 or IMAP server's answers (mailharden probe)",
  ids: { from: 'MH7000', to: 'MH7999' },
  kinds: ['probe'],
  rules: [
    bannerVersion,
    helpVersion,
    vrfy,
    expn,
    openRelay,
    authWithoutTls,
    ehloExtensions,
    noStarttls,
    certificateDates,
    certificateName,
    certificateUntrusted,
    weakKey,
    legacyProtocol,
    mailboxGreeting,
    pop3UserInClear,
    pop3Apop,
    mailboxPlainAuth,
    imapLoginInClear,
    mailboxNoTls,
    authUnadvertised,
    starttlsInjection,
  ],
});
