import { closeSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import type { FileKind } from '../core/types.js';
import { detectProfile, LAYOUTS, qmailPaths, readAccounts, type Layout } from '../host/layout.js';
import { escapes, HostTree, lsattrAttributes, type AttributeReader } from '../host/tree.js';
import type { Policy, TlsPolicy } from '../policy/schema.js';
import type { MANAGED_FILES } from '../policy/validate.js';
import { renderAliases } from '../render/aliases.js';
import { renderAccess, renderClientLimits, renderList, renderTcpSmtp } from '../render/blocks.js';
import { clientEntries, relayKeys } from '../render/networks.js';
import { greetPauseDefaultLine, LIMITS, renderSendmailCf, type SendmailSettings, type TlsOption } from '../render/sendmail-cf.js';
import { renderSendmailMc } from '../render/sendmail-mc.js';
import type { Render } from '../render/templates.js';
import { Dirs, linkRefused } from './dirs.js';
import { nameFromBytes } from '../core/fs-names.js';
import { SourceFile } from '../core/source.js';
import { aliasSources, inQueueDirectory, mapSpec } from '../model/cf-paths.js';
import { DB_TYPES } from '../host/paths.js';
import { parseAs, type SendmailCfDoc } from '../parsers/documents.js';
import { MAX_READ, openRegular, readFd } from './write.js';
import { othersMayChange } from './workdir.js';
import { withAcceptances, type Acceptance } from './accept.js';
import { qmailHierOwners } from './qmail-hier.js';
import { miltersOfCf } from '../model/sendmail-milters.js';
import { identityOf, type Identity } from './owners.js';
import { planQmail } from './qmail-plan.js';
import { trustAuthElsewhere } from '../model/sendmail-auth.js';
import { parseSendmailMc } from '../parsers/sendmail-mc.js';
import { dhParametersPem, MIN_DH_BITS, readDhParameters, type DhBits } from '../model/dh-params.js';

/** A command run after a file changed (argv, never a shell), with its input file if it reads stdin. */
export interface Command {
  argv: string[];
  /** Tree path given on stdin. */
  stdin?: string;
  /**
   * The name the command gives the file's text when it is not the file's own path: the name the
   * configuration reads it by (AliasFile's /etc/mail/aliases, a link to the /etc/aliases edited).
   */
  source?: string;
  /**
   * Built by mailharden itself, not by running argv (argv is what an admin would run): qmail-newmrh
   * works on /var/qmail whatever the root, so morercpthosts.cdb is built from the file's bytes here
   * (src/model/cdb.ts, the same bytes).
   */
  builtin?: 'morercpthosts-cdb';
  why: string;
}

export type Validator = 'sendmail-cf' | 'sendmail-mc' | 'aliases' | 'access' | 'tcp-rules';

/** One file the policy manages, as it is and as it should be. */
export interface FilePlan {
  /** What the file is, for people: `sendmail.cf`, `aliases`, `tcp.smtp`. */
  artifact: string;
  /** Path inside the tree (`/etc/mail/sendmail.cf`). */
  path: string;
  /** Where it really is (the tree's root joined with `path`). */
  hostPath: string;
  /** Lint kind of the file, when the linter reads it. */
  kind?: FileKind;
  /** Current content; undefined when the file does not exist. */
  before?: string;
  after: string;
  /** Mode and owner to write with: the current ones, or the defaults of a new file. */
  mode: number;
  uid: number;
  gid: number;
  /** The file carries the immutable attribute now. */
  immutable: boolean;
  /** How the text is written back (the encoding it was read in). */
  encoding: 'utf8' | 'latin1';
  /** Files derived from this one (aliases.db, tcp.smtp.cdb): rebuilt when older than it. */
  derived?: string;
  /** Unchanged, but its derived file is older than it (an earlier run stopped before rebuilding it). */
  stale?: boolean;
  validator?: Validator;
  /** Run when the file changed. */
  post: Command[];
}

/** A change to the host beside file contents; `path` is in the tree (a name that is not UTF-8 comes surrogate-escaped, core/fs-names.ts). */
export type HostAction =
  | { type: 'link'; path: string; hostPath: string; target: string; replaces?: string }
  | { type: 'remove'; path: string; hostPath: string; what: string; /** Why it goes (default: not in smrsh.allow). */ reason?: string }
  | { type: 'chmod'; path: string; hostPath: string; mode: number; from: number }
  | { type: 'chattr'; path: string; hostPath: string; immutable: boolean };
/**
 * Owners and modes beside contents (qmail's hier.c, a log directory): `own` gives an existing file or
 * directory its owner and mode (`at`: the entry planned for, as lstat found it: apply changes that
 * entry or nothing), `mkdir` makes a missing directory with them.
 */
export type OwnerAction =
  | { type: 'own'; path: string; hostPath: string; uid: number; gid: number; mode: number; from: { uid: number; gid: number; mode: number }; at: Identity; why: string }
  | { type: 'mkdir'; path: string; hostPath: string; uid: number; gid: number; mode: number; why: string };

export interface Plan {
  policyPath: string;
  root: string;
  layout: Layout;
  /** Every managed file, changed or not. */
  files: FilePlan[];
  actions: HostAction[];
  /** Owners and modes to set, and directories to make (qmail: hier.c, the log directory), after the files are written. */
  owners: OwnerAction[];
  /** Things the plan could not do or the user should know (one line each). */
  notes: string[];
  /** lint's localOnly setting for the candidates. */
  localOnly: boolean;
  /** TrustAuthMech words the .mc adds outside its own TRUST_AUTH_MECH (includes, LOCAL_CONFIG): kept in the cf, expected by verify. */
  trustAuthKept?: string[];
}

export interface PlanOptions {
  root: string;
  render: Render;
  /** How the policy file is named in generated comments. */
  policyName: string;
  /** Plan file contents only: no smrsh links, modes or attributes (config repositories). */
  filesOnly?: boolean;
  attributes?: AttributeReader;
  /** The run's verified directories (apply keeps them for the steps after planning); made and closed here when absent. */
  dirs?: Dirs;
}

/**
 * A file apply rewrites that also has an owner action gets the action's owner and mode in its plan
 * (the new file is written with them) and the action goes: otherwise the new inode would be there,
 * with the old owner and mode, until the action ran.
 */
function foldOwners(plan: Plan): void {
  plan.owners = plan.owners.filter((a) => {
    if (a.type !== 'own' || a.at.type !== 'file') return true;
    const f = plan.files.find((x) => x.path === a.path);
    if (!f || f.before === undefined || f.before === f.after) return true;
    Object.assign(f, { uid: a.uid, gid: a.gid, mode: a.mode });
    return false;
  });
}

// Defined beside the readers (qmail-plan.ts needs it too, without importing this module back).
export { MAX_READ } from './write.js';

/** The largest file taken for a TLS private key (a 16384-bit RSA key in PEM is about 13 KiB). */
const MAX_KEY = 1024 * 1024;

/**
 * The tree as apply reads it: every path through the run's verified directories (Dirs), refusing
 * symlinks on the way (a managed path must be what it says it is).
 */
export class RootFs {
  /**
   * Tree paths a link may lead to however it was made: the files and directories the profile's
   * layout and the policy's paths name (see resolveLinks).
   */
  trusted: ReadonlySet<string> = new Set();

  constructor(readonly dirs: Dirs) {}

  get root(): string {
    return this.dirs.root;
  }

  /** The host path of a tree path, for messages and lsattr: normalised against `/` first, so `..` can never climb out of the root. */
  hostPath(path: string): string {
    return posix.join(this.root, posix.normalize(`/${path}`));
  }

  /**
   * The file's lstat, or undefined when it (or a parent) does not exist. A symlink in a parent
   * directory, or the file itself being a symlink unless `allowLink`, is refused.
   */
  stat(path: string, allowLink = false): Stats | undefined {
    const norm = posix.normalize(`/${path}`);
    if (norm === '/') return this.dirs.need('/').stat();
    const { dir, name } = this.dirs.parentOf(norm);
    const st = dir?.lstat(name);
    if (st?.isSymbolicLink() && !allowLink) throw linkRefused(norm, dir!.at(name));
    return st;
  }

  /**
   * A file's text and stat, read through its directory's descriptor (never through a link, never
   * blocking on a FIFO). Text that is not valid UTF-8 (a Latin-1 comment) is read as Latin-1 and
   * written back the same way, and a UTF-8 byte order mark is kept as text, so bytes the policy does
   * not touch stay exactly as they were.
   */
  read(path: string): { text: string; st: Stats; encoding: 'utf8' | 'latin1' } | undefined {
    const norm = posix.normalize(`/${path}`);
    const { dir, name } = this.dirs.parentOf(norm);
    const lst = dir?.lstat(name);
    if (!dir || !lst) return undefined;
    const { fd, st } = openRegular(dir, name, norm);
    if (st.nlink > 1) {
      closeSync(fd);
      throw new UserError(`${norm} has ${st.nlink} hard links (one may be a file elsewhere): mailharden does not read or edit it; make it a file of its own`, EXIT.runtime);
    }
    let buf: Buffer;
    try {
      buf = readFd(fd, st.size, MAX_READ, norm);
    } finally {
      closeSync(fd);
    }
    if (buf.includes(0)) throw new UserError(`${path}: binary file (NUL bytes): not a configuration file`, EXIT.runtime);
    return { ...decodeText(buf), st };
  }

  /**
   * Where a name the configuration gives really is, as sendmail's open() would find it: every component
   * that is a symlink followed (Debian's /etc/mail/aliases, `../aliases`; a mail directory linked
   * elsewhere), each link read through its verified directory, a relative target taken from the
   * link's directory and an absolute one inside the root, at most MAX_HOPS links. A link that climbs
   * above the root, or that names nothing (apply edits real files and creates none through a link),
   * is refused. The path itself when nothing on it is a link; a missing last component is kept.
   *
   * apply writes where the links lead, so a link someone else could have made or changed (one not
   * owned by root or this user, or in a directory another user can change: a Mailman data directory
   * named in AliasFile, Debian's smmta-owned /etc/mail) is followed only to a path in `trusted`:
   * otherwise that user could point it at /etc/shadow and have root rewrite it (sendmail itself
   * refuses such links for its databases: LinkedAliasFileInWritableDir, LinkedMapInWritableDir).
   */
  resolveLinks(path: string): string {
    const start = posix.normalize(`/${path}`);
    let rest = start.split('/').filter(Boolean);
    let at = '/';
    // How many of the next components came from a link's target, and which link that was.
    let fromLink = 0;
    let link: { here: string; target: string } | undefined;
    let untrusted: { here: string; target: string; owner: number; dirOwner: number } | undefined;
    const checked = (result: string): string => {
      if (!untrusted || this.trusted.has(result)) return result;
      const who = untrusted.owner !== 0 && untrusted.owner !== (process.getuid?.() ?? 0) ? `owned by uid ${untrusted.owner}` : `in a directory another user (uid ${untrusted.dirOwner}, or its group or others) can change`;
      throw new UserError(`${untrusted.here} is a symlink (to ${untrusted.target}) ${who}, leading to ${result}, which neither the profile nor the policy's paths name: mailharden does not write where such a link leads (name the file in paths.aliases if it is right)`, EXIT.runtime);
    };
    for (let hops = 0; rest.length; ) {
      const name = rest.shift()!;
      const dir = this.dirs.dir(at);
      const st = dir?.lstat(name);
      const here = posix.join(at, name);
      if (!dir || !st) {
        if (fromLink > 0 && link) throw new UserError(`${link.here} is a symlink (to ${link.target}) that names nothing under the root: mailharden edits the file a link names and creates none through it`, EXIT.runtime);
        return checked(posix.join(here, ...rest));
      }
      fromLink = Math.max(0, fromLink - 1);
      if (!st.isSymbolicLink()) {
        at = here;
        continue;
      }
      if (++hops > MAX_HOPS) throw new UserError(`${start}: more than ${MAX_HOPS} symlinks on the way: mailharden does not follow them`, EXIT.runtime);
      const target = nameFromBytes(readlinkSync(dir.at(name), { encoding: 'buffer' }));
      if (othersMayChange(dir.stat()) || othersMayChange({ mode: 0, uid: st.uid })) untrusted ??= { here, target, owner: st.uid, dirOwner: dir.stat().uid };
      if (!target.startsWith('/') && escapes(at, target)) throw new UserError(`${here} is a symlink (to ${target}) that leads out of the root: mailharden does not follow it`, EXIT.runtime);
      const next = posix.normalize(target.startsWith('/') ? target : posix.join(at, target)).split('/').filter(Boolean);
      rest = [...next, ...rest];
      fromLink = next.length;
      link = { here, target };
      at = '/';
    }
    return checked(at);
  }

  /** The nearest existing directory at or above `dir`. */
  nearestDir(dir: string): { path: string; st: Stats } {
    let d = posix.normalize(`/${dir}`);
    for (;;) {
      const st = this.stat(d);
      if (st?.isDirectory()) return { path: d, st };
      if (d === '/') return { path: '/', st: this.dirs.need('/').stat() };
      d = posix.dirname(d);
    }
  }
}

/** Symlinks apply follows from a name the configuration gives to the file it edits (Linux allows 40; a mail file has one or two). */
const MAX_HOPS = 8;


/** Bytes as apply edits them: UTF-8 when valid (a byte order mark kept as a character), else Latin-1; encodeText() gives the same bytes back. */
export function decodeText(buf: Buffer): { text: string; encoding: 'utf8' | 'latin1' } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(buf), encoding: 'utf8' };
  } catch {
    return { text: buf.toString('latin1'), encoding: 'latin1' };
  }
}

