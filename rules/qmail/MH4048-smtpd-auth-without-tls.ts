import { defineRule } from '../../src/core/rule.js';
import { absent, controlFile, smtpdCalls } from '../../src/host/qmail-paths.js';
import { baseName, environmentValue, resolveWord, type QmailRunDocument, type ShellWord, type TcpserverCall } from '../../src/parsers/qmail-run.js';

/** The words after qmail-smtpd: with the SMTP AUTH patch, `hostname checkpassword-program subprogram…`. */
function authWords(doc: QmailRunDocument, call: TcpserverCall): ShellWord[] | undefined {
  const program = call.opaque ? call.rest : call.rest.slice(2);
  const at = program.findIndex((w) => {
    if (baseName(w) === 'qmail-smtpd') return true;
    const r = resolveWord(doc, w, call.command.line);
    return r.type === 'text' && r.text.split('/').pop() === 'qmail-smtpd';
  });
  const args = at < 0 ? [] : program.slice(at + 1);
  return args.length >= 2 ? args : undefined;
}

/** FORCETLS as qmail-smtpd sees it: on its tcpserver line or exported by the script. */
function forceTls(doc: QmailRunDocument, call: TcpserverCall): { value: string; word: ShellWord } | undefined {
  const word = call.env.get('FORCETLS') ?? environmentValue(doc, 'FORCETLS', call.command.line);
  if (!word) return undefined;
  const r = resolveWord(doc, word, call.command.line);
  return r.type === 'text' ? { value: r.text, word } : undefined;
}

export default defineRule({
  meta: {
    id: 'MH4048',
    slug: 'smtpd-auth-without-tls',
    kinds: ['qmail-run', 'host'],
    description: 'A qmail-smtpd with the SMTP AUTH patch (qmail-smtpd HOST checkpassword PROGRAM) must offer AUTH only after STARTTLS: FORCETLS=0, or no control/servercert.pem, sends every password in clear.',
    severity: 'high',
    tags: ['qmail', 'tls', 'auth'],
    references: ['RFC:4954', 'qmail-smtp-auth:FORCETLS'],
    messages: {
      forceTls: 'FORCETLS={value}: qmail-smtpd offers AUTH ({checker}) before STARTTLS, so clients send their passwords in clear and a listener gets a login that can relay',
      noCert: '{path} does not exist: qmail-smtpd has no certificate for STARTTLS, yet offers AUTH ({checker}); every password crosses the network in clear',
    },
    fix: 'leave FORCETLS unset (or 1) so that AUTH is offered only inside TLS, and install control/servercert.pem (certificate and key, 0640 qmaild:nofiles)',
  },
  check(doc, ctx) {
    if (doc.kind === 'qmail-run') {
      for (const call of doc.tcpservers) {
        if (!call.smtpd) continue;
        const auth = authWords(doc, call);
        const force = auth && forceTls(doc, call);
        if (force && /^0*$/.test(force.value.trim())) ctx.report({ messageId: 'forceTls', data: { value: force.value === '' ? '""' : force.value, checker: auth[1]!.raw }, span: force.word.span });
      }
      return;
    }
    const path = controlFile(doc, 'servercert.pem');
    if (!absent(doc, path)) return;
    for (const { path: script, doc: run, call } of smtpdCalls(doc)) {
      const auth = authWords(run, call);
      if (auth) ctx.report({ messageId: 'noCert', data: { path, checker: auth[1]!.raw }, path: script, span: auth[1]!.span });
    }
  },
});
