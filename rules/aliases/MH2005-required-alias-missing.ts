import { defineRule } from '../../src/core/rule.js';
import { KeySet } from '../../src/parsers/aliases.js';

const REQUIRED = new KeySet(['postmaster', 'mailer-daemon', 'root']);

export default defineRule({
  meta: {
    id: 'MH2005',
    slug: 'required-alias-missing',
    kinds: ['aliases'],
    description: 'The aliases file lacks postmaster, MAILER-DAEMON or root, so error reports and system mail reach nobody who reads them.',
    severity: 'medium',
    tags: ['aliases', 'monitoring'],
    references: ['RFC:5321', 'RHEL-08-STIG:RHEL-08-030030', 'RHEL-09-STIG:RHEL-09-252060', 'RHEL-06-STIG:RHEL-06-000521', 'RHEL-09-STIG:RHEL-09-653125', 'ANSSI:R75'],
    messages: {
      postmaster: 'no "postmaster" alias: RFC 5321 requires the mailbox, and sendmail sends the bounces it cannot return there',
      mailerDaemon: 'no "MAILER-DAEMON" alias: replies to bounces, which come from MAILER-DAEMON, are themselves bounced',
      root: 'no "root" alias: mail for root stays in a local mailbox instead of reaching a monitored address',
    },
    fix: 'add the alias, pointing at a person or list that reads it (e.g. "postmaster: root" and "root: ops@example.com"), and run newaliases',
  },
  check(doc, ctx) {
    // Found in any part of a large file; reported at the first line, once all parts are read.
    const seen = ctx.part.state(() => ({ keys: new Set<string>(), span: doc.file.startSpan() }));
    const keys = seen.keys;
    const all = doc.keys;
    for (let i = 0; i < all.length; i++) if (all.in(i, REQUIRED)) keys.add(all.at(i));
    if (!ctx.part.last) return;
    const span = seen.span;
    if (!keys.has('postmaster')) ctx.report({ messageId: 'postmaster', span, fix: 'add "postmaster: root" and run newaliases' });
    if (!keys.has('mailer-daemon')) ctx.report({ messageId: 'mailerDaemon', span, severity: 'low', fix: 'add "MAILER-DAEMON: postmaster" and run newaliases' });
    if (!keys.has('root')) ctx.report({ messageId: 'root', span, severity: 'low', fix: 'add "root:" followed by the address of someone who reads it, and run newaliases' });
  },
});