export function encodeText(text: string, encoding: 'utf8' | 'latin1'): Buffer {
  return Buffer.from(text, encoding);
}

/** The paths the policy's files live at: the profile's layout with the policy's overrides. */
export function layoutFor(policy: Policy, tree: HostTree): Layout {
  const base = LAYOUTS[policy.profile ?? detectProfile(tree)];
  const p = policy.paths ?? {};
  return {
    ...base,
    ...(p.mailDir ? { mailDir: p.mailDir } : {}),
    ...(p.aliases ? { aliases: p.aliases } : {}),
    ...(p.smrshDir ? { smrshDir: p.smrshDir } : {}),
    ...(p.mqueue ? { mqueue: p.mqueue } : {}),
    ...(p.qmailDir ? { qmailDir: p.qmailDir } : {}),
    ...(p.tcpRules ? { tcpRules: [p.tcpRules] } : {}),
  };
}

/** The aliases the policy sets, with their targets (apply writes them, verify asks sendmail for them). */
export function aliasesSet(a: NonNullable<Policy['aliases']>): [string, string][] {
  const set: [string, string | undefined][] = [['postmaster', a.postmaster], ['root', a.root], ['mailer-daemon', a.mailerDaemon]];
  return set.filter((x): x is [string, string] => x[1] !== undefined);
}

