import { defineGroup } from '../../src/core/rule-group.js';
import starttlsIncomplete from './MH1070-starttls-incomplete.js';
import weakCipherList from './MH1071-weak-cipher-list.js';
import legacyTlsAllowed from './MH1072-legacy-tls-allowed.js';
import weakDhParameters from './MH1073-weak-dh-parameters.js';
import tlsFallbackToClear from './MH1074-tls-fallback-to-clear.js';
import daemonWithoutStarttls from './MH1075-daemon-without-starttls.js';

export const group = defineGroup({
  name: 'sendmail-tls',
  title: 'sendmail.cf and .mc: STARTTLS, certificates, ciphers and protocols',
  ids: { from: 'MH1070', to: 'MH1079' },
  kinds: ['sendmail-cf', 'sendmail-mc'],
  rules: [
    starttlsIncomplete,
    weakCipherList,
    legacyTlsAllowed,
    weakDhParameters,
    tlsFallbackToClear,
    daemonWithoutStarttls,
  ],
});
