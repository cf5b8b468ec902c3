import { defineGroup } from '../../src/core/rule-group.js';
import bannerVersion from './MH7001-probe-banner-version.js';
import helpVersion from './MH7002-probe-help-version.js';
import vrfy from './MH7003-probe-vrfy.js';
import expn from './MH7004-probe-expn.js';
import openRelay from './MH7005-probe-open-relay.js';
import authWithoutTls from './MH7006-probe-auth-without-tls.js';
import ehloExtensions from './MH7007-probe-ehlo-extensions.js';
import noStarttls from './MH7008-probe-no-starttls.js';

export const group = defineGroup({
  name: 'probe',
  title: "a running SMTP server's answers (mailharden probe)",
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
  ],
});
