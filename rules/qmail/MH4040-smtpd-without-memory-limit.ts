import { defineRule } from '../../src/core/rule.js';
import { baseName, literal, type QmailRunDocument, type ShellWord, type TcpserverCall } from '../../src/parsers/qmail-run.js';

/** softlimit (daemontools), s6-softlimit (s6) and chpst (runit) options that cap the memory of the program they run. */
const LIMIT_OPTIONS: ReadonlyMap<string, RegExp> = new Map([
  ['softlimit', /^-[mad]/],
  ['s6-softlimit', /^-[mad]/],
  ['chpst', /^-[mad]/],
]);

/** Whether a run of words holds `softlimit -m N` / `chpst -m N` (or -a, -d) before the program. */
function limitedBy(words: readonly ShellWord[]): boolean {
  for (let k = 0; k < words.length; k++) {
    // A Map: a word such as `toString` or `__proto__` names no limiter (a plain object would answer it).
    const limit = LIMIT_OPTIONS.get(baseName(words[k]!));
    if (!limit) continue;
    for (let j = k + 1; j < words.length; j++) {
      const opt = literal(words[j]!);
      if (opt === undefined || !opt.startsWith('-')) break;
      if (limit.test(opt)) return true;
    }
  }
  return false;
}

/**
 * The line of the first `ulimit -v N` / `ulimit -d N` (a number, not `unlimited`) of the script, whose
 * limit every later command inherits; Infinity without one. Found once per script, not once per call.
 */
function firstUlimit(doc: QmailRunDocument): number {
  for (const c of doc.ulimits) {
    const words = c.words.slice(1).map((w) => literal(w) ?? '');
    if (words.some((w, k) => /^-[A-Za-z]*[vd]/.test(w) && /^[0-9]+$/.test(words[k + 1] ?? ''))) return c.line;
  }
  return Infinity;
}

/** The words between tcpserver's port and qmail-smtpd: wrappers tcpserver runs for each connection. */
function programWrappers(call: TcpserverCall): ShellWord[] {
  const program = call.opaque ? call.rest : call.rest.slice(2);
  const at = program.findIndex((w) => baseName(w) === 'qmail-smtpd');
  return at < 0 ? [] : program.slice(0, at);
}

export default defineRule({
  meta: {
    id: 'MH4040',
    slug: 'smtpd-without-memory-limit',
    kinds: ['qmail-run'],
    description: 'The qmail-smtpd service must run under a memory limit (softlimit -m, chpst -m or ulimit -v): without one, a client that sends gigabytes of header or recipients overflows qmail-smtpd on a 64-bit host (CVE-2005-1513, remote code execution).',
    severity: 'high',
    tags: ['qmail', 'limits', 'cve'],
    references: ['CVE:2005-1513', 'CVE:2005-1514', 'CVE:2005-1515', 'LWQ:qmail-smtpd-run'],
    messages: {
      none: 'nothing limits the memory of qmail-smtpd (no softlimit -m, chpst -m or ulimit -v before it): on a 64-bit host a client can make stralloc overflow an int (CVE-2005-1513, Guninski) and run code as qmaild',
    },
    fix: 'start the service with a memory limit: exec softlimit -m 2000000 tcpserver … qmail-smtpd (runit: chpst -m 2000000)',
  },
  check(doc, ctx) {
    // Whatever the listener (tcpserver, sslserver, tcpsvd, s6-tcpserver), qmail-smtpd inherits its limits.
    const ulimit = firstUlimit(doc);
    for (const call of [...doc.tcpservers, ...doc.otherServers]) {
      if (!call.smtpd || call.opaque) continue;
      if (limitedBy(call.wrappers) || limitedBy(programWrappers(call)) || ulimit < call.command.line) continue;
      ctx.report({ messageId: 'none', span: call.word.span });
    }
  },
});