/** The settings of sendmail.cf and sendmail.mc the policy decides. */
export function sendmailSettings(policy: Policy, layout: Layout): SendmailSettings {
  return {
    ...(policy.privacy ? { privacy: policy.privacy } : {}),
    ...(policy.greeting !== undefined ? { greeting: policy.greeting } : {}),
    ...(policy.help ? { helpFile: `${layout.mailDir}/helpfile` } : {}),
    ...(policy.logLevel !== undefined ? { logLevel: policy.logLevel } : {}),
    ...(policy.auth?.['require-tls'] ? { authRequireTls: true } : {}),
    ...(policy.smrsh ? { smrsh: layout.smrshBin } : {}),
    ...(policy.listen === 'local-only' ? { localOnly: true } : {}),
    ...(policy.forwardPath ? { forwardPath: policy.forwardPath.join(':') } : {}),
    ...(policy.dontBlameSendmail ? { dontBlameSendmail: policy.dontBlameSendmail.length ? policy.dontBlameSendmail.join(',') : 'safe' } : {}),
    ...(policy.unsafeGroupWrites !== undefined ? { unsafeGroupWrites: policy.unsafeGroupWrites } : {}),
    ...(policy.receivedHeader !== undefined ? { receivedHeader: policy.receivedHeader } : {}),
    ...(policy.limits ? { limits: (Object.keys(LIMITS) as (keyof typeof LIMITS)[]).filter((k) => policy.limits![k] !== undefined).map((k) => ({ option: LIMITS[k].option, value: policy.limits![k]! })) } : {}),
    ...(policy.runAsUser !== undefined ? { runAsUser: policy.runAsUser } : {}),
    ...(policy.safeFileEnvironment !== undefined ? { safeFileEnvironment: policy.safeFileEnvironment } : {}),
    // The policy's networks decide who relays: FEATUREs that relay for others go from the .mc.
    ...(policy.relay?.networks ? { dropWeakRelay: true } : {}),
    ...(policy.tls && tlsOptions(policy.tls).length ? { tls: tlsOptions(policy.tls) } : {}),
    ...(policy.tls?.minProtocol ? { minProtocol: policy.tls.minProtocol } : {}),
    ...(policy.auth?.mechanisms ? { authMechanisms: policy.auth.mechanisms.join(' ') } : {}),
    ...(policy.auth?.msa ? { msa: true } : {}),
    ...(policy.abuse?.greetPause !== undefined ? { greetPauseMs: policy.abuse.greetPause * 1000 } : {}),
    ...(policy.milters?.failMode ? { milterFailMode: policy.milters.failMode } : {}),
    ...(clientControl(policy) ? { clientControl: clientControl(policy)! } : {}),
  };
}

/** Which of FEATURE(ratecontrol) and FEATURE(conncontrol) abuse.clients and abuse.clientDefault need, if any. */
function clientControl(policy: Policy): { rate: boolean; conn: boolean } | undefined {
  const a = policy.abuse;
  if (!a?.clients?.length && !a?.clientDefault) return undefined;
  const all = [...(a.clients ?? []), ...(a.clientDefault ? [a.clientDefault] : [])];
  return { rate: all.some((c) => c.rate !== undefined), conn: all.some((c) => c.connections !== undefined) };
}

/**
 * The STARTTLS options of the policy's tls section whose value is the policy's alone: one certificate
 * and key for the server and the client side. minProtocol is merged into the SSL options the
 * configuration sets (SendmailSettings.minProtocol).
 */
