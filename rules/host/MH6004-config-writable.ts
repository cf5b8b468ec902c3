import { defineRule } from '../../src/core/rule.js';
import { octal } from '../../src/host/mode.js';
import { AT_START, otherWriters } from '../../src/host/paths.js';

/** The files under the mail directory that decide what the MTA does. */
const FILES = ['sendmail.cf', 'submit.cf', 'sendmail.mc', 'submit.mc', 'access'] as const;

export default defineRule({
  meta: {
    id: 'MH6004',
    slug: 'config-writable',
    kinds: ['host'],
    description: 'The files sendmail.cf, submit.cf, their .mc sources and the access map must be owned by root and writable by nobody else, since sendmail (running as root) uses whatever they say.',
    severity: 'high',
    tags: ['host', 'permissions'],
    references: ['sendmail-SECURITY:cf'],
    messages: {
      owner: '{path} is owned by {owner}, not root: that user can rewrite the configuration sendmail runs as root with',
      writable: '{path} has mode {mode}: {who} can rewrite it, and sendmail uses a writable configuration without complaint{note}',
    },
    fix: 'chown root and chmod go-w the file (sendmail.cf and submit.cf: 0644 or 0444; access: 0600 or 0640)',
  },
  check(host, ctx) {
    const { tree, accounts, layout } = host;
    for (const name of FILES) {
      const path = `${layout.mailDir}/${name}`;
      const real = tree.resolve(path);
      const meta = real === undefined ? undefined : tree.lstat(real);
      if (!meta || meta.type !== 'file') continue;
      const at = { path: real!, span: AT_START };
      if (meta.uid !== 0) ctx.report({ messageId: 'owner', data: { path: real!, owner: accounts.userName(meta.uid) }, ...at });
      const who = otherWriters(meta, accounts);
      if (who) {
        // Measured (FORMATS.md §2): only `sendmail -bC` warns "dangerous write permissions"; -bs, -bv and the daemon read it silently.
        const note = name.endsWith('.cf') ? ' (only sendmail -bC warns: "dangerous write permissions")' : '';
        ctx.report({ messageId: 'writable', data: { path: real!, mode: octal(meta.mode), who, note }, ...at });
      }
    }
  },
});
