import { controlName } from '../parsers/qmail-control.js';
import type { FileKind } from './types.js';

/** The kind of a file from its name alone, or undefined when the name says nothing. */
export function kindFromName(path: string): FileKind | undefined {
  const base = path.split('/').pop() ?? path;
  if (/\.cf$/.test(base)) return 'sendmail-cf';
  if (/\.mc$/.test(base)) return 'sendmail-mc';
  if (/^aliases$/.test(base)) return 'aliases';
  if (/^access$/.test(base)) return 'access';
  // tcpserver rule sources: tcp.smtp, tcp.pop3 …; never the compiled tcp.smtp.cdb or tcprules' tcp.smtp.tmp.
  if (/^tcp\.[^.]/.test(base) && !/\.(cdb|tmp)$/.test(base)) return 'tcp-rules';
  // qmail's control files have plain names (me, locals, databytes): only inside a directory named control.
  const parts = path.split('/');
  if (parts.length >= 2 && parts[parts.length - 2] === 'control' && controlName(base) === base) return 'qmail-control';
  return undefined;
}

/**
 * The kind of a file from its name, or for names that only the content decides (a daemontools or
 * runit `run` script) from its first bytes, read only then.
 */
export function kindFromNameOrHead(path: string, head: () => string): FileKind | undefined {
  const byName = kindFromName(path);
  if (byName) return byName;
  const base = path.split('/').pop() ?? path;
  return base === 'run' && isQmailRunScript(head()) ? 'qmail-run' : undefined;
}

/** A shell script that starts a listener (tcpserver, sslserver, tcpsvd, s6-tcpserver) with qmail-smtpd (a qmail-smtpd run script). */
function isQmailRunScript(text: string): boolean {
  const head = text.slice(0, 64 * 1024);
  return /(^|[\s/])(tcpserver|sslserver|tcpsvd|s6-tcpserver[46]?)[ \t]/m.test(head) && /(^|[\s/])qmail-smtpd\b/m.test(head);
}

/** Names that belong to mail configuration but are never linted as text (compiled maps, backups). */
export function isIgnoredName(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return /\.(db|cdb|dir|pag|bak|orig|rej|swp|dpkg-(old|dist|new))$|~$/.test(base);
}

/** Line shapes only a sendmail.cf has: V, O, S, R, M, and D/C/F/K/H/P/T/E/Q lines as m4 writes them. */
const CF_LINE: readonly RegExp[] = [
  /^V\d+(\/\w+)?\s*$/,
  /^O [A-Z][A-Za-z.]+(=|$)/,
  /^S\d+|^S[A-Z][\w_]*(=\d+)?$/,
  /^R\$/,
  /^M\w+,\s*P=/,
  /^[DCF]([A-Za-z]|\{\w+\})[^\s:]*(\s|$)/,
  /^K\w+\s+\w+/,
  /^H(\?[^?]*\?)?[\w-]+:.*\$/,
  /^P[\w-]+=-?\d+$/,
  /^T[\w.-]+$/,
  /^E[A-Z_]+=/,
  /^[QX]\w+,\s*[A-Z]=/,
];

/**
 * The kind of a file from its first lines, for files whose name does not tell (e.g. `mx1-sendmail.conf`).
 * Looks at up to 200 lines; every test is a line-start pattern the real file always has.
 */
export function kindFromContent(text: string): FileKind | undefined {
  if (isQmailRunScript(text)) return 'qmail-run';
  const head = text.slice(0, 64 * 1024).split('\n', 200);
  let cf = 0;
  let mc = 0;
  let alias = 0;
  let access = 0;
  let tcp = 0;
  let other = 0;
  for (const line of head) {
    if (line === '' || line.startsWith('#')) continue;
    if (CF_LINE.some((re) => re.test(line)) && !/^[^\s:]+:\s/.test(line)) cf++;
    else if (/^(divert|OSTYPE|DOMAIN|FEATURE|MAILER|VERSIONID|define|include|DAEMON_OPTIONS)\(/.test(line) || /^dnl\b/.test(line)) mc++;
    else if (/^(Connect|From|To|Spam|GreetPause):\S*\s+\S/i.test(line) || /^[^\s:#]+[ \t]+(RELAY|OK|REJECT|DISCARD|SKIP|ERROR:|[45]\d\d\s)/.test(line)) access++;
    else if (/^[^\s:#]*:(allow|deny)(,.*)?[ \t]*\r?$/.test(line)) tcp++;
    else if (/^"?[\w.+-]+( [\w.+-]+)*"?\s*:\s*\S/.test(line) || /^[ \t]/.test(line)) alias++;
    else other++;
  }
  const best = Math.max(cf, mc, alias, access, tcp);
  if (best === 0 || best < other) return undefined;
  if (best === cf) return 'sendmail-cf';
  if (best === mc) return 'sendmail-mc';
  if (best === access) return 'access';
  if (best === tcp) return 'tcp-rules';
  return 'aliases';
}
