import { defineRule } from '../../src/core/rule.js';
import { isLoopbackAddress } from '../../src/model/address.js';
import { finalLine, lineSpan, quote } from '../../src/probe/spans.js';

/** After a 530 the relay is refused; what is left to check is how clients authenticate. */
const AUTH_FIX = 'nothing to change for relaying: clients must authenticate here; check that AUTH PLAIN and LOGIN are offered only after STARTTLS (MH7006, AuthOptions=p)';
const TLS_FIX = 'nothing to change for relaying on this evidence; test the relay policy of a TLS session with a client that speaks STARTTLS (swaks --tls, openssl s_client -starttls smtp)';

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
      inconclusive: 'the relay test proves nothing: the server refused the sender, not the relay ("{reply}"); repeat it with --relay-test FROM,TO and a sender in a domain the server can resolve',
      authRequired: 'relay refused: the server wants AUTH before it takes mail ({command} was answered "{reply}"), so an unauthenticated client cannot relay through it',
      tlsRequired: 'relay not tested: the server wants STARTTLS before it takes mail ({command} was answered "{reply}"), and the probe tries the relay in clear only',
    },
    fix: 'relay only for your own networks and domains (access map Connect: entries, relay-domains, tcp.smtp RELAYCLIENT), never with promiscuous_relay or a relay rule for everyone',
    suppressible: false,
  },
  check(doc, ctx) {
    // The probe sends RCPT only after the server accepted MAIL FROM; a 2xx to it is a relay.
    const mail = doc.find('MAIL');
    const e = doc.find('RCPT');
    const l = e && finalLine(e);
    // Refused because of the sender (MAIL refused, or RCPT answered x.1.7/x.1.8, "bad sender"): no
    // verdict on relaying, and saying "no relay" would be wrong.
    const mailLine = mail && finalLine(mail);
    // 530 (RFC 4954 §6 "Authentication required", RFC 3207 "Must issue a STARTTLS command first") to
    // MAIL or RCPT: a refusal of every unauthenticated client, so of relaying too, and nothing about
    // the sender's domain. Measured: Debian's sendmail on a port with M=a answers MAIL FROM with
    // "530 5.7.0 Authentication required".
    for (const x of [mail, e]) {
      const last = x && finalLine(x);
      if (!x?.reply || !last || x.reply.code !== 530) continue;
      const data = { command: x.command, reply: quote(x) };
      if (/STARTTLS|\bTLS\b|encrypt/i.test(last.text)) return void ctx.report({ messageId: 'tlsRequired', data, span: lineSpan(last), severity: 'info', fix: TLS_FIX });
      return void ctx.report({ messageId: 'authRequired', data, span: lineSpan(last), severity: 'info', fix: AUTH_FIX });
    }
    if (mail?.reply && mailLine && mail.reply.code >= 400 && !e) return void ctx.report({ messageId: 'inconclusive', data: { reply: quote(mail) }, span: lineSpan(mailLine), severity: 'info' });
    if (e?.reply && l && e.reply.code >= 400 && /^\d{3}[ -][45]\.1\.[78]\b/.test(l.text)) return void ctx.report({ messageId: 'inconclusive', data: { reply: quote(e) }, span: lineSpan(l), severity: 'info' });
    if (!e?.reply || !l || e.reply.code < 200 || e.reply.code >= 300) return;
    // Probing a loopback address, the probe is itself a local client, which every relay policy
    // trusts. The address connected to decides (a host name may resolve to 127.0.1.1).
    const host = doc.address || doc.target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (isLoopbackAddress(host)) ctx.report({ messageId: 'loopback', data: { command: e.command, code: e.reply.code }, span: lineSpan(l), severity: 'info' });
    else ctx.report({ messageId: 'accepted', data: { command: e.command, code: e.reply.code, reply: quote(e) }, span: lineSpan(l) });
  },
});
