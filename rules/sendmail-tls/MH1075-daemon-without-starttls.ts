import { defineRule } from '../../src/core/rule.js';
import { daemonsOf, isLocalOnly, whereOf } from '../../src/model/daemon.js';

export default defineRule({
  meta: {
    id: 'MH1075',
    slug: 'daemon-without-starttls',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'A daemon that other hosts can reach must not carry the M=S modifier, which keeps STARTTLS out of its EHLO reply.',
    severity: 'medium',
    tags: ['tls', 'network'],
    references: ['sendmail-op:DaemonPortOptions', 'RFC:3207'],
    messages: {
      noTls: 'daemon {name} on port {port} ({where}) has M=S: it offers no STARTTLS, so clients send their mail (and their passwords) in the clear',
    },
    fix: 'remove S from the daemon\'s M= modifiers',
  },
  check(doc, ctx) {
    if (!doc.sendmail.servesSmtp) return;
    for (const d of daemonsOf(doc.sendmail)) {
      if (isLocalOnly(d) || !d.modifiers.includes('S')) continue;
      ctx.report({ messageId: 'noTls', data: { name: d.name, port: d.port, where: whereOf(d) }, span: d.setting.span });
    }
  },
});
