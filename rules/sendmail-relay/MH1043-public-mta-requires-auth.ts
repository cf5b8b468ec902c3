import { defineRule } from '../../src/core/rule.js';
import { daemonsOf, isLocalOnly, portNumber, whereOf } from '../../src/model/daemon.js';

export default defineRule({
  meta: {
    id: 'MH1043',
    slug: 'public-mta-requires-auth',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'The SMTP daemon on port 25 of a reachable address must not use the M=a modifier: it refuses mail from every server that does not authenticate.',
    severity: 'low',
    tags: ['network', 'auth'],
    references: ['sendmail-cf-README:DaemonPortOptions'],
    messages: {
      authRequired: 'daemon {name} on port {port} of {where} has M={modifiers}: "a" makes sendmail answer MAIL FROM with "530 5.7.0 Authentication required" unless the client authenticated, so other mail servers cannot deliver here',
    },
    fix: 'drop "a" from M= on the port 25 daemon and require authentication on a submission daemon instead (Port=587, M=Ea)',
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    for (const d of daemonsOf(doc.sendmail)) {
      if (!d.modifiers.includes('a') || isLocalOnly(d) || portNumber(d.port) !== 25) continue;
      ctx.report({ messageId: 'authRequired', data: { name: d.name, port: d.port, where: whereOf(d), modifiers: d.modifiers }, span: d.setting.span });
    }
  },
});
