import { posix } from 'node:path';
import type { FileKind } from '../core/types.js';
import { qmailPaths, readAccounts, type Layout } from '../host/layout.js';
import type { HostTree } from '../host/tree.js';
import { ALIAS_ADDRESSES, aliasFileName } from '../model/qmail.js';
import type { Policy } from '../policy/schema.js';
import { renderList } from '../render/blocks.js';
import { renderControlValue, renderDotQmail, renderSmtpdLogRun, renderSmtpdRun } from '../render/qmail.js';
import type { Render } from '../render/templates.js';
import type { Command, FilePlan, Plan, RootFs } from './plan.js';
import { MAX_READ } from './write.js';
import { identityOf, type Identity } from './owners.js';
import { SourceFile } from '../core/source.js';
import { baseName, parseQmailRun, type ShellWord } from '../parsers/qmail-run.js';

/** qmail-smtpd.8: "Put your 50 most commonly used domains into rcpthosts, and the rest into morercpthosts." */
export const RCPTHOSTS_MAX = 50;

export const SMTPD_DEFAULTS = { user: 'qmaild', address: '0', port: 25, connections: 40, memory: 20_000_000, logDir: '/var/log/qmail/smtpd', logUser: 'qmaill' } as const;

type AddFile = (artifact: string, path: string, kind: FileKind | undefined, render: (before: string | undefined) => string | undefined, extra?: Partial<Pick<FilePlan, 'validator' | 'post' | 'derived'>> & { mode?: number }) => FilePlan | undefined;

export interface QmailPlanContext {
  policy: Policy;
  layout: Layout;
  fs: RootFs;
  tree: HostTree;
  plan: Plan;
  render: Render;
  addFile: AddFile;
  /** The rules cdb tcpserver reads (the layout's tcp.smtp and `.cdb`). */
  rulesCdb: string;
  /** Plan host actions too (not with --files-only). */
  hostActions: boolean;
}

/** Where programs of daemontools and runit are looked for under the root. */
const BIN_DIRS = ['/usr/local/bin', '/usr/bin', '/command', '/bin', '/usr/sbin', '/sbin'];

/**
 * What the policy's qmail section, its relay domains and its aliases make of qmail's files: control
 * files, the qmail-smtpd service (run script and log/run), and ~alias's .qmail files.
 */
export function planQmail(c: QmailPlanContext): void {
  const { policy, layout, plan } = c;
  const { control } = qmailPaths(layout);
  if (policy.relay?.domains) planRcpthosts(c, control, policy.relay.domains);
  const q = policy.qmail ?? {};
  if (q.greeting !== undefined) c.addFile('smtpgreeting', `${control}/smtpgreeting`, 'qmail-control', () => renderControlValue(q.greeting!, c.render));
  if (q.databytes !== undefined) c.addFile('databytes', `${control}/databytes`, 'qmail-control', () => renderControlValue(q.databytes!, c.render));
  if (q.smtpd) planSmtpd(c, control);
  if (policy.aliases) planAliases(c);
  if (!c.tree.exists(control) && (policy.relay?.domains || q.greeting !== undefined || q.databytes !== undefined)) plan.notes.push(`${control} does not exist: qmail is not installed under the root, or paths.qmailDir names another place`);
}

/**
 * rcpthosts takes the first 50 domains; the rest go into morercpthosts, which qmail-smtpd reads only
 * as morercpthosts.cdb (qmail-newmrh builds it; mailharden builds the same bytes, src/model/cdb.ts).
 * An existing morercpthosts or cdb is rewritten even when every domain fits rcpthosts: otherwise the
 * domains it holds would still be accepted.
 */
function planRcpthosts(c: QmailPlanContext, control: string, domains: readonly string[]): void {
  const unique = [...new Set(domains.map((d) => d.toLowerCase()))];
  c.addFile('rcpthosts', `${control}/rcpthosts`, 'qmail-control', () => renderList('rcpthosts', unique.slice(0, RCPTHOSTS_MAX), c.render));
  const more = `${control}/morercpthosts`;
  const rest = unique.slice(RCPTHOSTS_MAX);
  if (rest.length === 0 && !c.tree.exists(more) && !c.tree.exists(`${more}.cdb`)) return;
  const build: Command = { argv: ['qmail-newmrh'], builtin: 'morercpthosts-cdb', why: 'rebuild morercpthosts.cdb (qmail-newmrh)' };
  c.addFile('morercpthosts', more, 'qmail-control', () => (rest.length ? renderList('morercpthosts', rest, c.render) : ''), { derived: `${more}.cdb`, post: [build], mode: 0o644 });
}

