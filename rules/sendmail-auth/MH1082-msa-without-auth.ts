import { defineRule } from '../../src/core/rule.js';
import { daemonsOf, isLocalOnly, portNumber, whereOf } from '../../src/model/daemon.js';

export default defineRule({
  meta: {
    id: 'MH1082',
    slug: 'msa-without-auth',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'A submission daemon (port 587) reachable from other hosts must require SMTP AUTH (M=a, RFC 6409); proto.m4 adds one with M=E unless FEATURE(`no_default_msa\') is used.',
    severity: 'medium',
    tags: ['auth', 'relay'],
    references: ['RFC:6409', 'sendmail-cf-README:no_default_msa', 'sendmail-cf-README:DaemonPortOptions'],
    messages: {
      msa: 'the daemon {name} on port 587 at {where} has M={modifiers} without "a": message submission does not require SMTP AUTH (RFC 6409 section 4.3)',
      default:
        'without FEATURE(`no_default_msa\') proto.m4 adds the daemon MSA on port 587 at every address with M=E, without "a": message submission does not require SMTP AUTH (RFC 6409 section 4.3)',
    },
    fix: "require AUTH on the submission port (M=Ea): FEATURE(`no_default_msa')dnl and DAEMON_OPTIONS(`Port=submission, Name=MSA, M=Ea')dnl, or only FEATURE(`no_default_msa') when no client submits mail",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    for (const d of daemonsOf(doc.sendmail)) {
      if (portNumber(d.port) !== 587 || d.modifiers.includes('a') || isLocalOnly(d)) continue;
      const data = { name: d.name, where: whereOf(d), modifiers: d.modifiers };
      // The MSA proto.m4 adds is an explicit line of the cf it writes: the same data, in the cf's words.
      ctx.report({ messageId: d.setting.implicit ? 'default' : 'msa', data, span: d.setting.span, subject: `${d.name} ${d.port}` });
    }
  },
});
