import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { debianCf, debianMc, M4 } from './real.js';
import { buildTree, parseTree } from './tree-spec.js';

export const DEBIAN_SUBMIT_MC = '/usr/share/sendmail/cf/debian/submit.mc';
/** Files the sendmail packages install or generate on a new system (sendmail-bin's help file; update_db's access). */
export const DEBIAN_HELPFILE = '/etc/mail/helpfile';
export const DEBIAN_ACCESS = '/etc/mail/access';

const esc = (s: string): string => s.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\t', '\\t');

/**
 * The ids of smmta and smmsp: this machine's when the sendmail packages made them (the real sendmail
 * judges the tree's maps, and refuses a map in a directory owned by a user it does not trust: a map
 * lookup then fails with TMPF), else those of the Debian 12 install FORMATS.md §1 records. The order
 * apt configures packages in decides the ids (one machine gave uid 102 to avahi and 105 to smmta).
 */
function mailIds(): { mta: number; mtaGroup: number; msp: number; mspGroup: number } {
  const field = (file: string, name: string, k: number): number | undefined => {
    try {
      const line = readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
      const v = line?.split(':')[k];
      return v === undefined ? undefined : Number(v);
    } catch {
      return undefined;
    }
  };
  const mta = field('/etc/passwd', 'smmta', 2);
  const msp = field('/etc/passwd', 'smmsp', 2);
  const mtaGroup = field('/etc/group', 'smmta', 2);
  const mspGroup = field('/etc/group', 'smmsp', 2);
  if (mta === undefined || msp === undefined || mtaGroup === undefined || mspGroup === undefined) return { mta: 102, mtaGroup: 105, msp: 103, mspGroup: 106 };
  return { mta, mtaGroup, msp, mspGroup };
}

/**
 * The stock Debian 12 install of sendmail-bin and sendmail-cf, laid out as a --root tree: the .mc files
 * Debian ships, the cfs m4 builds from them now, the help file and access map the packages put in place,
 * an empty /etc/aliases (as a new install leaves it), and the owners and modes FORMATS.md §1 records.
 */
export function stockTree(extra: readonly string[] = []): string {
  const submit = spawnSync(M4, [], { input: readFileSync(DEBIAN_SUBMIT_MC, 'utf8'), encoding: 'utf8' });
  assert.equal(submit.status, 0, submit.stderr);
  const ids = mailIds();
  const fx = parseTree('debian-install', [
    'file /etc/debian_version 0644 root root 12.8\\n',
    `file /etc/passwd 0644 root root root:x:0:0:root:/root:/bin/bash\\nsmmta:x:${ids.mta}:${ids.mtaGroup}:Mail Transfer Agent,,,:/var/lib/sendmail:/usr/sbin/nologin\\nsmmsp:x:${ids.msp}:${ids.mspGroup}:Mail Submission Program,,,:/var/lib/sendmail:/usr/sbin/nologin\\n`,
    `file /etc/group 0644 root root root:x:0:\\nsmmta:x:${ids.mtaGroup}:\\nsmmsp:x:${ids.mspGroup}:\\n`,
    `dir /etc/mail 02755 ${ids.mta} ${ids.mspGroup}`,
    `dir /etc/mail/m4 02755 ${ids.mta} ${ids.mspGroup}`,
    `dir /etc/mail/tls 0755 ${ids.mta} ${ids.mspGroup}`,
    `dir /etc/mail/smrsh 02755 ${ids.mta} ${ids.mspGroup}`,
    'link /etc/mail/smrsh/mail.local /usr/libexec/sendmail/mail.local',
    `file /etc/mail/sendmail.mc 0644 root ${ids.mspGroup} mtime=-7200 ${esc(debianMc())}`,
    `file /etc/mail/sendmail.cf 0644 root ${ids.mspGroup} mtime=-7000 ${esc(debianCf())}`,
    `file /etc/mail/submit.mc 0644 root ${ids.mspGroup} mtime=-7200 ${esc(readFileSync(DEBIAN_SUBMIT_MC, 'utf8'))}`,
    `file /etc/mail/submit.cf 0644 root ${ids.mspGroup} mtime=-7000 ${esc(submit.stdout)}`,
    `file /etc/mail/helpfile 0644 root root mtime=-7200 ${esc(readFileSync(DEBIAN_HELPFILE, 'utf8'))}`,
    `file /etc/mail/access 0600 root root mtime=-7200 ${esc(readFileSync(DEBIAN_ACCESS, 'utf8'))}`,
    `file /etc/mail/access.db 0640 ${ids.mta} ${ids.mspGroup} mtime=-7000`,
    'file /etc/aliases 0644 root root mtime=-7200',
    'link /etc/mail/aliases ../aliases',
    `file /etc/mail/aliases.db 0640 ${ids.mta} ${ids.mspGroup} mtime=-7000`,
    `dir /var/spool/mqueue 02750 ${ids.mta} ${ids.mspGroup}`,
    `dir /var/spool/mqueue-client 02770 ${ids.msp} ${ids.mspGroup}`,
    `dir /var/lib/sendmail 02751 ${ids.mta} ${ids.mspGroup}`,
    `file /usr/libexec/sendmail/sendmail 02755 root ${ids.mspGroup}`,
    'file /usr/libexec/sendmail/mail.local 0755 root root',
    'link /usr/sbin/sendmail-mta ../libexec/sendmail/sendmail',
    'file /usr/bin/dash 0755 root root',
    'link /usr/bin/sh dash',
    'link /bin /usr/bin',
    ...extra,
  ].join('\n'));
  return buildTree(fx);
}

