import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import { qmailPaths } from '../../src/host/layout.js';
import { AT_START } from '../../src/host/qmail-paths.js';

/** The addresses INSTALL.alias says ~alias must take, and what is lost without each. */
const REQUIRED: readonly { name: string; lost: string }[] = [
  { name: 'postmaster', lost: 'mail to postmaster (RFC 5321 requires it) and double bounces (doublebounceto defaults to postmaster) bounce or are dropped' },
  { name: 'mailer-daemon', lost: 'replies to bounces bounce again' },
  { name: 'root', lost: 'mail to root (cron, daemons, security reports) bounces: qmail never delivers to uid 0' },
];

export default defineRule({
  meta: {
    id: 'MH4043',
    slug: 'alias-dot-qmail-missing',
    kinds: ['host'],
    description: "The alias user's home (~alias) must hold .qmail-postmaster, .qmail-mailer-daemon and .qmail-root (qmail's INSTALL.alias), or a .qmail-default that takes every address; otherwise mail to these addresses, bounces and root's mail are lost.",
    severity: 'medium',
    tags: ['qmail', 'host', 'aliases'],
    references: ['qmail-INSTALL.alias:1', 'RFC:5321'],
    messages: {
      missing: '{path} does not exist: {lost}',
    },
    fix: 'echo someone > ~alias/.qmail-postmaster; ln -s .qmail-postmaster ~alias/.qmail-mailer-daemon; ln -s .qmail-postmaster ~alias/.qmail-root; chmod 644 them',
  },
  check(host, ctx) {
    const { tree } = host;
    const alias = qmailPaths(host.layout).alias;
    const real = tree.resolve(alias);
    // No ~alias: qmail is not installed in this tree (or not here).
    if (real === undefined || tree.lstat(real)?.type !== 'dir') return;
    if (tree.file(posix.join(real, '.qmail-default'))) return;
    for (const { name, lost } of REQUIRED) {
      const path = posix.join(real, `.qmail-${name}`);
      if (tree.file(path)) continue;
      ctx.report({ messageId: 'missing', data: { path, lost }, path: real, span: AT_START });
    }
  },
});
