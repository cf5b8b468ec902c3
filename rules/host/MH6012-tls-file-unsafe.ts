import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { AT_START, mtaCf, otherWriters, unsafeDirs } from '../../src/host/paths.js';
import { dontBlame, serverTls, SERVER_TLS_FILES } from '../../src/model/sendmail-tls.js';

export default defineRule({
  meta: {
    id: 'MH6012',
    slug: 'tls-file-unsafe',
    kinds: ['host'],
    description: 'The certificate, key and CA files STARTTLS reads must exist, the key must be readable by its owner only (or by its group with DontBlameSendmail GroupReadableKeyFile), and no directory above them may be writable by others: otherwise sendmail silently offers no STARTTLS.',
    severity: 'high',
    tags: ['tls', 'host', 'permissions'],
    references: ['sendmail-op:STARTTLS', 'sendmail-op:DontBlameSendmail', 'RFC:3207'],
    messages: {
      missing: '{option} names {path}, which does not exist: sendmail offers no STARTTLS',
      keyOthers: 'key file {path} has mode {mode}: every user can read the private key, and sendmail refuses it ("unsafe: World readable file") and offers no STARTTLS',
      keyGroup: 'key file {path} has mode {mode}, readable by group {group}, and DontBlameSendmail lacks GroupReadableKeyFile: sendmail logs "unsafe: Group readable file" and offers no STARTTLS',
      dir: '{option} {path} lies under {dir}, which {who} can write: sendmail logs "unsafe: Group writable directory" or "World writable directory" and offers no STARTTLS, and that user could swap the file',
      crl: 'CRLFile names {path}, which does not exist: STARTTLS is still offered but no certificate is checked for revocation (sendmail logs "unsafe: No such file or directory")',
    },
    fix: 'create the files, chmod 0600 the key (owned by root), and keep every directory above them writable by root only',
  },
  check(host, ctx) {
    const { tree, accounts } = host;
    const cf = mtaCf(host);
    if (!cf || !cf.doc.sendmail.servesSmtp) return;
    const model = cf.doc.sendmail;
    const tls = serverTls(model);
    if (!tls) return;
    const dbs = dontBlame(model);
    for (const option of SERVER_TLS_FILES) {
      const setting = tls.files[option];
      if (!setting) continue;
      const path = setting.value.trim();
      const meta = tree.stat(path);
      if (!meta) {
        ctx.report({ messageId: 'missing', data: { option, path }, path: cf.path, span: setting.span });
        continue;
      }
      const real = tree.resolve(path)!;
      const dirs = unsafeDirs(tree, path, { trustSticky: dbs.has('truststickybit'), groupWritableOk: dbs.has('groupwritabledirpathsafe') });
      const writable = dirs.find((d) => d.reason === 'writable');
      if (writable) {
        ctx.report({ messageId: 'dir', data: { option, path, dir: writable.dir, who: otherWriters(writable.meta, accounts) ?? 'another user' }, path: cf.path, span: setting.span, subject: `${option}:${writable.dir}` });
      }
      if (option !== 'ServerKeyFile' || meta.type !== 'file') continue;
      const at = { path: real, span: AT_START };
      if (meta.mode & 0o007) ctx.report({ messageId: 'keyOthers', data: { path: real, mode: octal(meta.mode) }, ...at });
      else if (meta.mode & 0o070 && !((meta.mode & 0o070) === 0o040 && dbs.has('groupreadablekeyfile'))) {
        ctx.report({ messageId: 'keyGroup', data: { path: real, mode: octal(meta.mode), group: accounts.groupName(meta.gid) }, ...at });
      }
    }
    if (tls.crlFile && !tree.stat(tls.crlFile.value.trim())) {
      ctx.report({ messageId: 'crl', data: { path: tls.crlFile.value.trim() }, path: cf.path, span: tls.crlFile.span, severity: 'low' });
    }
  },
});
