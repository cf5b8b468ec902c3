import { defineRule } from '../../src/core/rule.js';
import { environmentValue, literal, resolveWord, type QmailRunDocument, type ShellWord, type TcpserverCall, type TcpserverOption } from '../../src/parsers/qmail-run.js';

/**
 * Why an id given to tcpserver leaves the process with root's: the id of root (`id -u root`), 0
 * itself, or text that scan_ulong reads as 0 (a name, an empty value).
 */
function rootId(doc: QmailRunDocument, call: TcpserverCall, arg: ShellWord): { kind: 'root' | 'zero' | 'name'; value: string; via: string } | undefined {
  const r = resolveWord(doc, arg, call.command.line);
  if (r.type === 'id') return r.user === 'root' ? { kind: 'root', value: arg.raw, via: ` (id -${r.flag} root)` } : undefined;
  if (r.type !== 'text') return undefined;
  const digits = /^[0-9]+/.exec(r.text)?.[0];
  if (digits !== undefined && !/^0+$/.test(digits)) return undefined;
  // A message shows 200 characters of a value: a longer one is cut here, before it is joined into
  // text (cutting a joined text copies it whole first, and a script may quote a megabyte thousands of times).
  const value = r.text === '' ? '""' : r.text.length > 250 ? r.text.slice(0, 250) : r.text;
  const kind = digits === undefined ? 'name' : 'zero';
  return r.via ? { kind, value: arg.raw, via: ` (${r.via} is ${value})` } : { kind, value, via: '' };
}

export default defineRule({
  meta: {
    id: 'MH4006',
    slug: 'smtpd-runs-as-root',
    kinds: ['qmail-run'],
    description: 'The tcpserver line must switch to an unprivileged uid and gid (-u and -g with numbers, or -U after envuidgid) before it runs qmail-smtpd, which is meant to run as qmaild, never as root.',
    severity: 'high',
    tags: ['qmail', 'privilege'],
    references: ['qmail-SECURITY:3', 'qmail-FAQ:5.1', 'LWQ:qmail-smtpd-run'],
    messages: {
      noUid: 'tcpserver has no -u (nor -U): qmail-smtpd runs as root',
      uidZero: 'tcpserver -u {value}{via}: uid 0, so qmail-smtpd runs as root',
      uidName: 'tcpserver -u {value}{via}: tcpserver reads the uid as a number (scan_ulong) and never looks up a name, so this is uid 0 and qmail-smtpd runs as root',
      uidRoot: 'tcpserver -u {value}{via}: the uid of root, so qmail-smtpd runs as root',
      noEnv: 'tcpserver -U takes the uid and gid from $UID and $GID, which nothing in this script sets: tcpserver stays root',
      noGid: 'tcpserver has -u but no -g: qmail-smtpd keeps gid 0 and root\'s supplementary groups',
      gidZero: 'tcpserver -g {value}{via}: gid 0, so qmail-smtpd runs in group root',
      gidName: 'tcpserver -g {value}{via}: tcpserver reads the gid as a number and never looks up a name, so this is gid 0 and qmail-smtpd runs in group root',
      setuidRoot: '{wrapper} {value} runs tcpserver and qmail-smtpd as root',
    },
    fix: 'give tcpserver numeric ids of the qmaild user: -u "$QMAILDUID" -g "$NOFILESGID" with QMAILDUID=`id -u qmaild` and NOFILESGID=`id -g qmaild`, or envuidgid qmaild tcpserver -U',
  },
  check(doc, ctx) {
    for (const call of doc.tcpservers) {
      if (!call.smtpd) continue;
      if (call.setuidgid) {
        // tcpserver itself was started as another user (it then needs a port above 1023 or a capability).
        const user = literal(call.setuidgid);
        if (user === 'root' || user === '0') ctx.report({ messageId: 'setuidRoot', data: { wrapper: 'setuidgid', value: user }, span: call.setuidgid.span });
        continue;
      }
      let uid: TcpserverOption | undefined;
      let gid: TcpserverOption | undefined;
      // The last of -u, -g and -U wins (measured: "-u 0 -U" takes $UID, "-U -u 0" stays root).
      for (const o of call.options) {
        if (o.letter === 'u') uid = o;
        else if (o.letter === 'g') gid = o;
        else if (o.letter === 'U') uid = gid = o;
      }
      if (!uid) {
        if (!call.opaque) ctx.report({ messageId: 'noUid', span: call.word.span });
        continue;
      }
      if (uid.letter === 'U') {
        const envSet = call.envuidgid !== undefined || call.envdirs.length > 0 || call.env.has('UID') || environmentValue(doc, 'UID', call.command.line) !== undefined;
        if (!envSet) ctx.report({ messageId: 'noEnv', span: uid.span });
        else if (call.envuidgid && literal(call.envuidgid) === 'root') ctx.report({ messageId: 'setuidRoot', data: { wrapper: 'envuidgid', value: 'root' }, span: call.envuidgid.span });
        continue;
      }
      if (uid.arg) {
        const root = rootId(doc, call, uid.arg);
        if (root) {
          ctx.report({ messageId: root.kind === 'root' ? 'uidRoot' : root.kind === 'name' ? 'uidName' : 'uidZero', data: { value: root.value, via: root.via }, span: uid.arg.span });
          continue;
        }
      }
      if (!gid) {
        if (!call.opaque) ctx.report({ messageId: 'noGid', span: call.word.span, severity: 'medium' });
      } else if (gid.letter === 'g' && gid.arg) {
        const root = rootId(doc, call, gid.arg);
        if (root) ctx.report({ messageId: root.kind === 'name' ? 'gidName' : 'gidZero', data: { value: root.value, via: root.via }, span: gid.arg.span, severity: 'medium' });
      }
    }
  },
});