export function tlsOptions(t: TlsPolicy): { option: TlsOption; value: string }[] {
  const out: { option: TlsOption; value: string }[] = [];
  const set = (option: TlsOption, value: string | undefined): void => void (value !== undefined && out.push({ option, value }));
  set('ServerCertFile', t.certFile);
  set('ServerKeyFile', t.keyFile);
  set('ClientCertFile', t.certFile);
  set('ClientKeyFile', t.keyFile);
  set('CACertFile', t.caFile);
  set('CACertPath', t.caPath);
  set('CipherList', t.cipherList);
  // sendmail's own codes (tls.c, 8.15 and later): `i` is its precomputed 2048-bit group, where `2`
  // would generate one; a path is a file of parameters. Measured with sendmail 8.17.1.9: both `i`
  // and a DHE cipher give "Server Temp Key: DH, 2048 bits" to openssl s_client.
  set('DHParameters', t.dhParameters === undefined ? undefined : t.dhParameters === 2048 ? 'i' : typeof t.dhParameters === 'string' ? t.dhParameters : t.dhParameters.generate);
  return out;
}

/**
 * tls.dhParameters.generate: the file is written with a well-known group (model/dh-params.ts), root's,
 * mode 0644 (sendmail reads it as root, before it changes user; nobody else needs to write it), unless it
 * already holds valid parameters of MIN_DH_BITS or more, which are left as they are, owner and mode too.
 */
function dhParametersFile(path: string, bits: DhBits, addFile: (artifact: string, path: string, kind: FileKind | undefined, render: (before: string | undefined) => string | undefined, extra?: { mode?: number }) => FilePlan | undefined, plan: Plan, asRoot: boolean): void {
  const f = addFile('dh-parameters', path, undefined, (before) => {
    if (before === undefined) return dhParametersPem(bits);
    // A file that holds no DH parameters at all is not one apply made or may replace (a policy naming /etc/shadow).
    if (!/^-----BEGIN DH PARAMETERS-----\r?$/m.test(before)) throw new UserError(`tls.dhParameters.generate: ${path} exists and holds no DH parameters (-----BEGIN DH PARAMETERS-----): mailharden does not replace it; name another path, or remove it`, EXIT.runtime);
    return (readDhParameters(before)?.bits ?? 0) >= MIN_DH_BITS ? before : dhParametersPem(bits);
  }, { mode: 0o644 });
  if (f && f.before !== f.after) Object.assign(f, { mode: 0o644 }, asRoot ? { uid: 0, gid: 0 } : {});
  else if (f && (f.mode & 0o022 || (asRoot && f.uid !== 0))) plan.notes.push(`tls.dhParameters.generate: ${path} holds valid parameters and is left as it is, but ${f.mode & 0o022 ? `its mode ${f.mode.toString(8).padStart(4, '0')} lets others write it` : `it belongs to uid ${f.uid}`}: make it root's, 0644`);
}

/**
 * The files STARTTLS reads: each must exist under the root (sendmail silently offers no STARTTLS
 * without them), and the key becomes root's, mode 0600 (sendmail refuses a key its group or others can
 * read: "unsafe: Group readable file", and STARTTLS is gone without a word to the admin).
 */
function tlsFiles(t: TlsPolicy, fs: RootFs, plan: Plan, hostActions: boolean): void {
  const stat = (path: string): Stats | undefined => {
    try {
      return fs.stat(path);
    } catch (e) {
      plan.notes.push(`tls: ${path}: ${(e as Error).message}`);
      return undefined;
    }
  };
  const files: [string, string | undefined, 'file' | 'dir'][] = [['certFile', t.certFile, 'file'], ['keyFile', t.keyFile, 'file'], ['caFile', t.caFile, 'file'], ['caPath', t.caPath, 'dir'], ['dhParameters', typeof t.dhParameters === 'string' ? t.dhParameters : undefined, 'file']];
  for (const [key, path, type] of files) {
    if (path === undefined) continue;
    const st = stat(path);
    if (!st) plan.notes.push(`tls.${key}: ${path} does not exist under the root: sendmail offers no STARTTLS until it does`);
    else if (type === 'dir' ? !st.isDirectory() : !st.isFile()) plan.notes.push(`tls.${key}: ${path} is not a ${type === 'dir' ? 'directory' : 'regular file'}`);
  }
  if (t.certFile && !t.caPath) plan.notes.push('tls: no caPath: sendmail 8.17 logs "STARTTLS: CACertPath missing" and offers no STARTTLS when the cf names none');
  if (!hostActions || !t.keyFile) return;
  const st = stat(t.keyFile);
  if (!st?.isFile()) return;
  // Root changes the owner and mode of this file only when it is a private key in directories only
  // root can change: the policy names a path, and a path is not proof that it is a key (/etc/shadow,
  // a set-uid program), nor is a key in a directory a user controls safe to hand to sendmail.
  const refuse = (why: string): void => void plan.notes.push(`tls.keyFile: ${t.keyFile} ${why}: its owner and mode are left as they are`);
  if (st.mode & 0o7111) return refuse(`has set-id or execute bits (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}), which no key has`);
  if (st.size > MAX_KEY) return refuse(`is ${st.size} bytes, more than a private key`);
  for (let dir = posix.dirname(posix.normalize(`/${t.keyFile}`)); ; dir = posix.dirname(dir)) {
    const d = stat(dir);
    if (!d) return;
    // A sticky directory of root's (/tmp) lets nobody rename or remove what others own in it.
    if (othersMayChange(d) && !(d.uid === 0 && d.mode & 0o1000)) return refuse(`lies in ${dir}, which a user other than root can change`);
    if (dir === '/') break;
  }
  let text: string | undefined;
  try {
    text = fs.read(t.keyFile)?.text;
  } catch (e) {
    return refuse(`cannot be read as a key (${(e as Error).message})`);
  }
  if (!text || !/^-----BEGIN (?:[A-Z0-9]+ )?PRIVATE KEY-----$/m.test(text)) return refuse('holds no PEM private key (-----BEGIN … PRIVATE KEY-----)');
  const uid = process.getuid?.() === 0 ? 0 : st.uid;
  // The entry as found now: apply changes that file or nothing (one swapped in meanwhile is refused).
  const at = identityOf(st);
  if (at && (st.uid !== uid || (st.mode & 0o7777) !== 0o600)) plan.owners.push({ type: 'own', path: t.keyFile, hostPath: fs.hostPath(t.keyFile), uid, gid: st.gid, mode: 0o600, from: { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 }, at, why: 'a TLS private key: sendmail offers no STARTTLS when others can read it' });
}

