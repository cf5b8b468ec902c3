import { defineRule } from '../../src/core/rule.js';
import { finalLine, lineSpan, quote } from './spans.js';

export default defineRule({
  meta: {
    id: 'MH7005',
    slug: 'probe-open-relay',
    kinds: ['probe'],
    description: 'The running server must refuse a recipient in another domain from an unauthenticated client: accepting it is an open relay.',
    severity: 'critical',
    tags: ['relay', 'probe'],
    references: ['DISA-STIG:GEN004710', 'SSG-RHEL5:mail_relaying_disabled', 'KISA:U-31'],
    messages: {
      accepted: 'an unauthenticated client was allowed to relay: {command} was answered {code}: "{reply}"',
      loopback: 'a client on loopback was allowed to relay ({command} answered {code}); sendmail lets local clients relay, so only a probe from another host tests the relay policy',
    },
    fix: 'relay only for your own networks and domains (access map Connect: entries, relay-domains, tcp.smtp RELAYCLIENT), never with promiscuous_relay or a relay rule for everyone',
    suppressible: false,
  },
  check(doc, ctx) {
    // The probe sends RCPT only after the server accepted MAIL FROM; a 2xx to it is a relay.
    const e = doc.find('RCPT');
    const l = e && finalLine(e);
    if (!e?.reply || !l || e.reply.code < 200 || e.reply.code >= 300) return;
    // Probing 127.0.0.1 or ::1, the probe is itself a local client, which every relay policy trusts.
    const host = doc.target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (/^(127\.|::1$|localhost$)/i.test(host)) ctx.report({ messageId: 'loopback', data: { command: e.command, code: e.reply.code }, span: lineSpan(l), severity: 'info' });
    else ctx.report({ messageId: 'accepted', data: { command: e.command, code: e.reply.code, reply: quote(e) }, span: lineSpan(l) });
  },
});