/** The first of the places under the root that holds a program, or undefined. */
function program(tree: HostTree, name: string): string | undefined {
  return BIN_DIRS.map((d) => `${d}/${name}`).find((p) => tree.stat(p)?.type === 'file');
}

/**
 * The qmail-smtpd run scripts the layout names that exist (links followed inside the root, each file
 * once), else the place Life with qmail uses, made new.
 */
function serviceScripts(c: QmailPlanContext): { paths: string[]; made: boolean } {
  const found: string[] = [];
  // A link someone else made may lead only to another place of a run script (never to a file the
  // policy manages for another purpose, such as sendmail.cf): the trusted set of this purpose alone.
  const shared = c.fs.trusted;
  const lwq = `${c.layout.qmailDir}/supervise/qmail-smtpd/run`;
  c.fs.trusted = new Set([...c.layout.runScripts, lwq]);
  try {
    for (const place of c.layout.runScripts) {
      let real: string;
      try {
        real = c.fs.resolveLinks(place);
      } catch (e) {
        c.plan.notes.push(`${place}: ${(e as Error).message}`);
        continue;
      }
      if (posix.basename(real) !== 'run') {
        c.plan.notes.push(`${place} leads to ${real}, which is no run script: not written`);
        continue;
      }
      if (c.fs.stat(real)?.isFile() && !found.includes(real)) found.push(real);
    }
  } finally {
    c.fs.trusted = shared;
  }
  if (found.length) return { paths: found, made: false };
  return { paths: [lwq], made: true };
}

/** Variables of Life with qmail's script that the written script replaces by what they stood for. */
const OWN_VARIABLES = new Set(['PATH', 'QMAILDUID', 'NOFILESGID', 'MAXSMTPD', 'LOCAL', 'HOSTNAME']);

/**
 * What a current run script does that the written one would not: a listener other than tcpserver
 * (sslserver's TLS, tcpsvd, s6), programs between tcpserver and qmail-smtpd (rblsmtpd, recordio),
 * arguments of qmail-smtpd (SMTP AUTH's checkpassword), variables it exports or sets for tcpserver
 * (QMAILQUEUE for a scanner), an envdir. apply writes the script whole, so these would be dropped.
 */
export function droppedByRewrite(text: string, path: string): string[] {
  const doc = parseQmailRun(new SourceFile(path, text));
  const out: string[] = [];
  const word = (w: ShellWord): string => w.raw;
  for (const call of [...doc.tcpservers, ...doc.otherServers].filter((x) => x.smtpd)) {
    if (call.server !== 'tcpserver') out.push(`the listener ${call.server}`);
    const program = call.rest.slice(2);
    const at = program.findIndex((w) => baseName(w) === 'qmail-smtpd');
    if (at > 0) out.push(`${program.slice(0, at).map(word).join(' ')} before qmail-smtpd`);
    const args = at >= 0 ? program.slice(at + 1).filter((w) => !/^[0-9]*>&?[0-9]*$/.test(w.raw) && w.raw !== '2>&1') : [];
    if (args.length) out.push(`the arguments of qmail-smtpd (${args.map(word).join(' ')})`);
    for (const name of call.env.keys()) if (!OWN_VARIABLES.has(name)) out.push(`${name} set for tcpserver`);
    for (const d of call.envdirs) out.push(`envdir ${word(d)}`);
  }
  for (const name of doc.exports.keys()) if (!OWN_VARIABLES.has(name)) out.push(`export ${name}`);
  return [...new Set(out)];
}

