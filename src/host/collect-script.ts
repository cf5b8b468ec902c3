import { LAYOUTS, qmailPaths } from './layout.js';
import type { Render } from '../render/templates.js';
import { posix } from 'node:path';

/** The manifest's format, first line of the manifest (`mailharden-collect 1`); the archive reader refuses others. */
export const COLLECT_FORMAT = 1;

/** The collector's default bounds: bytes of one file, bytes in all, paths recorded. */
export const COLLECT_LIMITS = { maxFile: 16 * 1024 * 1024, maxTotal: 64 * 1024 * 1024, maxEntries: 20_000 } as const;

const sq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
const words = (list: Iterable<string>): string => [...new Set(list)].sort().map(sq).join(' ');

/**
 * The POSIX sh collector (templates/collect.sh.hbs) with the paths of every system's layout: what
 * `lint --root` reads on a host, so that the archive it makes lints the same (src/host/archive.ts).
 */
export function collectScript(render: Render, version: string): string {
  const layouts = Object.values(LAYOUTS);
  const qmail = layouts.map((l) => qmailPaths(l));
  return render('collect.sh', {
    version,
    format: COLLECT_FORMAT,
    ...COLLECT_LIMITS,
    treeDepth: 3,
    // Read whole: the alias files, tcpserver rules, accounts (passwords blanked) and the files that tell the system.
    content: words([
      ...layouts.flatMap((l) => [l.aliases, `${l.mailDir}/aliases`, ...l.tcpRules]),
      '/etc/passwd',
      '/etc/group',
      '/etc/debian_version',
      '/etc/redhat-release',
      '/etc/fedora-release',
      '/etc/centos-release',
      '/etc/freebsd-update.conf',
      '/etc/release',
    ]),
    // Directories read whole (down to treeDepth): the mail directory, qmail's control and alias directories.
    trees: words([...layouts.map((l) => l.mailDir), ...qmail.flatMap((q) => [q.control, q.alias]), '/etc/tcprules.d']),
    // Metadata only: queues, statistics, programs and the directories the host rules judge.
    meta: words([...layouts.flatMap((l) => [l.mqueue, l.clientmqueue, l.statistics, l.smrshBin, l.qmailDir]), '/usr/sbin/sendmail', '/usr/lib/sendmail', '/usr/sbin', '/usr/bin', '/bin', '/usr/libexec']),
    // Metadata of a directory and its entries: smrsh's directory, the m4 trees, qmail's tree.
    metaTrees: words(layouts.flatMap((l) => [l.smrshDir, ...l.m4Trees, l.qmailDir, `${l.qmailDir}/bin`])),
    // Two levels: qmail's queue and its split directories (queue/mess/0 …), whose modes hier.c sets.
    metaDeep: words(layouts.map((l) => `${l.qmailDir}/queue`)),
    // Service directories of qmail-smtpd (run, log/run, env, peers), read whole, two levels down.
    services: words(layouts.flatMap((l) => l.runScripts.map((r) => posix.dirname(r)))),
    homeParents: words(layouts.flatMap((l) => l.homeParents)),
    // Files the configuration names whose text is taken (besides certificates).
    contentDirs: [...new Set([...layouts.map((l) => l.mailDir), ...qmail.map((q) => posix.dirname(q.control)), '/etc/tcprules.d'])].sort().map((d) => `${sq(d)}/*`).join(' | '),
  });
}
