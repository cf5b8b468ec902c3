import { defineRule } from '../../src/core/rule.js';
import { daemonsOf, isLocalOnly, whereOf } from '../../src/model/daemon.js';

export default defineRule({
  meta: {
    id: 'MH1042',
    slug: 'listens-beyond-loopback',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'A host that only sends its own mail should run every sendmail daemon on 127.0.0.1 or ::1.',
    severity: 'info',
    tags: ['network', 'local-only'],
    references: ['DISA-STIG:GEN004710', 'CIS:2.1.21', 'SSG:has_nonlocal_mta', 'ANSSI:R74'],
    messages: {
      explicit: 'daemon {name} listens on port {port} on {where}, not only on loopback',
      implicit: 'daemon {name} listens on port {port} on {where}: {why}',
    },
    fix: 'bind the daemon to loopback (Addr=127.0.0.1, or Addr=::1 with Family=inet6) if no other host sends mail to this one',
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const severity = ctx.settings.localOnly ? 'medium' : 'info';
    const mc = doc.sendmail.origin === 'mc';
    for (const d of daemonsOf(doc.sendmail)) {
      if (isLocalOnly(d)) continue;
      const data = { name: d.name, port: d.port, where: whereOf(d) };
      const fix = mc ? `DAEMON_OPTIONS(\`Port=${d.port}, Addr=127.0.0.1, Name=${d.name}')dnl in the .mc, then rebuild the .cf` : `O DaemonPortOptions=Port=${d.port}, Addr=127.0.0.1, Name=${d.name}`;
      if (!d.setting.implicit) {
        ctx.report({ messageId: 'explicit', data, span: d.setting.span, severity, fix: `bind it to loopback: ${fix}` });
        continue;
      }
      const why = !mc
        ? 'the cf has no DaemonPortOptions, so sendmail starts its built-in Daemon0 on every IPv4 address'
        : d.name === 'MSA'
          ? 'proto.m4 adds the MSA unless FEATURE(`no_default_msa\') is used'
          : 'the .mc has no DAEMON_OPTIONS, so proto.m4 writes the default MTA daemon';
      const hint = mc && d.name === 'MSA' ? `add FEATURE(\`no_default_msa')dnl, or declare the MSA yourself: ${fix}` : `bind it to loopback: ${fix}`;
      ctx.report({ messageId: 'implicit', data: { ...data, why }, span: d.setting.span, severity, fix: hint });
    }
  },
});
