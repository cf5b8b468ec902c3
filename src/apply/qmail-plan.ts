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
  for (const place of c.layout.runScripts) {
    let real: string;
    try {
      real = c.fs.resolveLinks(place);
    } catch (e) {
      c.plan.notes.push(`${place}: ${(e as Error).message}`);
      continue;
    }
    if (c.fs.stat(real)?.isFile() && !found.includes(real)) found.push(real);
  }
  if (found.length) return { paths: found, made: false };
  return { paths: [`${c.layout.qmailDir}/supervise/qmail-smtpd/run`], made: true };
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
    ownedScript(c, 'qmail-smtpd run', path, 'qmail-run', text);
    if (logUid === undefined || logGid === undefined || logUid === 0) {
      plan.notes.push(`the tree's /etc/passwd has no user ${s.logUser}${logUid === 0 ? ' other than root' : ''}: ${posix.dirname(path)}/log/run is not written`);
      continue;
    }
    if (!daemontools && !runit) plan.notes.push(`neither daemontools (multilog, setuidgid) nor runit (svlogd, chpst) is under the root: ${posix.dirname(path)}/log/run names multilog`);
    ownedScript(c, 'qmail-smtpd log/run', `${posix.dirname(path)}/log/run`, undefined, renderSmtpdLogRun({ multilog: !runit, user: s.logUser, dir: s.logDir }, c.render));
  }
  if (logUid !== undefined && logGid !== undefined && logUid !== 0 && c.hostActions) logDirectory(c, s.logDir, logUid, logGid);
}

/**
 * A script apply writes whole: root's and mode 0755 whatever it was (supervise runs it as root, so
 * another writer would run commands as root: MH4011); an unchanged script of another owner or mode
 * gets them by an own action.
 */
function ownedScript(c: QmailPlanContext, artifact: string, path: string, kind: FileKind | undefined, text: string): void {
  const f = c.addFile(artifact, path, kind, () => text, { mode: 0o755 });
  if (!f) return;
  const asRoot = process.getuid?.() === 0;
  const want = { uid: asRoot ? 0 : f.uid, gid: asRoot ? 0 : f.gid, mode: 0o755 };
  if (f.before === undefined || f.before !== f.after) {
    Object.assign(f, want);
    return;
  }
  if (c.hostActions && (f.uid !== want.uid || f.gid !== want.gid || f.mode !== want.mode)) {
    c.plan.owners.push({ type: 'own', path, hostPath: c.fs.hostPath(path), ...want, from: { uid: f.uid, gid: f.gid, mode: f.mode }, why: 'a script supervise runs as root: root\'s, 0755' });
  }
}

/** The log directory: made for the log user (0750), or given to it and closed to other writers (MH4042). */
function logDirectory(c: QmailPlanContext, dir: string, uid: number, gid: number): void {
  let real: string;
  try {
    real = c.fs.resolveLinks(dir);
  } catch (e) {
    c.plan.notes.push(`${dir}: ${(e as Error).message}`);
    return;
  }
  const st = c.fs.stat(real);
  const why = 'the log directory: the logger\'s, and nobody else writes there';
  if (!st) {
    c.plan.owners.push({ type: 'mkdir', path: real, hostPath: c.fs.hostPath(real), uid, gid, mode: 0o750, why });
    return;
  }
  if (!st.isDirectory()) {
    c.plan.notes.push(`${real} is not a directory: the log of qmail-smtpd cannot be kept there`);
    return;
  }
  const mode = st.mode & 0o7777 & ~0o022;
  if (st.uid !== uid || st.gid !== gid || (st.mode & 0o7777) !== mode) c.plan.owners.push({ type: 'own', path: real, hostPath: c.fs.hostPath(real), uid, gid, mode, from: { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }, why });
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
    c.addFile(`.qmail-${address}`, path, undefined, () => renderDotQmail({ address, key: a[key] !== undefined ? key : ALIAS_ADDRESSES.find((x) => a[x.key] === fallback)!.key, target }, c.render), { mode: 0o644 });
  }
  if (!c.hostActions) return;
  for (const name of a.strip ?? []) {
    const path = `${dir}/${aliasFileName(name)}`;
    const now = c.fs.stat(path, true);
    if (!now) continue;
    if (now.isDirectory()) {
      c.plan.notes.push(`${path}: a directory where a .qmail file would be; remove it yourself`);
      continue;
    }
    c.plan.actions.push({ type: 'remove', path, hostPath: c.fs.hostPath(path), what: now.isSymbolicLink() ? 'link' : 'file', reason: `aliases.strip names ${name}` });
  }
}
