import { posix } from 'node:path';
import { defineRule } from '../../src/core/rule.js';
import { AT_START, runScripts } from '../../src/host/qmail-paths.js';
import { baseName, resolveWord, type QmailRunDocument, type ShellWord, type TcpserverCall } from '../../src/parsers/qmail-run.js';

/** The program words a listener runs for each connection. */
function program(call: TcpserverCall): ShellWord[] {
  return call.opaque ? call.rest : call.rest.slice(2);
}

/** The last option of a letter, if any. */
function option(call: TcpserverCall, letter: string): TcpserverCall['options'][number] | undefined {
  return [...call.options].reverse().find((o) => o.letter === letter);
}

/** Whether a word names root: `root`, `0`, or `root:group` / `0:gid`. */
function isRoot(doc: QmailRunDocument, call: TcpserverCall, w: ShellWord): boolean {
  const r = resolveWord(doc, w, call.command.line);
  return r.type === 'text' && /^(root|0+)(:|$)/.test(r.text);
}

/** The rules directory of `s6-tcpserver-access -i DIR` in a call's program, resolved against the run script's directory. */
function s6RulesDir(script: string, doc: QmailRunDocument, call: TcpserverCall): string | undefined {
  const words = program(call);
  const at = words.findIndex((w) => baseName(w) === 's6-tcpserver-access');
  for (let k = at + 1; at >= 0 && k + 1 < words.length; k++) {
    if (words[k]!.raw === '--' || baseName(words[k]!) === 'qmail-smtpd') break;
    if (words[k]!.raw !== '-i') continue;
    const r = resolveWord(doc, words[k + 1]!, call.command.line);
    return r.type === 'text' && r.text !== '' ? posix.resolve(posix.dirname(script), r.text) : undefined;
  }
  return undefined;
}

/** The catch-all rules of s6-tcpserver-access (every IPv4 and every IPv6 client). */
const S6_CATCH_ALL = ['ip4/0.0.0.0_0', 'ip6/::_0'];

/** The tcpsvd -i directory of a call, resolved against the run script's directory. */
function peersDir(script: string, doc: QmailRunDocument, call: TcpserverCall): string | undefined {
  const i = option(call, 'i');
  const r = i?.arg ? resolveWord(doc, i.arg, call.command.line) : undefined;
  return r?.type === 'text' && r.text !== '' ? posix.resolve(posix.dirname(script), r.text) : undefined;
}

