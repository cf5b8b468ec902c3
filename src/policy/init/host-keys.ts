import type { Layout, Profile } from '../../host/layout.js';
import { octal } from '../../host/mode.js';
import type { HostTree } from '../../host/tree.js';
import { managedPaths } from '../../apply/plan.js';
import { MANAGED_FILES } from '../validate.js';
import { HOST_NAME, type Deriver, type Kept, type SendmailSide } from './context.js';
import { flow, listed, scalar } from './text.js';

/** The marker file detectProfile went by. */
export function profileEvidence(tree: HostTree, profile: Profile): string {
  const markers: Record<Profile, string[]> = {
    debian: ['/etc/debian_version'],
    rhel: ['/etc/redhat-release', '/etc/fedora-release', '/etc/centos-release'],
    freebsd: ['/etc/freebsd-update.conf', '/usr/libexec/sm.bin'],
    solaris: ['/etc/release', '/var/adm/sm.bin'],
  };
  const found = markers[profile].find((m) => tree.exists(m));
  return found ? `detected (${found})` : 'nothing in the tree tells the system: the default';
}

function deriveHostname(tree: HostTree, sm: SendmailSide | undefined, control: string, hasQmail: boolean): Kept<string> {
  const candidates: [string | undefined, string][] = [];
  if (sm) {
    let j: string | undefined;
    for (const m of sm.cf.macros) if (m.name === 'j') j = m.value.trim();
    if (j !== undefined) candidates.push([j.includes('$') ? undefined : j, `the Dj line of ${sm.cfPath}`]);
  }
  const firstLine = (p: string): string | undefined => tree.read(p, 4096)?.split('\n')[0]?.trim();
  if (hasQmail) candidates.push([firstLine(`${control}/me`), `${control}/me`]);
  candidates.push([firstLine('/etc/mailname'), '/etc/mailname']);
  candidates.push([firstLine('/etc/hostname'), '/etc/hostname']);
  for (const [name, from] of candidates) if (name && HOST_NAME.test(name) && name.length <= 253) return { keep: true, value: name, note: from };
  return { keep: false, reason: 'hostname: no literal Dj line, /etc/mailname or /etc/hostname holds a fully qualified name; set it if the greeting should start with it.' };
}

function deriveQueue(tree: HostTree, layout: Layout): Kept<string> {
  const meta = tree.stat(layout.mqueue);
  if (!meta) return { keep: false, reason: `queue: ${layout.mqueue} does not exist.` };
  if (meta.type !== 'dir') return { keep: false, reason: `queue: ${layout.mqueue} is not a directory.` };
  const mode = octal(meta.mode & 0o777);
  return { keep: true, value: mode, note: `${layout.mqueue} now${(meta.mode & 0o077) !== 0 ? '; 0700 keeps others out' : ''}` };
}


function deriveImmutable(tree: HostTree, layout: Layout): Kept<string[]> {
  const named = managedPaths(layout, tree);
  const existing = MANAGED_FILES.filter((n) => tree.lstat(named[n])?.type === 'file');
  if (existing.length === 0) return { keep: true, value: [], note: 'None of the files apply manages exists yet.' };
  const attrs = tree.immutable(existing.map((n) => named[n]));
  const read = existing.filter((n) => attrs.get(named[n]) !== undefined);
  if (read.length === 0) return { keep: false, reason: `immutable: the attributes of ${listed(existing.map((n) => named[n]), 4)} cannot be read (no lsattr, or a file system without them), so init cannot tell which are immutable.`, suggest: '[]' };
  const value = read.filter((n) => attrs.get(named[n]) === true);
  const unread = existing.filter((n) => !read.includes(n));
  const notes = [value.length ? 'The managed files that are immutable now.' : 'No managed file is immutable now.'];
  if (unread.length) notes.push(`Attributes not readable: ${unread.join(', ')}.`);
  return { keep: true, value, note: notes.join(' ') };
}

export const hostname: Deriver<string> = {
  key: 'hostname',
  derive: (c) => deriveHostname(c.tree, c.sm, c.control, c.mta.includes('qmail')),
  set: (p, v) => (p.hostname = v),
  write: (y, k) => y.key('hostname', scalar(k.value), 0, k.note),
};

export const queue: Deriver<string> = {
  key: 'queue',
  derive: (c) => deriveQueue(c.tree, c.layout),
  set: (p, v) => (p.queue = { mode: v }),
  write: (y, k) => y.key('queue', `{ mode: ${JSON.stringify(k.value)} }`, 0, k.note),
};

export const immutable: Deriver<string[]> = {
  key: 'immutable',
  derive: (c) => deriveImmutable(c.tree, c.layout),
  set: (p, v) => (p.immutable = v),
  write(y, k) {
    if (k.note) y.comment(k.note);
    y.key('immutable', flow(k.value));
  },
};
