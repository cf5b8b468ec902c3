import { defineRule } from '../../src/core/rule.js';
import { failMode, miltersOfCf, miltersOfMc, remoteHost } from '../../src/model/sendmail-milters.js';

export default defineRule({
  meta: {
    id: 'MH1093',
    slug: 'milter-fail-open',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'A mail filter (milter) needs F=T or F=R, or mail passes unfiltered whenever it is down; one on another host is reached over the network in clear text.',
    severity: 'medium',
    tags: ['milter', 'anti-spam'],
    references: ['sendmail-cf-README:INPUT_MAIL_FILTER', 'sendmail-op:X'],
    messages: {
      open: 'mail filter {name} ({socket}) has no F=T or F=R: when it is down or does not answer, sendmail accepts the mail without it, unfiltered',
      remote: 'mail filter {name} is reached at {host} ({socket}): every message goes to it over the network unencrypted, and whoever answers on that address filters the mail',
    },
    fix: "add F=T to the filter (INPUT_MAIL_FILTER(`name', `S=..., F=T')), so that mail waits with a temporary error while it is down; run it on the same host (S=local:/run/milter/name.sock or inet:port@127.0.0.1)",
  },
  check(doc, ctx) {
    const milters = doc.kind === 'sendmail-cf' ? miltersOfCf(doc) : miltersOfMc(doc);
    for (const m of milters) {
      if (failMode(m) === 'open') ctx.report({ messageId: 'open', data: { name: m.name, socket: m.socket }, span: m.span, subject: `${m.name} open` });
      const host = remoteHost(m);
      if (host) ctx.report({ messageId: 'remote', data: { name: m.name, socket: m.socket, host }, span: m.span, severity: 'low', subject: `${m.name} remote` });
    }
  },
});