function planSmtpd(c: QmailPlanContext, control: string): void {
  const { policy, plan, tree } = c;
  const s = { ...SMTPD_DEFAULTS, ...policy.qmail!.smtpd };
  const accounts = readAccounts(tree);
  const uid = accounts.uidOf(s.user);
  const gid = accounts.gidOf(s.user);
  if (uid === undefined || gid === undefined) {
    plan.notes.push(`the tree's /etc/passwd has no user ${s.user}: the qmail-smtpd run script is not written (tcpserver -u and -g take numbers; a name there runs qmail-smtpd as root)`);
    return;
  }
  if (uid === 0) {
    plan.notes.push(`${s.user} has uid 0 in the tree's /etc/passwd: the qmail-smtpd run script is not written (qmail-smtpd must not run as root)`);
    return;
  }
  if (!c.tree.exists(c.rulesCdb) && !plan.files.some((f) => f.derived === c.rulesCdb)) plan.notes.push(`${c.rulesCdb} does not exist and the policy sets no relay.networks to build it from: tcpserver -x refuses every connection until it exists`);
  const { paths, made } = serviceScripts(c);
  if (made) plan.notes.push(`no qmail-smtpd run script in the layout's places: ${paths[0]} is made; link its directory into the service directory (ln -s ${posix.dirname(paths[0]!)} /service/) to start it`);
  else if (paths.length > 1) plan.notes.push(`${paths.length} qmail-smtpd run scripts (${paths.join(', ')}): each is written the same way; run only one`);
  const text = renderSmtpdRun({ qmailDir: c.layout.qmailDir, control, cdb: c.rulesCdb, user: s.user, uid, gid, address: s.address, port: s.port, connections: s.connections, memory: s.memory, ...(policy.hostname ? { localName: policy.hostname } : {}) }, c.render);
  const logUid = accounts.uidOf(s.logUser);
  const logGid = accounts.gidOf(s.logUser);
  const daemontools = !!(program(tree, 'multilog') && program(tree, 'setuidgid'));
  const runit = !daemontools && !!(program(tree, 'svlogd') && program(tree, 'chpst'));
  for (const path of paths) {
    // The current script, as addFile has read it once: kept when the written one would drop what it does.
    ownedScript(c, 'qmail-smtpd run', path, 'qmail-run', (before) => {
      const dropped = before === undefined || s.replace ? [] : droppedByRewrite(before, path);
      if (!dropped.length) return text;
      plan.notes.push(`${path} is not rewritten: it has what the written script would drop (${dropped.join('; ')}); set qmail.smtpd.replace: true to replace it anyway`);
      return undefined;
    });
    if (logUid === undefined || logGid === undefined || logUid === 0) {
      plan.notes.push(`the tree's /etc/passwd has no user ${s.logUser}${logUid === 0 ? ' other than root' : ''}: ${posix.dirname(path)}/log/run is not written`);
      continue;
    }
    if (!daemontools && !runit) plan.notes.push(`neither daemontools (multilog, setuidgid) nor runit (svlogd, chpst) is under the root: ${posix.dirname(path)}/log/run names multilog`);
    const logRun = renderSmtpdLogRun({ multilog: !runit, user: s.logUser, dir: s.logDir }, c.render);
    ownedScript(c, 'qmail-smtpd log/run', `${posix.dirname(path)}/log/run`, undefined, () => logRun);
  }
  if (logUid !== undefined && logGid !== undefined && logUid !== 0 && c.hostActions) logDirectory(c, s.logDir, logUid, logGid);
}

/**
 * A script apply writes whole: root's and mode 0755 whatever it was (supervise runs it as root, so
 * another writer would run commands as root: MH4011); an unchanged script of another owner or mode
 * gets them by an own action.
 */
function ownedScript(c: QmailPlanContext, artifact: string, path: string, kind: FileKind | undefined, render: (before: string | undefined) => string | undefined): void {
  const f = c.addFile(artifact, path, kind, render, { mode: 0o755 });
  if (!f) return;
  const asRoot = process.getuid?.() === 0;
  const want = { uid: asRoot ? 0 : f.uid, gid: asRoot ? 0 : f.gid, mode: 0o755 };
  if (f.before === undefined || f.before !== f.after) {
    Object.assign(f, want);
    return;
  }
  if (c.hostActions && (f.uid !== want.uid || f.gid !== want.gid || f.mode !== want.mode)) {
    const at = fileIdentity(c, path);
    if (at) c.plan.owners.push({ type: 'own', path, hostPath: c.fs.hostPath(path), ...want, from: { uid: f.uid, gid: f.gid, mode: f.mode }, at, why: 'a script supervise runs as root: root\'s, 0755' });
  }
}

/**
 * The log directory: made for the log user (0750), or, when it is root's or the log user's already,
 * given to the log user and closed to other writers (MH4042). No link is followed on the way (RootFs
 * refuses one), and a directory of another user is never taken: the owner changes root makes here
 * must not be steerable by the users who own log directories.
 */
