import { defineGroup } from '../../src/core/rule-group.js';
import historicAuthMechanisms from './MH1080-historic-auth-mechanisms.js';
import anonymousAuth from './MH1081-anonymous-auth.js';
import msaWithoutAuth from './MH1082-msa-without-auth.js';
import smtpsWithoutCertificate from './MH1083-smtps-without-certificate.js';

export const group = defineGroup({
  name: 'sendmail-auth',
  title: 'sendmail.cf and .mc: SMTP AUTH mechanisms and the submission daemons',
  ids: { from: 'MH1080', to: 'MH1089' },
  kinds: ['sendmail-cf', 'sendmail-mc'],
  rules: [
    historicAuthMechanisms,
    anonymousAuth,
    msaWithoutAuth,
    smtpsWithoutCertificate,
  ],
});