/**
 * Reads every target under the root and renders what the policy wants there. Nothing is written; the
 * result says, per file, what is and what should be, and which host actions (links, modes, attributes)
 * are pending.
 */
export function buildPlan(policy: Policy, opts: PlanOptions): Plan {
  if (!opts.dirs) {
    const dirs = new Dirs(opts.root);
    try {
      return buildPlan(policy, { ...opts, dirs });
    } finally {
      dirs.close();
    }
  }
  const fs = new RootFs(opts.dirs);
  const tree = new HostTree(opts.root, opts.attributes ?? lsattrAttributes);
  const layout = layoutFor(policy, tree);
  // The profile's own paths and the policy's: where a link may lead whoever made it (RootFs.resolveLinks).
  const profile = LAYOUTS[layout.profile];
  fs.trusted = new Set([profile.aliases, layout.aliases, ...[profile, layout].flatMap((l) => [posix.dirname(l.aliases), l.mailDir, `${l.mailDir}/sendmail.cf`, `${l.mailDir}/access`])]);
  const mta = new Set(policy.mta ?? ['sendmail']);
  const plan: Plan = { policyPath: opts.policyName, root: opts.root, layout, files: [], actions: [], owners: [], notes: [], localOnly: policy.listen === 'local-only' };
  const asRoot = process.getuid?.() === 0;

  // The policy's accepted findings are written into each file it manages as suppressions (apply/accept.ts).
  const acceptList = policy.accept ?? [];
  const acceptUsed = new Set<Acceptance>();
  // Always through it: with no entries left, the lines an earlier run wrote are taken out.
  const accepted = (text: string, kind: FileKind, path: string): string => {
    const r = withAcceptances(text, kind, path, acceptList, plan.localOnly);
    for (const a of r.used) acceptUsed.add(a);
    for (const f of r.unplaced) plan.notes.push(`${path}:${f.line}: ${f.ruleId} is accepted by the policy, but no suppression line can go before this line (it continues another, or lies inside m4 text): suppress it yourself`);
    return r.text;
  };
  const addFile = (artifact: string, path: string, kind: FileKind | undefined, render: (before: string | undefined) => string | undefined, extra: Partial<Pick<FilePlan, 'validator' | 'post' | 'derived'>> & { mode?: number } = {}): FilePlan | undefined => {
    const current = fs.read(path);
    const rendered = render(current?.text);
    if (rendered === undefined) return undefined;
    const after = kind ? accepted(rendered, kind, path) : rendered;
    let { mode, uid, gid } = current ? { mode: current.st.mode & 0o7777, uid: current.st.uid, gid: current.st.gid } : { mode: extra.mode ?? 0o644, uid: 0, gid: 0 };
    if (!current) {
      // A new file: root-owned, with the directory's group when the directory passes its group on (setgid).
      const dir = fs.nearestDir(posix.dirname(path));
      gid = dir.st.mode & 0o2000 ? dir.st.gid : 0;
      if (!asRoot) ({ uid, gid } = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 });
    }
    const file: FilePlan = { artifact, path, hostPath: fs.hostPath(path), ...(kind ? { kind } : {}), ...(current ? { before: current.text } : {}), after, mode, uid, gid, immutable: false, encoding: current?.encoding ?? 'utf8', post: extra.post ?? [], ...(extra.validator ? { validator: extra.validator } : {}), ...(extra.derived ? { derived: extra.derived } : {}) };
    plan.files.push(file);
    return file;
  };

  const wantsSendmail = mta.has('sendmail');
  const settings = sendmailSettings(policy, layout);
  const networks = policy.relay?.networks;
  const keys = networks ? relayKeys(networks) : undefined;
  if (wantsSendmail) {
    const cf = `${layout.mailDir}/sendmail.cf`;
    const mc = `${layout.mailDir}/sendmail.mc`;
    if (Object.keys(settings).length) {
      // The source before what is built from it: apply writes in plan order, so the cf is never older than its .mc.
      // The parameters file before the cf that names it.
      const dh = policy.tls?.dhParameters;
      if (typeof dh === 'object') dhParametersFile(dh.generate, dh.bits ?? 2048, addFile, plan, asRoot);
      const mcPlan = addFile('sendmail.mc', mc, 'sendmail-mc', (t) => (t === undefined ? undefined : renderSendmailMc(t, settings, mc)), { validator: 'sendmail-mc' });
      // The class TrustAuthMech lines the .mc gets from its includes and LOCAL_CONFIG are the admin's: the cf keeps them as a rebuild would.
      if (settings.authMechanisms !== undefined && mcPlan) {
        plan.trustAuthKept = trustAuthElsewhere(parseSendmailMc(new SourceFile(mc, mcPlan.after)), (path) => {
          try {
            return fs.read(path)?.text;
          } catch (e) {
            plan.notes.push(`${mc}: ${path} (included) cannot be read (${(e as Error).message}): a TRUST_AUTH_MECH there is not known to apply`);
            return undefined;
          }
        }, (path, text) => parseSendmailMc(new SourceFile(path, text)));
      }
      const cfSettings = plan.trustAuthKept?.length ? { ...settings, trustAuthKept: plan.trustAuthKept } : settings;
      const hadCf = addFile('sendmail.cf', cf, 'sendmail-cf', (t) => (t === undefined ? undefined : renderSendmailCf(t, cfSettings, cf)), { validator: 'sendmail-cf' });
      if (!hadCf) plan.notes.push(`${cf} does not exist: not created (build it from sendmail.mc with m4, then apply again)`);
    }
    if (settings.greetPauseMs !== undefined) {
      const planned = plan.files.find((f) => f.path === cf);
      if (planned && greetPauseDefaultLine(new SourceFile(cf, planned.after)) === undefined) plan.notes.push(`${cf} has no greet_pause ruleset (FEATURE(\`greet_pause') is m4's): rebuild it from sendmail.mc with m4 for abuse.greetPause to be in force`);
    }
    if (settings.clientControl) {
      const planned = plan.files.find((f) => f.path === cf);
      const hasMc = plan.files.some((f) => f.path === mc);
      const { rate, conn } = settings.clientControl;
      const missing = [...(rate && planned && !/^SRateControl\b/m.test(planned.after) ? ['ratecontrol (ruleset RateControl)'] : []), ...(conn && planned && !/^SConnControl\b/m.test(planned.after) ? ['conncontrol (ruleset ConnControl)'] : [])];
      // The FEATUREs are rulesets in the cf, called from check_relay: apply does not write rulesets into a cf.
      if (missing.length) plan.notes.push(`${cf} lacks FEATURE ${missing.join(' and ')}, which reads the client limits: ${hasMc ? `rebuild it from ${mc} (apply added the FEATURE there) with m4` : `there is no ${mc}, and apply does not add rulesets to a cf by editing: add the FEATURE to the .mc the cf is built from and rebuild it`}, or the limits written to the access map are not in force`);
    }
    if (settings.milterFailMode) {
      const planned = plan.files.find((f) => f.path === cf);
      const doc = planned ? parseAs('sendmail-cf', new SourceFile(cf, planned.after)) : undefined;
      if (doc && miltersOfCf(doc).length === 0) plan.notes.push(`milters.failMode: ${cf} declares no mail filter (X line), so there is nothing to set`);
      // A filter the .mc writes as a raw X line (LOCAL_CONFIG, an include) gets its flag in the cf only:
      // the next build of the cf from the .mc writes it back without one (measured with m4).
      const mcPlan = plan.files.find((f) => f.path === mc);
      if (doc && mcPlan) {
        const declared = new Set(parseSendmailMc(new SourceFile(mc, mcPlan.after)).calls.filter((c) => c.name === 'INPUT_MAIL_FILTER' || c.name === 'MAIL_FILTER').map((c) => c.args[0]?.text));
        const raw = miltersOfCf(doc).filter((m) => !declared.has(m.name)).map((m) => m.name);
        if (raw.length) plan.notes.push(`milters.failMode: ${raw.slice(0, 5).join(', ')} ${raw.length === 1 ? 'is' : 'are'} in ${cf} but not an INPUT_MAIL_FILTER or MAIL_FILTER of ${mc} (a raw X line, LOCAL_CONFIG or an include, which apply does not edit): its flag is set in the cf only, and the next build of the cf from ${mc} loses it; declare the filter with INPUT_MAIL_FILTER`);
      }
    }
    if (policy.tls) tlsFiles(policy.tls, fs, plan, !opts.filesOnly);
    // The files sendmail reads are those the cf in force names: the one apply writes, else the current one.
    const model = cfInForce(fs, cf, plan);
    if (policy.aliases) {
      const a = policy.aliases;
      aliasTargets(fs, model, policy.paths?.aliases, layout, plan).forEach((target, i) => {
        const { path } = target;
        addFile('aliases', path, 'aliases', (t) => {
          // Stripped from every alias file; set in the first, which sendmail searches first.
          const set = i === 0 ? aliasesSet(a) : [];
          if (i === 0 && !a.postmaster && t === undefined) set.unshift(['postmaster', 'root']);
          return renderAliases(t, { strip: a.strip ?? [], set }, path);
        }, { validator: 'aliases', ...(target.db ? { derived: target.db, post: [{ argv: ['sendmail', '-bi', `-oA${target.class === 'implicit' ? '' : `${target.class}:`}${target.name}`], ...(target.name !== path ? { source: target.name } : {}), why: 'rebuild the aliases database (newaliases)' }] } : {}) });
      });
    }
    const abuse = policy.abuse;
    const clients = abuse?.clients?.length || abuse?.clientDefault ? clientEntries(abuse.clients ?? [], abuse.clientDefault) : undefined;
    const access = keys || clients ? accessTarget(fs, model, layout, plan, keys ? 'the relay networks' : 'the client limits') : undefined;
    if (access) {
      const { path } = access;
      const render = (t: string | undefined): string => {
        const relayed = keys ? renderAccess(t, keys.access, keys.accessSkipped, { render: opts.render, path, networks: keys.blocks }) : t;
        return clients ? renderClientLimits(relayed, clients, { render: opts.render, path }) : relayed!;
      };
      addFile('access', path, 'access', render, {
        validator: 'access',
        derived: access.db,
        post: [{ argv: ['makemap', access.class, access.name], stdin: path, ...(access.name !== path ? { source: access.name } : {}), why: 'rebuild the access database' }],
      });
    }
    if (policy.relay?.domains) {
      const path = `${layout.mailDir}/relay-domains`;
      const domains = policy.relay.domains.map((d) => d.replace(/^\./, ''));
      addFile('relay-domains', path, undefined, () => renderList('relay-domains', domains, opts.render));
    }
    if (policy.help) {
      const path = `${layout.mailDir}/helpfile`;
      addFile('helpfile', path, undefined, () => opts.render('helpfile', {}));
    }
  }
  if (mta.has('qmail')) {
    const rulesPath = tcpRulesPath(layout, tree);
    const cdb = `${rulesPath}.cdb`;
    if (keys) {
      addFile('tcp.smtp', rulesPath, 'tcp-rules', (t) => renderTcpSmtp(t, keys.tcp, keys.tcpSkipped, { render: opts.render, path: rulesPath, cdb, networks: keys.blocks }), {
        validator: 'tcp-rules',
        derived: cdb,
        post: [{ argv: ['tcprules', cdb, `${cdb}.tmp`], stdin: rulesPath, why: 'compile the tcpserver rules' }],
      });
    }
    planQmail({ policy, layout, fs, tree, plan, render: opts.render, addFile, rulesCdb: cdb, hostActions: !opts.filesOnly });
  }

  for (const a of acceptList) if (!acceptUsed.has(a)) plan.notes.push(`accept: ${a.rule} for "${a.value}" matches no finding in the files apply manages`);
  if (!opts.filesOnly) {
    hostActions(policy, layout, fs, tree, plan, wantsSendmail);
    if (mta.has('qmail')) qmailHierOwners(policy, layout, fs, readAccounts(tree), plan);
    foldOwners(plan);
    for (const f of plan.files) {
      if (f.before !== f.after || !f.derived || !f.post.length) continue;
      const source = fs.stat(f.path);
      const derived = fs.stat(f.derived, true);
      if (source && derived && derived.mtimeMs < source.mtimeMs) f.stale = true;
    }
  }
  // Attributes of the managed files and of the files named immutable (one lsattr call for all).
  // The aliases and access files in force are those planned above (the cf's), when the policy manages them.
  const inForce = (artifact: string): string | undefined => plan.files.find((f) => f.artifact === artifact)?.path;
  const named = { ...managedPaths(layout, tree), ...(inForce('aliases') ? { aliases: inForce('aliases')! } : {}), ...(inForce('access') ? { access: inForce('access')! } : {}) };
  const lock = opts.filesOnly ? [] : (policy.immutable ?? []).map((n) => named[n as keyof typeof named]);
  const probe = [...new Set([...plan.files.filter((f) => f.before !== undefined).map((f) => f.path), ...lock.filter((p) => fs.stat(p)?.isFile())])];
  const attrs = (opts.attributes ?? lsattrAttributes)(probe.map((p) => fs.hostPath(p)));
  for (const f of plan.files) f.immutable = (attrs.get(f.hostPath) ?? '').includes('i');
  for (const path of new Set(lock)) {
    const file = plan.files.find((f) => f.path === path);
    const hostPath = fs.hostPath(path);
    if (file && file.before === undefined) {
      plan.actions.push({ type: 'chattr', path, hostPath, immutable: true });
      continue;
    }
    if (!file && !fs.stat(path)?.isFile()) {
      plan.notes.push(`${path} does not exist: it cannot be made immutable`);
      continue;
    }
    const flags = attrs.get(hostPath);
    if (flags === undefined) plan.notes.push(`${path}: its attributes cannot be read (no lsattr, or a file system without them): not made immutable`);
    else if (!flags.includes('i')) plan.actions.push({ type: 'chattr', path, hostPath, immutable: true });
  }
  return plan;
}

