import { defineGroup } from '../../src/core/rule-group.js';
import unreadablePath from './MH6000-unreadable-path.js';
import queuePermissions from './MH6001-queue-permissions.js';
import aliasesPermissions from './MH6002-aliases-permissions.js';
import aliasProgramPermissions from './MH6003-alias-program-permissions.js';
import configWritable from './MH6004-config-writable.js';
import smrshDirectory from './MH6005-smrsh-directory.js';
import forwardFile from './MH6006-forward-file.js';
import immutableBit from './MH6007-immutable-bit.js';
import helpfileVersion from './MH6008-helpfile-version.js';
import statisticsPermissions from './MH6009-statistics-permissions.js';
import derivedFileStale from './MH6010-derived-file-stale.js';
import mailerProgram from './MH6011-mailer-program.js';
import tlsFileUnsafe from './MH6012-tls-file-unsafe.js';
import certificateExpiry from './MH6013-certificate-expiry.js';
import authSecretsPermissions from './MH6016-auth-secrets-permissions.js';
import relayDomainsBroad from './MH6017-relay-domains-broad.js';
import trustedUsers from './MH6018-trusted-users.js';

export const group = defineGroup({
  name: 'host',
  title: 'host state under --root: modes, owners, immutable bits, smrsh directory, .forward files, queues',
  ids: { from: 'MH6000', to: 'MH6999' },
  kinds: ['host'],
  rules: [
    unreadablePath,
    queuePermissions,
    aliasesPermissions,
    aliasProgramPermissions,
    configWritable,
    smrshDirectory,
    forwardFile,
    immutableBit,
    helpfileVersion,
    statisticsPermissions,
    derivedFileStale,
    mailerProgram,
    tlsFileUnsafe,
    certificateExpiry,
    authSecretsPermissions,
    relayDomainsBroad,
    trustedUsers,
  ],
});
