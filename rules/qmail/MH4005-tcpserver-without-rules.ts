import { defineRule } from '../../src/core/rule.js';
import { resolveWord } from '../../src/parsers/qmail-run.js';

export default defineRule({
  meta: {
    id: 'MH4005',
    slug: 'tcpserver-without-rules',
    kinds: ['qmail-run'],
    description: 'The tcpserver line that starts qmail-smtpd must read the compiled tcp.smtp rules with -x, or no rule (deny lines, RELAYCLIENT for your own networks) ever applies.',
    severity: 'medium',
    tags: ['qmail', 'tcprules', 'relay'],
    references: ['qmail-FAQ:5.4'],
    messages: {
      none: 'tcpserver starts qmail-smtpd without -x: no rule of tcp.smtp applies, so no client can be denied and relaying is decided by rcpthosts alone',
      notCdb: 'tcpserver -x {path}: tcpserver reads that file as a cdb, and a text file gives "unable to read {path}: protocol error", dropping every connection',
    },
    fix: 'add -x /etc/tcp.smtp.cdb to the tcpserver line and compile it with tcprules /etc/tcp.smtp.cdb /etc/tcp.smtp.tmp < /etc/tcp.smtp',
  },
  check(doc, ctx) {
    for (const call of doc.tcpservers) {
      if (!call.smtpd) continue;
      const x = [...call.options].reverse().find((o) => o.letter === 'x');
      if (!x) {
        if (!call.opaque) ctx.report({ messageId: 'none', span: call.word.span });
        continue;
      }
      const r = x.arg ? resolveWord(doc, x.arg, call.command.line) : undefined;
      // Measured with ucspi-tcp 0.88: -x on the text rules drops each connection with "protocol error".
      if (r?.type === 'text' && r.text !== '' && !r.text.endsWith('.cdb')) {
        // The fix names the path four times: a path longer than a message shows is cut before it is joined.
        const path = r.text.length > 200 ? `${r.text.slice(0, 199)}…` : r.text;
        ctx.report({ messageId: 'notCdb', data: { path: r.text }, span: x.arg!.span, fix: `point -x at the compiled file (${path}.cdb, built with tcprules ${path}.cdb ${path}.tmp < ${path})` });
      }
    }
  },
});
