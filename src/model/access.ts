import { ACTION_RELAY, tagCode, type AccessEntry, type AccessTable } from '../parsers/access.js';
import { groups6 } from './address.js';

/**
 * What an access map key says about client addresses, read as sendmail looks keys up: the check_relay
 * ruleset looks up `Connect:` plus ${client_addr}, which sendmail writes with inet_ntoa/inet_ntop
 * (`10.1.2.3`, `2001:db8::1`: no leading zeros), then the same text with the last octet or group cut
 * off, again and again. The lookup compares text, so a key matches only when written that way
 * (measured with sendmail -bt on Debian's cf: `Connect:010.1 RELAY` does not match 10.1.2.3).
 */
export type AddressKey =
  /** One to four octets: the addresses that start with them. */
  | { kind: 'ipv4'; octets: number[]; net: number; bits: number }
  /** `IPv6:` and one to eight whole groups, lower case: the addresses that start with them. */
  | { kind: 'ipv6'; groups: string[]; bits: number }
  /** `IPv6:` and a whole address written with `::` (as inet_ntop writes it), lower case. */
  | { kind: 'ipv6-address'; text: string }
  /** An address key that no client's address is ever looked up as. */
  | { kind: 'never'; why: 'leading-zero' | 'octet-range' | 'this-network'; reason: string }
  /** `IPv6:` followed by something that is not an IPv6 address or prefix. */
  | { kind: 'invalid'; reason: string };

