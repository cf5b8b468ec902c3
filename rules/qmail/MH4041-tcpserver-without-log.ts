import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH4041',
    slug: 'tcpserver-without-log',
    kinds: ['qmail-run'],
    description: 'The tcpserver line of qmail-smtpd should have -v: qmail-smtpd logs nothing itself, so without it no record says which client connected, was denied, or relayed.',
    severity: 'low',
    tags: ['qmail', 'logging'],
    references: ['LWQ:qmail-smtpd-run', 'tcpserver.1:-v'],
    messages: {
      quiet: 'tcpserver starts qmail-smtpd without -v{why}: no line records a connection, its address or its rule, and qmail-smtpd logs nothing of its own',
    },
    fix: 'add -v to the tcpserver line (and send its output, 2>&1, to multilog in log/run)',
  },
  check(doc, ctx) {
    for (const call of doc.tcpservers) {
      if (!call.smtpd || call.opaque) continue;
      // tcpserver getopt: the last of -q, -Q and -v wins.
      const last = [...call.options].reverse().find((o) => o.letter === 'v' || o.letter === 'q' || o.letter === 'Q');
      if (last?.letter === 'v') continue;
      const why = last ? ` (-${last.letter} silences it)` : '';
      ctx.report({ messageId: 'quiet', data: { why }, span: last ? last.span : call.word.span });
    }
  },
});
