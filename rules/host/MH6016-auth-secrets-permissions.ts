import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { AT_START, isSystemGroup, mtaCf } from '../../src/host/paths.js';
import { mapSpec } from '../../src/model/cf-paths.js';

/** Cyrus SASL's password database (sasldb, `saslpasswd2`): Debian keeps it root:sasl 0640. */
const SASLDB = '/etc/sasldb2';

/** A file that holds passwords in clear text, or as good as clear text, and what it is, for messages. */
interface Secret {
  path: string;
  what: string;
  /** A group that may read it besides system groups (Debian's `sasl` group for saslauthd and sasldb users). */
  readerGroup?: string;
  /** Its lines are not shown (all of them secrets or about one); the authinfo source is shown, its passwords as `*`. */
  unquoted?: true;
}

/**
 * The files to judge: the authinfo map the cf declares (FEATURE(`authinfo'): `Kauthinfo hash /etc/mail/authinfo`,
 * its source text and the .db makemap writes), else the mail directory's authinfo; the file DefaultAuthInfo
 * names; and the SASL database.
 */
function secrets(host: Parameters<typeof mtaCf>[0]): Secret[] {
  const cf = mtaCf(host);
  const out: Secret[] = [];
  const map = cf ? mapSpec(cf.doc, 'authinfo') : undefined;
  const base = map?.path ?? `${host.layout.mailDir}/authinfo`;
  const db = map && !['hash', 'btree'].includes(map.class) ? base : `${base}.db`;
  out.push({ path: base, what: 'the authinfo source, with the passwords sendmail gives other servers' });
  if (db !== base) out.push({ path: db, what: 'the authinfo map, with the passwords sendmail gives other servers', unquoted: true });
  const def = cf?.doc.sendmail.get('DefaultAuthInfo')?.value.trim();
  if (def) out.push({ path: def, what: 'the DefaultAuthInfo file, with a password sendmail gives other servers', unquoted: true });
  out.push({ path: SASLDB, what: 'the SASL password database (sasldb), whose passwords are stored in clear text', readerGroup: 'sasl', unquoted: true });
  return out;
}

export default defineRule({
  meta: {
    id: 'MH6016',
    slug: 'auth-secrets-permissions',
    kinds: ['host'],
    description: 'The files that hold SMTP AUTH passwords (authinfo, DefaultAuthInfo, the SASL database) must not be readable or writable by other users.',
    severity: 'high',
    tags: ['host', 'permissions', 'auth'],
    references: ['sendmail-cf-README:authinfo', 'CWE:732'],
    messages: {
      mode: '{path}, {what}, has mode {mode}: {who}',
    },
    fix: 'chmod 0600 the file (the SASL database: chown root:sasl and chmod 0640 on Debian) and change the passwords it held',
  },
  check(host, ctx) {
    const { tree, accounts } = host;
    for (const secret of secrets(host)) {
      const real = tree.resolve(secret.path);
      const meta = real === undefined ? undefined : tree.lstat(real);
      if (!meta || meta.type !== 'file') continue;
      const group = accounts.groupName(meta.gid);
      const groupMayRead = isSystemGroup(meta.gid, accounts) || group === secret.readerGroup;
      const who =
        meta.mode & 0o004
          ? 'every user can read it'
          : meta.mode & 0o002
            ? 'every user can rewrite it'
            : meta.mode & 0o020
              ? `members of group ${group} can rewrite it`
              : meta.mode & 0o040 && !groupMayRead
                ? `members of group ${group} can read it`
                : undefined;
      if (!who) continue;
      ctx.report({ messageId: 'mode', data: { path: real!, what: secret.what, mode: octal(meta.mode), who }, path: real!, span: AT_START, ...(secret.unquoted ? { quote: false as const } : {}) });
    }
  },
});
