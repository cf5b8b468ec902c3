import { defineGroup } from '../../src/core/rule-group.js';
import privacyNoexpn from './MH1001-privacy-noexpn.js';
import privacyNovrfy from './MH1002-privacy-novrfy.js';
import privacyRestrictmailq from './MH1003-privacy-restrictmailq.js';
import privacyRestrictqrun from './MH1004-privacy-restrictqrun.js';
import privacyAuthwarnings from './MH1005-privacy-authwarnings.js';
import privacyNoetrn from './MH1006-privacy-noetrn.js';
import privacyNoverb from './MH1007-privacy-noverb.js';
import privacyNeedmailhelo from './MH1008-privacy-needmailhelo.js';
import greetingVersion from './MH1010-greeting-version.js';
import greetingHostname from './MH1011-greeting-hostname.js';
import helpVersion from './MH1012-help-version.js';
import loglevelLow from './MH1013-loglevel-low.js';
import loglevelDebug from './MH1014-loglevel-debug.js';
import forwardPath from './MH1015-forward-path.js';
import wizardBackdoor from './MH1016-wizard-backdoor.js';
import ancientVersion from './MH1017-ancient-version.js';
import dontBlameSendmail from './MH1018-dont-blame-sendmail.js';
import unsafeGroupWrites from './MH1019-unsafe-group-writes.js';
import privilegeSeparation from './MH1020-privilege-separation.js';
import authWithoutTls from './MH1021-auth-without-tls.js';
import receivedHeaderVersion from './MH1022-received-header-version.js';
import dosLimits from './MH1023-dos-limits.js';
import m4BuildCommands from './MH1024-m4-build-commands.js';
import greetPause from './MH1025-greet-pause.js';

export const group = defineGroup({
  name: 'sendmail',
  title: 'sendmail.cf and .mc settings: privacy options, greeting, logging, limits, version',
  ids: { from: 'MH1000', to: 'MH1029' },
  kinds: ['sendmail-cf', 'sendmail-mc'],
  rules: [
    privacyNoexpn,
    privacyNovrfy,
    privacyRestrictmailq,
    privacyRestrictqrun,
    privacyAuthwarnings,
    privacyNoetrn,
    privacyNoverb,
    privacyNeedmailhelo,
    greetingVersion,
    greetingHostname,
    helpVersion,
    loglevelLow,
    loglevelDebug,
    forwardPath,
    wizardBackdoor,
    ancientVersion,
    dontBlameSendmail,
    unsafeGroupWrites,
    privilegeSeparation,
    authWithoutTls,
    receivedHeaderVersion,
    dosLimits,
    m4BuildCommands,
    greetPause,
  ],
});
