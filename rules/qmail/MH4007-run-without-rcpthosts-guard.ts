import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH4007',
    slug: 'run-without-rcpthosts-guard',
    kinds: ['qmail-run'],
    description: 'A qmail-smtpd run script should refuse to start when control/rcpthosts is missing, since qmail-smtpd is an open relay without it.',
    severity: 'low',
    tags: ['qmail', 'relay'],
    references: ['LWQ:qmail-smtpd-run'],
    messages: {
      noGuard: 'the script starts qmail-smtpd without first testing that control/rcpthosts exists: if the file is ever missing at a start, the service comes up as an open relay',
    },
    fix: 'before starting tcpserver: if [ ! -f /var/qmail/control/rcpthosts ]; then echo "Refusing to start SMTP listener because it\'ll create an open relay"; exit 1; fi',
  },
  check(doc, ctx) {
    for (const call of doc.tcpservers) {
      if (!call.smtpd) continue;
      if (doc.rcpthostsGuards.some((g) => g.line < call.command.line)) continue;
      ctx.report({ messageId: 'noGuard', span: call.word.span });
    }
  },
});
