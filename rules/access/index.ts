import { defineGroup } from '../../src/core/rule-group.js';
import broadRelay from './MH3001-broad-relay.js';
import fromRelay from './MH3002-from-relay.js';
import publicRelay from './MH3003-public-relay.js';
import tryTlsOff from './MH3004-try-tls-off.js';
import tlsRequirementVoid from './MH3005-tls-requirement-void.js';
import tlsRequirementWeak from './MH3006-tls-requirement-weak.js';

export const group = defineGroup({
  name: 'access',
  title: 'sendmail access, relay-domains, local-host-names',
  ids: { from: 'MH3000', to: 'MH3999' },
  kinds: ['access'],
  rules: [
    broadRelay,
    fromRelay,
    publicRelay,
    tryTlsOff,
    tlsRequirementVoid,
    tlsRequirementWeak,
  ],
});
