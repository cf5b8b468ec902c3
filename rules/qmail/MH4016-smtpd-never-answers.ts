import { defineRule } from '../../src/core/rule.js';
import { controlFile, serviceAnchor, smtpdAnswers, smtpdCalls } from '../../src/host/qmail-paths.js';

export default defineRule({
  meta: {
    id: 'MH4016',
    slug: 'smtpd-never-answers',
    kinds: ['host'],
    description: 'With neither control/me nor control/smtpgreeting, qmail-smtpd greets every client with "421 unable to read controls" and hangs up: the host receives no mail.',
    severity: 'high',
    tags: ['qmail', 'host'],
    references: ['qmail-control.5:me'],
    messages: {
      missing: 'a run script starts qmail-smtpd, but {me} and {greeting} do not exist: every connection is answered "421 unable to read controls" and no mail is received',
    },
    fix: 'put the host\'s fully qualified name in control/me (qmail\'s config script does), or a greeting in control/smtpgreeting',
  },
  check(host, ctx) {
    if (smtpdCalls(host).length === 0 || smtpdAnswers(host)) return;
    ctx.report({ messageId: 'missing', data: { me: controlFile(host, 'me'), greeting: controlFile(host, 'smtpgreeting') }, ...serviceAnchor(host) });
  },
});