/** A file of a map as the configuration in force reads it, and where apply edits and rebuilds it. */
export interface MapTarget {
  /** The name the configuration gives (AliasFile's, the K line's): sendmail opens `<name>.db`. */
  name: string;
  /** The real file under that name (links followed inside the root): the text apply edits. */
  path: string;
  /** The database sendmail reads, for the classes that have one. */
  db?: string;
  /** Map class: `implicit` (aliases with none written), `hash`, `btree`, `text`. */
  class: string;
}

/**
 * The model of the MTA cf sendmail will read after this run: the text planned for it, else the
 * current file (a link followed inside the root, as sendmail follows it). Undefined, with a note when
 * it exists but cannot be read, when there is none: the layout's paths are the fallback then.
 */
function cfInForce(fs: RootFs, cf: string, plan: Plan): SendmailCfDoc | undefined {
  const planned = plan.files.find((f) => f.path === cf);
  let text = planned?.after;
  if (text === undefined) {
    try {
      text = fs.read(fs.resolveLinks(cf))?.text;
    } catch (e) {
      plan.notes.push(`${cf} cannot be read (${(e as Error).message}): the files it names are taken from the layout`);
    }
  }
  return text === undefined ? undefined : parseAs('sendmail-cf', new SourceFile(cf, text));
}

