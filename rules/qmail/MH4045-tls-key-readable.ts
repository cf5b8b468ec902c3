import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { AT_START, controlFile, smtpdIds } from '../../src/host/qmail-paths.js';

/** The certificate files of the qmail-tls patch that hold a private key next to the certificate. */
const KEY_FILES = ['servercert.pem', 'clientcert.pem'] as const;

export default defineRule({
  meta: {
    id: 'MH4045',
    slug: 'tls-key-readable',
    kinds: ['host'],
    description: "The private key in control/servercert.pem (qmail-tls) must be readable by root and the qmail-smtpd user only: owned by one of them, mode 0640 or stricter, its group that of qmail-smtpd.",
    severity: 'high',
    tags: ['qmail', 'tls', 'host', 'permissions'],
    references: ['qmail-tls:servercert.pem', 'CWE:732'],
    messages: {
      world: '{path} holds a private key and has mode {mode}: every local user can read the key and impersonate this server or decrypt recorded sessions',
      group: '{path} holds a private key readable by group {group} (mode {mode}), which is not the group qmail-smtpd runs in',
      owner: '{path} holds a private key and is owned by {owner}, neither root nor the user qmail-smtpd runs as',
      unreadable: '{path} (mode {mode}, {owner}:{group}) cannot be read by qmail-smtpd (uid {uid}): STARTTLS fails with "454 TLS missing certificate"',
    },
    fix: 'chown root:GROUP servercert.pem (GROUP: the gid qmail-smtpd runs with, e.g. nofiles) and chmod 640 it, or chown qmaild and chmod 600',
  },
  check(host, ctx) {
    const { tree, accounts } = host;
    const { uids, gids } = smtpdIds(host);
    for (const name of KEY_FILES) {
      const path = controlFile(host, name);
      const meta = tree.file(path);
      if (!meta) continue;
      const real = tree.resolve(path)!;
      const text = tree.read(real, 1 << 20) ?? '';
      const at = { path: real, span: AT_START };
      const data = { path: real, mode: octal(meta.mode), owner: accounts.userName(meta.uid), group: accounts.groupName(meta.gid) };
      if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
        if (meta.mode & 0o004) ctx.report({ messageId: 'world', data, ...at });
        else if (meta.mode & 0o040 && gids.size > 0 && !gids.has(meta.gid) && meta.gid !== 0) ctx.report({ messageId: 'group', data, ...at, severity: 'medium' });
        if (meta.uid !== 0 && !uids.has(meta.uid)) ctx.report({ messageId: 'owner', data, ...at, severity: 'medium' });
      }
      // Only the server certificate is read by qmail-smtpd; clientcert.pem is qmail-remote's (qmailr).
      if (name !== 'servercert.pem') continue;
      for (const uid of uids) {
        const readable = uid === 0 || meta.mode & 0o004 || (meta.uid === uid && meta.mode & 0o400) || (gids.has(meta.gid) && meta.mode & 0o040);
        if (!readable) ctx.report({ messageId: 'unreadable', data: { ...data, uid: String(uid) }, ...at, severity: 'medium' });
      }
    }
  },
});
