import { posix } from 'node:path';
import type { Span } from '../core/types.js';
import type { HostDocument } from './document.js';
import { qmailPaths } from './layout.js';
import { resolveWord, type QmailRunDocument, type TcpserverCall } from '../parsers/qmail-run.js';

/** Where a finding about a file's metadata (not one of its lines) is anchored. */
import { FILE_START } from '../core/span.js';

/** Where metadata findings point: the first character of the file. */
export const AT_START: Span = FILE_START;

/** The qmail-smtpd run scripts of the tree that were parsed (the layout's places), with their paths. */
export function runScripts(host: HostDocument): { path: string; doc: QmailRunDocument }[] {
  const out: { path: string; doc: QmailRunDocument }[] = [];
  for (const f of host.files) if (f.doc.kind === 'qmail-run') out.push({ path: f.path, doc: f.doc });
  return out;
}

/** Every tcpserver command line that starts qmail-smtpd, in the run scripts of the tree. */
export function smtpdCalls(host: HostDocument): { path: string; doc: QmailRunDocument; call: TcpserverCall }[] {
  const out: { path: string; doc: QmailRunDocument; call: TcpserverCall }[] = [];
  for (const s of runScripts(host)) for (const call of s.doc.tcpservers) if (call.smtpd) out.push({ ...s, call });
  return out;
}

/** The path of a control file in the tree. */
export function controlFile(host: HostDocument, name: string): string {
  return `${qmailPaths(host.layout).control}/${name}`;
}

/**
 * Whether nothing exists at a path, links followed inside the tree: what open() would answer with
 * ENOENT (a dangling link, a missing directory on the way). A link out of the tree or a loop is not
 * known to be absent.
 */
export function absent(host: HostDocument, path: string): boolean {
  const { tree } = host;
  const before = tree.problems.length;
  const real = tree.resolve(path);
  if (real !== undefined) return tree.lstat(real) === undefined;
  return !tree.problems.slice(before).some((p) => p.reason === 'escapes-root' || p.reason === 'loop');
}

/** Whether qmail-smtpd answers at all: only with control/me or control/smtpgreeting ("421 unable to read controls" otherwise). */
export function smtpdAnswers(host: HostDocument): boolean {
  return host.tree.exists(controlFile(host, 'me')) || host.tree.exists(controlFile(host, 'smtpgreeting'));
}

/**
 * Where a finding about the SMTP service as a whole is anchored: the tcpserver line of the first run
 * script that starts qmail-smtpd, else control/me or control/smtpgreeting (files that exist), else
 * the control directory.
 */
export function serviceAnchor(host: HostDocument): { path: string; span: Span } {
  const call = smtpdCalls(host)[0];
  if (call) return { path: call.path, span: call.call.word.span };
  for (const name of ['me', 'smtpgreeting']) {
    const path = controlFile(host, name);
    if (host.tree.file(path)) return { path: host.tree.resolve(path)!, span: AT_START };
  }
  return { path: qmailPaths(host.layout).control, span: AT_START };
}

/**
 * The cdb a tcpserver line reads with -x (the last -x wins), resolved against the run script's
 * directory (supervise and runsv start `run` there); undefined without -x or when the script does not
 * say which file it is.
 */
export function rulesCdb(scriptPath: string, doc: QmailRunDocument, call: TcpserverCall): string | undefined {
  let arg: string | undefined;
  for (const o of call.options) {
    if (o.letter !== 'x') continue;
    const r = o.arg ? resolveWord(doc, o.arg, call.command.line) : undefined;
    arg = r?.type === 'text' ? r.text : undefined;
  }
  if (arg === undefined || arg === '') return undefined;
  return posix.resolve(posix.dirname(scriptPath), arg);
}

/** The uids and gids qmail-smtpd runs with: the run scripts' -u/-g (numbers, `id -u USER`, `id -g USER`), else qmaild's. */
export function smtpdIds(host: HostDocument): { uids: Set<number>; gids: Set<number> } {
  const uids = new Set<number>();
  const gids = new Set<number>();
  for (const { doc, call } of smtpdCalls(host)) {
    for (const o of call.options) {
      if ((o.letter !== 'u' && o.letter !== 'g') || !o.arg) continue;
      const r = resolveWord(doc, o.arg, call.command.line);
      const id = r.type === 'text' && /^[0-9]+$/.test(r.text) ? Number(r.text) : r.type === 'id' ? (r.flag === 'u' ? host.accounts.uidOf(r.user) : host.accounts.gidOf(r.user)) : undefined;
      if (id !== undefined) (o.letter === 'u' ? uids : gids).add(id);
    }
  }
  // Without a script that says, qmaild and its group (INSTALL.ids: qmaild in group nofiles).
  const qmaild = host.accounts.uidOf('qmaild');
  if (uids.size === 0 && qmaild !== undefined) uids.add(qmaild);
  const nofiles = host.accounts.gidOf('qmaild');
  if (gids.size === 0 && nofiles !== undefined) gids.add(nofiles);
  return { uids, gids };
}
