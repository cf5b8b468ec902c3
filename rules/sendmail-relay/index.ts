import { defineGroup } from '../../src/core/rule-group.js';
import progMailerShell from './MH1030-prog-mailer-shell.js';
import smrshAfterMailer from './MH1031-smrsh-after-mailer.js';
import smrshArgv from './MH1032-smrsh-argv.js';
import promiscuousRelay from './MH1040-promiscuous-relay.js';
import weakRelayFeature from './MH1041-weak-relay-feature.js';
import listensBeyondLoopback from './MH1042-listens-beyond-loopback.js';
import publicMtaRequiresAuth from './MH1043-public-mta-requires-auth.js';

export const group = defineGroup({
  name: 'sendmail-relay',
  title: 'sendmail.cf and .mc: program mailer, smrsh, relaying and listening',
  ids: { from: 'MH1030', to: 'MH1049' },
  kinds: ['sendmail-cf', 'sendmail-mc'],
  rules: [
    progMailerShell,
    smrshAfterMailer,
    smrshArgv,
    promiscuousRelay,
    weakRelayFeature,
    listensBeyondLoopback,
    publicMtaRequiresAuth,
  ],
});