/**
 * The alias files apply edits: the policy's paths.aliases when set, else every file map of the cf's
 * AliasFile (src/model/cf-paths.ts), else the layout's. Each is edited where it really is (links
 * followed inside the root) and rebuilt under the name the configuration gives: Debian's AliasFile is
 * /etc/mail/aliases, a link to /etc/aliases, and sendmail opens /etc/mail/aliases.db (measured).
 */
export function aliasTargets(fs: RootFs, doc: SendmailCfDoc | undefined, policyPath: string | undefined, layout: Layout, plan: Plan): MapTarget[] {
  const model = doc?.sendmail;
  const inCf = model ? aliasSources(model).map((a) => ({ name: inQueueDirectory(model, a.path, layout.mqueue), class: a.class })) : [];
  const target = (name: string, cls: string): MapTarget => ({ name, path: fs.resolveLinks(name), ...(cls === 'text' ? {} : { db: dbOf(fs, name) }), class: cls });
  if (policyPath) {
    const own = target(policyPath, 'implicit');
    // The same file as one the cf names: rebuilt under the cf's name, the database sendmail opens.
    const same = inCf.map((a) => target(a.name, a.class)).find((t) => t.path === own.path);
    if (inCf.length && !same) plan.notes.push(`paths.aliases ${policyPath} is none of the alias files the cf names (AliasFile ${inCf.map((a) => a.name).join(', ')}): sendmail does not read it`);
    return [same ?? own];
  }
  if (model) {
    if (!inCf.length) {
      plan.notes.push(`the cf sets no AliasFile, so sendmail reads no aliases file: ${layout.aliases} is edited but not in force`);
      return [target(layout.aliases, 'implicit')];
    }
    const seen = new Set<string>();
    return inCf.map((a) => target(a.name, a.class)).filter((t) => !seen.has(t.path) && !!seen.add(t.path));
  }
  // No cf to ask: sendmail builds the database beside the name it is given, and Debian gives
  // /etc/mail/aliases, a link to /etc/aliases (the same fallback as lint's, host/paths.ts).
  const linked = `${layout.mailDir}/aliases`;
  const own = target(layout.aliases, 'implicit');
  let viaLink: string | undefined;
  try {
    viaLink = fs.resolveLinks(linked);
  } catch {
    // A link that leads nowhere is not the way sendmail reaches the layout's file.
  }
  if (linked !== layout.aliases && viaLink !== linked && viaLink === own.path) return [target(linked, 'implicit')];
  return [own];
}

/**
 * The access map apply edits: the file of the cf's `Kaccess` line (its class decides makemap's), else,
 * with no cf, the layout's. Undefined, with a note, when the cf's map is not one makemap builds.
 */