function logDirectory(c: QmailPlanContext, dir: string, uid: number, gid: number): void {
  let st;
  try {
    st = c.fs.stat(dir);
  } catch (e) {
    c.plan.notes.push(`${dir}: ${(e as Error).message}`);
    return;
  }
  const why = 'the log directory: the logger\'s, and nobody else writes there';
  if (!st) {
    c.plan.owners.push({ type: 'mkdir', path: dir, hostPath: c.fs.hostPath(dir), uid, gid, mode: 0o750, why });
    return;
  }
  if (!st.isDirectory()) {
    c.plan.notes.push(`${dir} is not a directory: the log of qmail-smtpd cannot be kept there`);
    return;
  }
  if (st.uid !== 0 && st.uid !== uid) {
    c.plan.notes.push(`${dir} belongs to uid ${st.uid}, neither root nor the log user: not given to the log user (make it yourself)`);
    return;
  }
  const mode = st.mode & 0o7777 & ~0o022;
  if (st.uid !== uid || st.gid !== gid || (st.mode & 0o7777) !== mode) c.plan.owners.push({ type: 'own', path: dir, hostPath: c.fs.hostPath(dir), uid, gid, mode, from: { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }, at: identityOf(st)!, why });
}

/**
 * ~alias's .qmail files (INSTALL.alias): postmaster, mailer-daemon and root forward to the policy's
 * address; one the policy does not name, when missing, gets the address of the first it names (mail
 * to each must arrive somewhere: MH4043). A link (`.qmail-root` → `.qmail-postmaster`) is left as it is.
 * Each stripped alias's .qmail file is removed.
 */
function planAliases(c: QmailPlanContext): void {
  const a = c.policy.aliases!;
  const dir = qmailPaths(c.layout).alias;
  const st = c.fs.stat(dir);
  if (!st?.isDirectory()) {
    if (c.tree.exists(c.layout.qmailDir)) c.plan.notes.push(`${dir} does not exist: qmail's aliases (postmaster, root, mailer-daemon) are not written`);
    return;
  }
  const fallback = ALIAS_ADDRESSES.map((x) => a[x.key]).find((t) => t !== undefined);
  for (const { address, key } of ALIAS_ADDRESSES) {
    const path = `${dir}/${aliasFileName(address)}`;
    const now = c.fs.stat(path, true);
    const target = a[key] ?? (now ? undefined : fallback);
    if (target === undefined) continue;
    if (now?.isSymbolicLink()) {
      c.plan.notes.push(`${path} is a link: left as it is (aliases.${key} is not written there)`);
      continue;
    }
    if (now && !now.isFile()) {
      c.plan.notes.push(`${path} is not a regular file: left as it is (aliases.${key} is not written there)`);
      continue;
    }
    let f: FilePlan | undefined;
    try {
      f = c.addFile(`.qmail-${address}`, path, undefined, () => renderDotQmail({ address, key: a[key] !== undefined ? key : ALIAS_ADDRESSES.find((x) => a[x.key] === fallback)!.key, target }, c.render), { mode: 0o644 });
    } catch (e) {
      // The alias user owns ~alias: what it put there (a hard link, a huge file) stops this file, not the run.
      c.plan.notes.push(`${path}: ${(e as Error).message}: not written`);
      continue;
    }
    // qmail-local runs what a .qmail file says as the alias user: nobody else may write it (MH4010).
    if (f && f.mode & 0o022) {
      const want = f.mode & ~0o022;
      if (f.before !== f.after) f.mode = want;
      else if (c.hostActions) {
        const at = fileIdentity(c, path);
        if (at) c.plan.owners.push({ type: 'own', path, hostPath: c.fs.hostPath(path), uid: f.uid, gid: f.gid, mode: want, from: { uid: f.uid, gid: f.gid, mode: f.mode }, at, why: 'a .qmail file others could write' });
      }
    }
  }
  if (!c.hostActions) return;
  for (const name of a.strip ?? []) {
    const path = `${dir}/${aliasFileName(name)}`;
    const now = c.fs.stat(path, true);
    if (!now) continue;
    // Backed up before removal: a regular file of a sane size, or a link; anything else the alias user
    // may have put there (a FIFO, a sparse terabyte) is left to the admin.
    if (!(now.isSymbolicLink() || (now.isFile() && now.size <= MAX_READ && now.nlink === 1))) {
      c.plan.notes.push(`${path}: ${now.isDirectory() ? 'a directory' : now.isFile() ? 'a file too large or with other links' : 'not a regular file'} where a .qmail file would be; remove it yourself`);
      continue;
    }
    c.plan.actions.push({ type: 'remove', path, hostPath: c.fs.hostPath(path), what: now.isSymbolicLink() ? 'link' : 'file', reason: `aliases.strip names ${name}` });
  }
}

/** The identity of a regular file apply read (its lstat now, through the verified directories), for its owner action. */
function fileIdentity(c: QmailPlanContext, path: string): Identity | undefined {
  const st = c.fs.stat(path, true);
  return st?.isFile() ? identityOf(st) : undefined;
}