/** The addresses an access key stands for, or undefined for a host name, domain or e-mail address. */
export function addressKey(key: string): AddressKey | undefined {
  const octets = dottedOctets(key);
  if (octets) {
    if (octets === LEADING_ZERO) return { kind: 'never', why: 'leading-zero', reason: 'sendmail writes addresses without leading zeros, so it never matches' };
    if (octets.some((o) => o > 255)) return { kind: 'never', why: 'octet-range', reason: 'no address has an octet above 255, so it never matches' };
    const bits = octets.length * 8;
    let net = 0;
    for (let k = 0; k < 4; k++) net = net * 256 + (octets[k] ?? 0);
    if (octets[0] === 0) return { kind: 'never', why: 'this-network', reason: `no client connects from ${cidr4(net, bits)}` };
    return { kind: 'ipv4', octets, net, bits };
  }
  const v6 = /^ipv6:(.*)$/i.exec(key);
  if (!v6) return undefined;
  const text = v6[1]!.toLowerCase();
  if (text.includes('::')) return groups6(text) ? { kind: 'ipv6-address', text } : { kind: 'invalid', reason: 'is not an IPv6 address' };
  const groups = text.split(':');
  if (groups.length > 8 || !groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return { kind: 'invalid', reason: 'is not an IPv6 prefix of whole groups' };
  if (groups.some((g) => g.length > 1 && g.startsWith('0'))) return { kind: 'never', why: 'leading-zero', reason: 'sendmail writes IPv6 groups without leading zeros, so it never matches' };
  return { kind: 'ipv6', groups, bits: groups.length * 16 };
}

/** What dottedOctets answers for a key with an octet written with a leading zero. */
const LEADING_ZERO: number[] = [];

/**
 * The octets of a key of one to four groups of one to three digits joined by dots (what
 * /^\d{1,3}(?:\.\d{1,3}){0,3}$/ matches), LEADING_ZERO when one of them starts with a 0 and has more
 * digits, undefined for any other key. Read by hand: every RELAY entry's key is asked.
 */
function dottedOctets(key: string): number[] | undefined {
  const n = key.length;
  if (n === 0 || n > 15) return undefined;
  const octets: number[] = [];
  let zero = false;
  let p = 0;
  for (;;) {
    const from = p;
    let v = 0;
    while (p < n && p - from < 4) {
      const c = key.charCodeAt(p) - 48;
      if (c < 0 || c > 9) break;
      v = v * 10 + c;
      p++;
    }
    const digits = p - from;
    if (digits === 0 || digits > 3) return undefined;
    if (digits > 1 && key.charCodeAt(from) === 48) zero = true;
    octets.push(v);
    if (p === n) break;
    if (key.charCodeAt(p) !== 46 || octets.length === 4) return undefined;
    p++;
  }
  return zero ? LEADING_ZERO : octets;
}

/** `10.1.0.0/16`. */
function cidr4(net: number, bits: number): string {
  return `${(net >>> 24) & 255}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${bits}`;
}

/** An IP prefix a Connect: or untagged RELAY key covers (the access map matches whole octets or groups). */
export interface RelayNetwork {
  kind: 'network';
  family: 4 | 6;
  bits: number;
  /** `10.0.0.0/8`, `fd00::/16`. */
  cidr: string;
  /** How many addresses, for messages: `16,777,216`, `2^96`. */
  addresses: string;
  /** `public`, `mostly public` (holds a smaller non-public block), `private`, `loopback`, `link-local`, `shared (CGN)`, `unique-local`, `documentation`. */
  space: string;
}

/** What the key of a RELAY entry for clients or recipients covers; undefined when it is an ordinary host, domain or address. */
export type RelayCover = RelayNetwork | { kind: 'suffix'; suffix: string } | { kind: 'nothing'; reason: string };

/** Non-public IPv4 blocks (RFC 1122, 1918, 6598, 3927); anything outside them counts as public. */
const V4_SPACES: readonly { net: number; bits: number; space: string }[] = [
  { net: 0x00000000, bits: 8, space: 'this-network' },
  { net: 0x0a000000, bits: 8, space: 'private' },
  { net: 0x64400000, bits: 10, space: 'shared (CGN)' },
  { net: 0x7f000000, bits: 8, space: 'loopback' },
  { net: 0xa9fe0000, bits: 16, space: 'link-local' },
  { net: 0xac100000, bits: 12, space: 'private' },
  { net: 0xc0a80000, bits: 16, space: 'private' },
];

/** Generic top-level domains worth knowing by name; every two-letter label is a country code. */
const GENERIC_TLDS = new Set([
  'com', 'net', 'org', 'edu', 'gov', 'mil', 'int', 'arpa', 'info', 'biz', 'name', 'pro', 'mobi', 'asia', 'tel', 'travel', 'jobs', 'cat', 'coop',
  'aero', 'museum', 'xyz', 'top', 'online', 'site', 'app', 'dev', 'shop', 'store', 'tech', 'cloud', 'email', 'club', 'live', 'blog', 'news', 'link',
  'click', 'work', 'world', 'space', 'website', 'digital', 'network', 'company', 'services', 'solutions', 'global', 'group', 'agency', 'host',
]);

/** Registry second levels under country codes (`co.uk`, `com.au`, `ne.jp`): as wide as a top-level domain. */
const SECOND_LEVELS = new Set(['co', 'com', 'net', 'org', 'ac', 'edu', 'gov', 'ne', 'or', 'go', 'gob', 'mil', 'ltd', 'plc', 'nic', 'sch']);

/** Tags whose RELAY entries let clients or recipients relay (From: is MH3002's). */
const RELAY_TAGS = new Set(['', 'connect', 'to']);

/** The tag codes of RELAY_TAGS as bits (a code is below 32). */
const RELAY_TAG_BITS = (1 << tagCode('')) | (1 << tagCode('connect')) | (1 << tagCode('to'));

/** Whether entry `i` of a table is one relayCover judges (RELAY, untagged or Connect: or To:), read from its numbers. */
export function relayCandidate(t: AccessTable, i: number): boolean {
  return t.action[i] === ACTION_RELAY && ((RELAY_TAG_BITS >>> t.tag[i]!) & 1) === 1;
}

/** What a RELAY entry's key covers, for the broad- and public-relay rules. */
export function relayCover(e: AccessEntry): RelayCover | undefined {
  const tag = e.tag.toLowerCase();
  if (e.action !== 'RELAY' || !RELAY_TAGS.has(tag)) return undefined;
  const key = e.key.toLowerCase();
  // Checked with sendmail -bt on Debian's cf: the Connect/To lookups strip labels and octets down to one, never to nothing.
  if (key === '') return { kind: 'nothing', reason: 'sendmail never looks up an empty key' };
  if (key === '.') return { kind: 'nothing', reason: 'sendmail never looks up "."' };
  if (tag !== 'to') {
    const address = addressKey(key);
    // A key no address is looked up as lets nobody relay: nothing broad, nothing public. Only a
    // 0.x key reads as "everyone" (as "" and "." do), so only it is worth a finding here.
    if (address?.kind === 'never') return address.why === 'this-network' ? { kind: 'nothing', reason: address.reason } : undefined;
    if (address) return network(address);
  }
  const suffix = publicSuffix(key);
  return suffix ? { kind: 'suffix', suffix } : undefined;
}

/** A prefix of a /16 or wider (IPv4) or a /32 or wider (IPv6). */
export function isBroad(n: RelayNetwork): boolean {
  return n.bits <= (n.family === 4 ? 16 : 32);
}

/** A prefix so wide and public that it amounts to an open relay: one IPv4 octet or one IPv6 group of public space. */
export function isOpen(n: RelayNetwork): boolean {
  return (n.space === 'public' || n.space === 'mostly public') && n.bits <= (n.family === 4 ? 8 : 16);
}

/** How many addresses an IPv4 prefix of each length holds, for messages: made once per length (toLocaleString is slow). */
const ADDRESSES4: (string | undefined)[] = [];

/** The prefix an IPv4 (`10.1`) or IPv6 (`ipv6:2001:db8`) key stands for; undefined for whole IPv6 addresses. */
function network(key: AddressKey): RelayNetwork | undefined {
  if (key.kind === 'ipv4') {
    const { net: addr, bits } = key;
    const block = V4_SPACES.find((s) => bits >= s.bits && addr >>> (32 - s.bits) === s.net >>> (32 - s.bits));
    const holdsBlock = V4_SPACES.some((s) => s.bits > bits && addr >>> (32 - bits) === s.net >>> (32 - bits));
    const space = block?.space ?? (holdsBlock ? 'mostly public' : 'public');
    return { kind: 'network', family: 4, bits, cidr: cidr4(addr, bits), addresses: (ADDRESSES4[bits] ??= (2 ** (32 - bits)).toLocaleString('en-US')), space };
  }
  if (key.kind !== 'ipv6' || key.bits === 128) return undefined;
  const { groups } = key;
  const first = parseInt(groups[0]!, 16);
  const second = groups[1] === undefined ? undefined : parseInt(groups[1], 16);
  const space = (first & 0xffc0) === 0xfe80 ? 'link-local' : (first & 0xfe00) === 0xfc00 ? 'unique-local' : first === 0x2001 && second === 0x0db8 ? 'documentation' : 'public';
  const bits = groups.length * 16;
  return { kind: 'network', family: 6, bits, cidr: `${groups.join(':')}::/${bits}`, addresses: `2^${128 - bits}`, space };
}

/** The key when it names a top-level domain or a registry suffix such as `co.uk` (a leading dot allowed). */
export function publicSuffix(key: string): string | undefined {
  const name = key.replace(/^\./, '');
  const labels = name.split('.');
  if (labels.some((l) => !/^[a-z0-9-]+$/.test(l))) return undefined;
  const isTld = (l: string): boolean => /^[a-z]{2}$/.test(l) || GENERIC_TLDS.has(l) || l.startsWith('xn--');
  if (labels.length === 1 && isTld(labels[0]!)) return name;
  if (labels.length === 2 && /^[a-z]{2}$/.test(labels[1]!) && SECOND_LEVELS.has(labels[0]!)) return name;
  return undefined;
}