export default defineRule({
  meta: {
    id: 'MH4050',
    slug: 'smtpd-listener-unchecked',
    kinds: ['qmail-run', 'host'],
    description: 'A qmail-smtpd started by tcpsvd (ipsvd) or s6-tcpserver instead of tcpserver must still run as an unprivileged user and read per-client rules (tcpsvd -i/-x, s6-tcpserver-access), and those rules must not set RELAYCLIENT for every client.',
    severity: 'high',
    tags: ['qmail', 'relay', 'privilege'],
    references: ['ipsvd-instruct.5:0', 'qmail-FAQ:5.4', 'qmail-SECURITY:3'],
    messages: {
      tcpsvdNoRules: 'tcpsvd starts qmail-smtpd without -i or -x: no instructions apply, so no client can be denied and none gets RELAYCLIENT; relaying is decided by rcpthosts alone',
      tcpsvdRoot: 'tcpsvd {how}: qmail-smtpd runs as root',
      s6NoRules: 's6-tcpserver starts qmail-smtpd without s6-tcpserver-access: no rules apply, so no client can be denied and none gets RELAYCLIENT',
      s6CatchAll: '{path} sets RELAYCLIENT for the catch-all rule {rule} of s6-tcpserver-access: every client may relay (open relay)',
      s6Root: 's6-tcpserver has no -u/-g and nothing in its program changes the user (s6-applyuidgid, s6-setuidgid): qmail-smtpd runs as root',
      catchAll: '{path} is the catch-all instruction file of tcpsvd -i and sets RELAYCLIENT: every client may relay (open relay)',
      peers: '{path} sets RELAYCLIENT for the peers it names ({name}): they may relay to any domain',
    },
    fix: 'give the listener a user (tcpsvd -u qmaild:nofiles; s6-tcpserver -u UID -g GID) and rules (tcpsvd -i /etc/qmail-smtpd/peers; s6-tcpserver-access -x rules.cdb) that set RELAYCLIENT for your own networks only',
  },
  check(doc, ctx) {
    if (doc.kind === 'qmail-run') {
      for (const call of doc.otherServers) {
        if (!call.smtpd) continue;
        const setuid = call.setuidgid !== undefined || call.envuidgid !== undefined;
        if (call.server === 'tcpsvd') {
          if (!option(call, 'i') && !option(call, 'x') && !call.opaque) ctx.report({ messageId: 'tcpsvdNoRules', span: call.word.span, severity: 'medium' });
          const u = option(call, 'u');
          if (setuid) continue;
          if (!u && !call.opaque) ctx.report({ messageId: 'tcpsvdRoot', data: { how: 'has no -u' }, span: call.word.span });
          else if (u?.arg && isRoot(doc, call, u.arg)) ctx.report({ messageId: 'tcpsvdRoot', data: { how: `-u ${u.arg.raw}` }, span: u.arg.span });
        } else {
          const words = program(call).map((w) => baseName(w));
          if (!words.includes('s6-tcpserver-access') && !call.opaque) ctx.report({ messageId: 's6NoRules', span: call.word.span, severity: 'medium' });
          const changes = option(call, 'u') || option(call, 'U') || words.some((w) => w === 's6-applyuidgid' || w === 's6-setuidgid' || w === 'setuidgid');
          if (!changes && !setuid && !call.opaque) ctx.report({ messageId: 's6Root', span: call.word.span });
        }
      }
      return;
    }
    const { tree } = doc;
    const seen = new Set<string>();
    for (const { path: script, doc: run } of runScripts(doc)) {
      for (const call of run.otherServers) {
        if (!call.smtpd) continue;
        if (call.server === 's6-tcpserver') {
          const rules = s6RulesDir(script, run, call);
          for (const rule of rules === undefined ? [] : S6_CATCH_ALL) {
            // s6-tcpserver-access: a rule directory with an allow file, whose env/ directory holds the variables.
            const path = posix.join(rules!, rule, 'env', 'RELAYCLIENT');
            if (tree.file(posix.join(rules!, rule, 'allow')) && tree.file(path) && !seen.has(path)) {
              seen.add(path);
              ctx.report({ messageId: 's6CatchAll', data: { path, rule }, path: tree.resolve(path)!, span: AT_START, severity: 'critical' });
            }
          }
          continue;
        }
        const dir = peersDir(script, run, call);
        const real = dir === undefined ? undefined : tree.resolve(dir);
        if (real === undefined || tree.lstat(real)?.type !== 'dir' || seen.has(real)) continue;
        seen.add(real);
        for (const name of tree.list(real)) {
          const path = posix.join(real, name);
          const meta = tree.file(path);
          // ipsvd-instruct(5): an executable file is run instead of the program; one without read and execute bits denies.
          if (!meta || meta.mode & 0o100 || !(meta.mode & 0o400)) continue;
          const lines = (tree.read(path, 1 << 16) ?? '').split('\n');
          const at = lines.findIndex((l) => /^\+RELAYCLIENT=/.test(l));
          if (at < 0) continue;
          const span = { start: { line: at + 1, column: 1 }, end: { line: at + 1, column: lines[at]!.length + 1 } };
          if (name === '0') ctx.report({ messageId: 'catchAll', data: { path }, path, span, severity: 'critical' });
          else ctx.report({ messageId: 'peers', data: { path, name }, path, span, severity: 'info' });
        }
      }
    }
  },
});
