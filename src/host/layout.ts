import type { HostTree } from './tree.js';

export const PROFILES = ['debian', 'rhel', 'freebsd', 'solaris'] as const;
export type Profile = (typeof PROFILES)[number];

/** Where one system keeps its mail files. */
export interface Layout {
  profile: Profile;
  /** Directory of sendmail.cf, submit.cf, access, helpfile, … */
  mailDir: string;
  /** The aliases source file sendmail reads (the real file, not a symlink to it). */
  aliases: string;
  /** smrsh's compiled-in program directory (FORMATS.md §1: /etc/mail/smrsh on Debian). */
  smrshDir: string;
  /** The smrsh program itself (the prog mailer's P= once smrsh is on). */
  smrshBin: string;
  /** sendmail's statistics file. */
  statistics: string;
  mqueue: string;
  clientmqueue: string;
  /** Users who may own the MTA queue besides root. */
  mtaUsers: readonly string[];
  qmailDir: string;
  /** tcpserver rules for the SMTP service. */
  tcpRules: readonly string[];
  /** Places of qmail-smtpd run scripts (daemontools and runit). */
  runScripts: readonly string[];
  /** Parents of users' home directories. */
  homeParents: readonly string[];
  /**
   * The m4 trees a sendmail.mc includes from when it is built: the sendmail-cf files of the system
   * (cf.m4, feature/, ostype/, …) and the site m4 directory the system ships (Debian: /etc/mail/m4).
   */
  m4Trees: readonly string[];
}

const COMMON = {
  mailDir: '/etc/mail',
  mqueue: '/var/spool/mqueue',
  qmailDir: '/var/qmail',
  tcpRules: ['/etc/tcp.smtp', '/etc/tcprules.d/tcp.smtp', '/var/qmail/control/tcp.smtp'],
  runScripts: ['/service/qmail-smtpd/run', '/var/qmail/supervise/qmail-smtpd/run', '/etc/service/qmail-smtpd/run', '/etc/sv/qmail-smtpd/run', '/var/service/qmail-smtpd/run'],
  homeParents: ['/home', '/export/home', '/usr/home'],
} as const;

/** Facts per system (sendmail's SECURITY file, smrsh/README, Debian's sendmail-base; FORMATS.md §1). */
export const LAYOUTS: Record<Profile, Layout> = {
  debian: { ...COMMON, profile: 'debian', aliases: '/etc/aliases', smrshDir: '/etc/mail/smrsh', smrshBin: '/usr/libexec/sendmail/smrsh', statistics: '/var/lib/sendmail/sendmail.st', clientmqueue: '/var/spool/mqueue-client', mtaUsers: ['smmta'], m4Trees: ['/usr/share/sendmail/cf', '/etc/mail/m4'] },
  rhel: { ...COMMON, profile: 'rhel', aliases: '/etc/aliases', smrshDir: '/etc/smrsh', smrshBin: '/usr/sbin/smrsh', statistics: '/etc/mail/statistics', clientmqueue: '/var/spool/clientmqueue', mtaUsers: [], m4Trees: ['/usr/share/sendmail-cf'] },
  freebsd: { ...COMMON, profile: 'freebsd', aliases: '/etc/mail/aliases', smrshDir: '/usr/libexec/sm.bin', smrshBin: '/usr/libexec/smrsh', statistics: '/var/log/sendmail.st', clientmqueue: '/var/spool/clientmqueue', mtaUsers: [], m4Trees: ['/usr/share/sendmail/cf'] },
  solaris: { ...COMMON, profile: 'solaris', aliases: '/etc/mail/aliases', smrshDir: '/var/adm/sm.bin', smrshBin: '/usr/lib/smrsh', statistics: '/etc/mail/statistics', clientmqueue: '/var/spool/clientmqueue', mtaUsers: [], m4Trees: ['/etc/mail/cf'] },
};

/** The m4 trees of every system: linting a lone .mc does not know which system will build it. */
export const M4_TREES: readonly string[] = [...new Set(Object.values(LAYOUTS).flatMap((l) => l.m4Trees))];

/** qmail's directories under its home (auto_qmail): control files, and ~alias (hier.c: alias 02755 alias:qmail). */
export function qmailPaths(layout: Layout): { control: string; alias: string } {
  return { control: `${layout.qmailDir}/control`, alias: `${layout.qmailDir}/alias` };
}

/** Guesses the system from marker files in the tree; Debian when nothing tells. */
export function detectProfile(tree: HostTree): Profile {
  if (tree.exists('/etc/debian_version')) return 'debian';
  if (tree.exists('/etc/redhat-release') || tree.exists('/etc/fedora-release') || tree.exists('/etc/centos-release')) return 'rhel';
  if (tree.exists('/etc/freebsd-update.conf') || tree.exists('/usr/libexec/sm.bin')) return 'freebsd';
  const release = tree.read('/etc/release', 4096) ?? '';
  if (/Solaris|illumos|OpenIndiana|SmartOS/i.test(release) || tree.exists('/var/adm/sm.bin')) return 'solaris';
  return 'debian';
}

/** User and group names of the tree's own /etc/passwd and /etc/group (not the machine running mailharden). */
export interface Accounts {
  userName(uid: number): string;
  groupName(gid: number): string;
  uidOf(name: string): number | undefined;
  /** A user's primary group (the gid of its /etc/passwd line: what `id -g USER` prints). */
  gidOf(name: string): number | undefined;
  /** A group's gid in the tree's /etc/group (hier.c's group qmail). */
  gidOfGroup(name: string): number | undefined;
  /** Home directories of the tree's users. */
  homes: readonly string[];
}

export function readAccounts(tree: HostTree): Accounts {
  const users = new Map<number, string>();
  const uids = new Map<string, number>();
  const primary = new Map<string, number>();
  const groups = new Map<number, string>();
  const gids = new Map<string, number>();
  const homes: string[] = [];
  for (const line of (tree.read('/etc/passwd', 4 * 1024 * 1024) ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 7 || !/^\d+$/.test(f[2]!)) continue;
    const uid = Number(f[2]);
    if (!users.has(uid)) users.set(uid, f[0]!);
    uids.set(f[0]!, uid);
    if (/^\d+$/.test(f[3]!)) primary.set(f[0]!, Number(f[3]));
    if (f[5] && f[5].startsWith('/') && f[5] !== '/') homes.push(f[5]);
  }
  for (const line of (tree.read('/etc/group', 4 * 1024 * 1024) ?? '').split('\n')) {
    const f = line.split(':');
    if (f.length < 3 || !/^\d+$/.test(f[2]!)) continue;
    if (!groups.has(Number(f[2]))) groups.set(Number(f[2]), f[0]!);
    // The first line of a name, as getgrnam(3) answers.
    if (!gids.has(f[0]!)) gids.set(f[0]!, Number(f[2]));
  }
  users.set(0, users.get(0) ?? 'root');
  groups.set(0, groups.get(0) ?? 'root');
  return {
    userName: (uid) => users.get(uid) ?? String(uid),
    groupName: (gid) => groups.get(gid) ?? String(gid),
    uidOf: (name) => uids.get(name),
    gidOf: (name) => primary.get(name),
    gidOfGroup: (name) => gids.get(name),
    homes: [...new Set(homes)].sort(),
  };
}