export function accessTarget(fs: RootFs, doc: SendmailCfDoc | undefined, layout: Layout, plan: Plan, what = 'the relay networks'): MapTarget | undefined {
  const fallback = `${layout.mailDir}/access`;
  if (!doc) return { name: fallback, path: fs.resolveLinks(fallback), db: dbOf(fs, fallback), class: 'hash' };
  const spec = mapSpec(doc, 'access');
  if (!spec) {
    plan.notes.push(`the cf declares no access map (FEATURE(\`access_db')): sendmail does not read ${fallback}, so ${what} written there are not in force`);
    return { name: fallback, path: fs.resolveLinks(fallback), db: dbOf(fs, fallback), class: 'hash' };
  }
  const cls = spec.class === '' ? 'hash' : spec.class;
  if (!spec.path || !DB_TYPES.has(cls)) {
    plan.notes.push(`the cf's access map is of class ${spec.class}${spec.path ? ` (${spec.path})` : ''}, not a database makemap builds: ${what} are not written`);
    return undefined;
  }
  const written = inQueueDirectory(doc.sendmail, spec.path, layout.mqueue);
  const name = written.replace(/\.db$/, '');
  return { name, path: fs.resolveLinks(name), db: dbOf(fs, name), class: cls };
}

/**
 * The database sendmail opens for a map file it is given by `name`: `<name>.db` beside the name, not
 * beside the file a link names (measured: AliasFile=/etc/mail/aliases, a link to /etc/aliases, reads
 * /etc/mail/aliases.db), in the directory the name's directory really is.
 */
function dbOf(fs: RootFs, name: string): string {
  return posix.join(fs.resolveLinks(posix.dirname(name)), `${posix.basename(name)}.db`);
}

/** Where each file `immutable:` can name lives on this system (MANAGED_FILES). */
export function managedPaths(layout: Layout, tree: HostTree): Record<(typeof MANAGED_FILES)[number], string> {
  return {
    'sendmail.cf': `${layout.mailDir}/sendmail.cf`,
    'sendmail.mc': `${layout.mailDir}/sendmail.mc`,
    'submit.cf': `${layout.mailDir}/submit.cf`,
    'submit.mc': `${layout.mailDir}/submit.mc`,
    aliases: layout.aliases,
    access: `${layout.mailDir}/access`,
    helpfile: `${layout.mailDir}/helpfile`,
    rcpthosts: `${qmailPaths(layout).control}/rcpthosts`,
    morercpthosts: `${qmailPaths(layout).control}/morercpthosts`,
    smtpgreeting: `${qmailPaths(layout).control}/smtpgreeting`,
    databytes: `${qmailPaths(layout).control}/databytes`,
    'tcp.smtp': tcpRulesPath(layout, tree),
  };
}

/** The tcp.smtp in use: the first of the layout's places that exists, else the first place. */
export function tcpRulesPath(layout: Layout, tree: HostTree): string {
  return layout.tcpRules.find((p) => tree.stat(p)?.type === 'file') ?? layout.tcpRules[0]!;
}

/** smrsh links, the queue directory's mode: the parts of the policy that are not file contents. */
function hostActions(policy: Policy, layout: Layout, fs: RootFs, tree: HostTree, plan: Plan, sendmail: boolean): void {
  if (sendmail && policy.smrsh?.allow) {
    const dir = layout.smrshDir;
    const wanted = new Map(policy.smrsh.allow.map((p) => [posix.basename(p), p]));
    const dirSt = fs.stat(dir);
    if (dirSt && !dirSt.isDirectory()) throw new UserError(`${dir}: not a directory`, EXIT.runtime);
    for (const [name, target] of wanted) {
      const path = `${dir}/${name}`;
      const st = fs.stat(path, true);
      const hostPath = fs.hostPath(path);
      const text = st?.isSymbolicLink() ? linkText(fs, path) : undefined;
      if (text === target) continue;
      if (st?.isDirectory()) throw new UserError(`${path}: a directory where the smrsh link should be`, EXIT.runtime);
      if (!tree.stat(target)) plan.notes.push(`${target} does not exist under the root: the smrsh link ${path} will dangle until it is installed`);
      plan.actions.push({ type: 'link', path, hostPath, target, ...(st ? { replaces: text !== undefined ? `link to ${text}` : 'a file' } : {}) });
    }
    const d = dirSt ? fs.dirs.dir(dir) : undefined;
    if (d) {
      // Names as bytes: one that is not UTF-8 is still an entry smrsh would run.
      for (const name of readdirSync(d.self, { encoding: 'buffer' }).map(nameFromBytes).sort()) {
        if (wanted.has(name)) continue;
        const path = `${dir}/${name}`;
        const st = fs.stat(path, true)!;
        if (st.isDirectory()) {
          plan.notes.push(`${path}: a directory in the smrsh directory; remove it yourself`);
          continue;
        }
        plan.actions.push({ type: 'remove', path, hostPath: fs.hostPath(path), what: st.isSymbolicLink() ? `link to ${linkText(fs, path)}` : 'file' });
      }
    }
  }
  if (policy.queue?.mode) {
    const mode = parseInt(policy.queue.mode, 8);
    const st = fs.stat(layout.mqueue);
    if (!st) plan.notes.push(`${layout.mqueue} does not exist: queue mode not set`);
    else if (!st.isDirectory()) plan.notes.push(`${layout.mqueue} is not a directory: queue mode not set`);
    else if ((st.mode & 0o7777) !== ((st.mode & 0o7000) | mode)) plan.actions.push({ type: 'chmod', path: layout.mqueue, hostPath: fs.hostPath(layout.mqueue), mode: (st.mode & 0o7000) | mode, from: st.mode & 0o7777 });
  }
}


/** The text of a link in the tree (read through its verified directory). */
function linkText(fs: RootFs, path: string): string {
  const { dir, name } = fs.dirs.parentOf(path);
  return nameFromBytes(readlinkSync(dir!.at(name), { encoding: 'buffer' }));
}

/** Whether a file plan changes anything. */
export const changes = (f: FilePlan): boolean => f.before !== f.after;
