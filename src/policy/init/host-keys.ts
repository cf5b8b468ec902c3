import type { Layout, Profile } from '../../host/layout.js';
import { octal } from '../../host/mode.js';
import type { HostTree } from '../../host/tree.js';
import { managedPaths } from '../../apply/plan.js';
import { MANAGED_FILES } from '../validate.js';
import { HOST_NAME, type Deriver, type Kept, type SendmailSide } from './context.js';
import { flat, flow, listed, scalar } from './text.js';

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

/**
 * The canonical name the C library gives for `node` from /etc/hosts, as sendmail asks for it and
 * then qualifies it (its myhostname()), with where it came from. Measured with sendmail 8.17.1.9 and
 * glibc on Debian 12 (`sendmail -d0.1 -bt`, /etc/hosts bind-mounted in a mount namespace, `hostname`
 * in a UTS one): names match without regard to case; a line of an IPv6 address wins over any IPv4
 * line (sendmail asks for AF_INET6 first); the first matching line gives the canonical name, and the
 * names of the later matching lines join its aliases (glibc's `multi on`, its default); sendmail keeps
 * the canonical name when it has a dot or the node name has none, and while the result has no dot
 * takes the first alias with one (`127.0.0.1 localhost vm.localdomain vm` gives vm.localdomain).
 */
export function canonicalName(node: string, hosts: string | undefined): { name: string; line?: number } {
  const entries: { v6: boolean; names: string[]; line: number }[] = [];
  (hosts ?? '').split('\n').forEach((raw, i) => {
    const [addr, ...names] = raw.replace(/#.*/, '').trim().split(/\s+/);
    if (addr && names.some((n) => n.toLowerCase() === node.toLowerCase())) entries.push({ v6: addr.includes(':'), names, line: i + 1 });
  });
  const family = entries.some((e) => e.v6) ? entries.filter((e) => e.v6) : entries;
  const first = family[0];
  if (!first) return { name: node };
  const aliases = [...first.names.slice(1).map((n) => ({ n, line: first.line })), ...family.slice(1).flatMap((e) => e.names.map((n) => ({ n, line: e.line })))];
  const canonical = first.names[0]!.includes('.') || !node.includes('.') ? first.names[0]! : node;
  if (canonical.includes('.')) return { name: canonical, line: first.line };
  // The line the name is taken from (a later matching line's, with multi on).
  const dotted = aliases.find((a) => a.n.includes('.'));
  return dotted ? { name: dotted.n, line: dotted.line } : { name: canonical, line: first.line };
}

/**
 * sendmail's `$j`, the name its greeting starts with: the cf's Dj line when it has one (`$w` and `$m`
 * in it are the first label and the rest of the system's canonical name), else the canonical name
 * sendmail derives from the node name (/etc/hostname) through /etc/hosts. Not /etc/mailname: Debian
 * uses that to masquerade (MASQUERADE_AS, /usr/share/sendmail/update_mc), not as `$j`.
 */
function sendmailJ(tree: HostTree, sm: SendmailSide | undefined, firstLine: (p: string) => string | undefined): { name?: string; from: string } {
  const node = firstLine('/etc/hostname');
  const derived = node ? canonicalName(node, tree.read('/etc/hosts', 1 << 20)) : undefined;
  const derivedFrom = derived?.line !== undefined ? `/etc/hostname (${node}) through line ${derived.line} of /etc/hosts, as sendmail derives $j` : `/etc/hostname (${node}), which /etc/hosts does not list (sendmail asks DNS for its canonical name)`;
  let dj: { value: string; line: number } | undefined;
  for (const m of sm?.cf.macros ?? []) if (m.name === 'j') dj = { value: m.value.trim(), line: m.valueSpan.start.line };
  if (sm && dj) {
    const from = `the Dj line of ${sm.cfPath} (line ${dj.line})`;
    if (!/\$/.test(dj.value)) return { name: dj.value, from };
    if (/\$(?![wm])/.test(dj.value) || !derived?.name.includes('.')) return { from: `${from}, whose macros init cannot expand` };
    const dot = derived.name.indexOf('.');
    return { name: dj.value.replace(/\$w/g, derived.name.slice(0, dot)).replace(/\$m/g, derived.name.slice(dot + 1)), from: `${from}, with $w and $m from ${derivedFrom}` };
  }
  if (!derived) return { from: '/etc/hostname (missing)' };
  return { name: derived.name, from: derivedFrom };
}

function deriveHostname(tree: HostTree, sm: SendmailSide | undefined, control: string, hasQmail: boolean): Kept<string> {
  const firstLine = (p: string): string | undefined => tree.read(p, 4096)?.split('\n')[0]?.trim() || undefined;
  const ok = (name: string | undefined): name is string => name !== undefined && HOST_NAME.test(name) && name.length <= 253 && name.includes('.');
  const candidates: { name?: string; from: string }[] = [];
  if (sm) candidates.push(sendmailJ(tree, sm, firstLine));
  if (hasQmail) candidates.push({ name: firstLine(`${control}/me`), from: `${control}/me` });
  if (!sm) candidates.push(sendmailJ(tree, undefined, firstLine));
  for (const c of candidates) if (ok(c.name)) return { keep: true, value: c.name, note: `from ${c.from}` };
  const tried = candidates.map((c) => (c.name ? `${c.from} gives "${flat(c.name, 60)}"` : c.from)).join('; ');
  return { keep: false, reason: `hostname: no fully qualified name to take (${tried}); set it if the greeting should start with it.` };
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
