import { defineRule } from '../../src/core/rule.js';
import { qmailPaths } from '../../src/host/layout.js';
import { absent, controlFile, serviceAnchor, smtpdAnswers, smtpdCalls } from '../../src/host/qmail-paths.js';

export default defineRule({
  meta: {
    id: 'MH4001',
    slug: 'rcpthosts-missing',
    kinds: ['host'],
    description: 'Without control/rcpthosts qmail-smtpd accepts mail for every domain from every client, which makes the host an open relay.',
    severity: 'critical',
    tags: ['qmail', 'relay', 'host'],
    references: ['DISA-STIG:GEN004710', 'KISA:U-31', 'qmail-smtpd.8:rcpthosts'],
    messages: {
      missing: '{path} does not exist{why}: qmail-smtpd accepts mail for any domain from any client (open relay){more}',
    },
    fix: 'list the domains this host receives mail for in control/rcpthosts, one per line (at least those of control/locals and control/virtualdomains)',
    suppressible: false,
  },
  check(host, ctx) {
    const { tree } = host;
    if (!smtpdAnswers(host)) return;
    const path = controlFile(host, 'rcpthosts');
    // A link that leads out of the tree is not known to be missing (MH6000 reports the link).
    if (!absent(host, path)) return;
    const link = tree.lstat(path);
    const why = link?.type === 'symlink' ? ` (it is a symbolic link to ${link.target}, which names nothing)` : '';
    const more: string[] = [];
    if (tree.exists(`${qmailPaths(host.layout).control}/morercpthosts.cdb`)) more.push('morercpthosts.cdb is not read without it');
    if (smtpdCalls(host).some((c) => c.doc.rcpthostsGuards.some((g) => g.line < c.call.command.line))) {
      more.push("the run script's test of it only guards a start: each connection starts a qmail-smtpd that reads it anew");
    }
    ctx.report({ messageId: 'missing', data: { path, why, more: more.length ? `; ${more.join('; ')}` : '' }, ...serviceAnchor(host) });
  },
});
