import { defineRule } from '../../src/core/rule.js';
import type { Severity, Span } from '../../src/core/types.js';
import { absent, AT_START, rulesCdb, smtpdCalls } from '../../src/host/qmail-paths.js';
import { stamp } from '../../src/host/paths.js';

/** A tcprules source and the cdb built from it, with where a missing cdb is reported. */
interface Pair {
  source?: string;
  cdb: string;
  /** The run script line that reads the cdb with -x, when one does. */
  reader?: { path: string; span: Span; allowMissing: boolean };
}

export default defineRule({
  meta: {
    id: 'MH4004',
    slug: 'tcp-rules-cdb-stale',
    kinds: ['host'],
    description: 'A tcp.smtp.cdb older than tcp.smtp means the last edits never took effect, and a missing one stops the SMTP service or leaves its rules unused, since tcpserver reads only the compiled file.',
    severity: 'medium',
    tags: ['qmail', 'tcprules', 'host', 'drift'],
    references: ['qmail-FAQ:5.4'],
    messages: {
      stale: '{cdb} ({cdbTime}) is older than {source} ({sourceTime}): the edits since were never compiled with tcprules, and tcpserver still applies the old rules',
      missingRead: 'tcpserver -x {cdb}, but {cdb} does not exist: tcpserver drops every connection ("unable to read {cdb}: file does not exist")',
      missingAllowed: 'tcpserver -X -x {cdb}, but {cdb} does not exist: every client is accepted with no rule applied (no RELAYCLIENT, no deny)',
      missingSource: '{source} exists but {cdb} does not: none of its rules is in force{note}',
    },
    fix: 'compile the rules after every edit: tcprules /etc/tcp.smtp.cdb /etc/tcp.smtp.tmp < /etc/tcp.smtp (no restart needed)',
  },
  check(host, ctx) {
    const pairs: Pair[] = [];
    const read = new Set<string>();
    for (const { path, doc, call } of smtpdCalls(host)) {
      const cdb = rulesCdb(path, doc, call);
      if (!cdb) continue;
      const x = [...call.options].reverse().find((o) => o.letter === 'x')!;
      const allowMissing = call.options.some((o) => o.letter === 'X');
      pairs.push({ ...(cdb.endsWith('.cdb') ? { source: cdb.slice(0, -4) } : {}), cdb, reader: { path, span: x.arg?.span ?? x.span, allowMissing } });
      read.add(host.tree.resolve(cdb) ?? cdb);
    }
    for (const source of host.layout.tcpRules) pairs.push({ source, cdb: `${source}.cdb` });
    const seen = new Set<string>();
    for (const p of pairs) {
      // Where the cdb is (links followed), or its own name when nothing is there (a missing directory on the way too).
      const cdbReal = host.tree.resolve(p.cdb) ?? (absent(host, p.cdb) ? p.cdb : undefined);
      if (cdbReal === undefined || seen.has(cdbReal)) continue;
      const source = p.source === undefined ? undefined : host.tree.file(p.source);
      const cdb = host.tree.file(p.cdb);
      if (!cdb) {
        // Something that is not a regular file (a directory): not this rule's concern.
        if (!absent(host, p.cdb)) continue;
        seen.add(cdbReal);
        if (p.reader) {
          const messageId = p.reader.allowMissing ? 'missingAllowed' : 'missingRead';
          ctx.report({ messageId, data: { cdb: p.cdb }, path: p.reader.path, span: p.reader.span, ...(p.reader.allowMissing ? { severity: 'low' as const } : {}) });
        } else if (source) {
          // A source no run script reads is only a leftover when the scripts read another cdb.
          const unused = read.size > 0 && !read.has(cdbReal);
          const severity: Severity = unused ? 'info' : 'medium';
          const note = unused ? ' (the qmail-smtpd run scripts read another file with -x)' : '; tcpserver -x drops every connection while the cdb is missing';
          ctx.report({ messageId: 'missingSource', data: { source: source.path, cdb: p.cdb, note }, path: source.path, span: AT_START, severity });
        }
        continue;
      }
      seen.add(cdbReal);
      if (source && cdb.mtimeMs < source.mtimeMs) {
        ctx.report({ messageId: 'stale', data: { cdb: cdb.path, cdbTime: stamp(cdb.mtimeMs), source: source.path, sourceTime: stamp(source.mtimeMs) }, path: cdb.path, span: AT_START });
      }
    }
  },
});
