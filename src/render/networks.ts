import { addressKey } from '../model/access.js';
import { groups6 } from '../model/address.js';
import { cidrToTcpRules, parseCidr, type Block } from '../model/tcprules.js';

/** Relay networks in the forms tcprules and sendmail's access map understand, and what could not be written. */
export interface RelayKeys {
  /** tcprules addresses, most specific first (FORMATS.md §7, §11). */
  tcp: string[];
  /** access map keys after `Connect:` (octet prefixes, `IPv6:` group prefixes). */
  access: string[];
  /** Networks one of the formats cannot express, with the reason (written as comments). */
  tcpSkipped: string[];
  accessSkipped: string[];
  /** The IPv4 networks themselves. */
  blocks: Block[];
}

const octets = (n: number): number[] => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256);

/**
 * The access map matches an IPv4 client by whole octets (`192.168.10` covers 192.168.10.0/24), so a
 * block whose prefix is not a multiple of 8 is written as every key of the next octet boundary: a /20
 * is 16 keys, a /25 is 128 exact addresses.
 */
export function accessKeys4(b: Block): string[] {
  const m = Math.ceil(b.bits / 8) * 8;
  const n = 2 ** (m - b.bits);
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(octets(b.net + i * 2 ** (32 - m)).slice(0, m / 8).join('.'));
  return out;
}


/** An IPv6 address as inet_ntop writes it (RFC 5952): lower case, no leading zeros, the longest run of two or more zero groups as `::`. */
export function compress6(g: readonly number[]): string {
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < g.length; ) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < g.length && g[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/**
 * sendmail looks an IPv6 client up as `IPv6:` + its address as inet_ntop writes it, dropping one
 * `:group` at a time from the right. A single address (/128) is written exactly that way (`IPv6:::1`).
 * A prefix of whole groups with no zero group is always written out in full, so it matches; any other
 * prefix could be hidden inside a `::` and is not written.
 */
export function accessKey6(cidr: string): string | { skip: string } {
  const [address = '', bitsText = ''] = cidr.split('/');
  const bits = Number(bitsText);
  const g = groups6(address);
  if (!g) return { skip: `${cidr}: not an IPv6 network` };
  if (bits === 128) return `IPv6:${compress6(g)}`;
  if (bits % 16 !== 0) return { skip: `${cidr}: the access map matches whole 16-bit groups; use a /${Math.floor(bits / 16) * 16} or /${Math.ceil(bits / 16) * 16} prefix` };
  const prefix = g.slice(0, bits / 16);
  if (prefix.some((x) => x === 0)) return { skip: `${cidr}: a zero group in the prefix can be shortened to "::" in the client address, so no access key matches it reliably` };
  return `IPv6:${prefix.map((x) => x.toString(16)).join(':')}`;
}

/** Converts the policy's relay networks (validated CIDRs) for tcprules and the access map. */
export function relayKeys(networks: readonly string[]): RelayKeys {
  const out: RelayKeys = { tcp: [], access: [], tcpSkipped: [], accessSkipped: [], blocks: [] };
  const v4: Block[] = [];
  for (const n of networks) {
    if (n.includes(':')) {
      out.tcpSkipped.push(`${n}: not written; this tcprules (ucspi-tcp) reads IPv4 rules only`);
      const key = accessKey6(n);
      if (typeof key === 'string') out.access.push(key);
      else out.accessSkipped.push(key.skip);
      continue;
    }
    const b = parseCidr(n);
    if (!b) {
      out.tcpSkipped.push(`${n}: not an IPv4 network`);
      continue;
    }
    v4.push(b);
  }
  // Most specific first: tcpserver picks the most specific key anyway, and for identical keys the
  // first line wins (FORMATS.md §7), so this order is also the one a reader expects.
  v4.sort((a, b) => b.bits - a.bits || a.net - b.net);
  out.blocks = v4;
  out.tcp = [...new Set(v4.map(cidrToTcpRules))];
  out.access.unshift(...new Set(v4.flatMap(accessKeys4)));
  return out;
}

/**
 * The access map keys of one network of abuse.clients: a CIDR as the relay networks are written (whole
 * octets, IPv6 whole groups), an address key as it is. sendmail's RateControl and ConnControl rulesets
 * look ${client_addr} up with the same search as Connect: (ruleset A, cf/m4/proto.m4), so the keys are
 * the same. A string says why the network cannot be written.
 */
export function clientKeys(network: string): string[] | string {
  if (network.includes('/')) {
    if (network.includes(':')) {
      const key = accessKey6(network);
      return typeof key === 'string' ? [key] : key.skip;
    }
    const b = parseCidr(network);
    if (!b) return `${network}: not an IPv4 network`;
    if (b.bits < 8) return `${network}: wider than a /8; the limits of every client are abuse.clientDefault`;
    return accessKeys4(b);
  }
  const key = addressKey(network);
  if (!key || key.kind === 'never' || key.kind === 'invalid') return `${network}: ${key && 'reason' in key ? key.reason : 'not an address key'}`;
  // sendmail looks an IPv6 client up as inet_ntop writes it (measured with -bt: IPv6:2001:db8:0 does not
  // match 2001:db8::1:0:0:5, IPv6:2001:db8::0:1 does not match 2001:db8::1), as accessKey6 says for a CIDR.
  if (key.kind === 'ipv6' && key.groups.length === 8 && compress6(key.groups.map((g) => parseInt(g, 16))) !== key.groups.join(':')) return `${network}: sendmail writes this address as IPv6:${compress6(key.groups.map((g) => parseInt(g, 16)))}, so the key never matches`;
  if (key.kind === 'ipv6' && key.groups.length < 8 && key.groups.some((g) => /^0+$/.test(g))) return `${network}: a zero group in the prefix can be shortened to "::" in the client address, so no access key matches it reliably`;
  if (key.kind === 'ipv6-address') {
    const canonical = compress6(groups6(key.text)!);
    if (canonical !== key.text) return `${network}: sendmail writes this address as IPv6:${canonical}, so the key never matches`;
  }
  return [key.kind === 'ipv4' ? key.octets.join('.') : `IPv6:${network.slice(5).toLowerCase()}`];
}

/** One entry of the client limits block: the tag (ClientRate, ClientConn), the key after it ('' for the default), the limit. */
export interface ClientEntry {
  tag: 'ClientRate' | 'ClientConn';
  key: string;
  value: number;
}

/**
 * The access entries of abuse.clients and abuse.clientDefault: a key two networks share (a /24 inside a
 * /20) takes the limits of the more specific network, as sendmail's search takes the longest key.
 */
export function clientEntries(clients: readonly { network: string; rate?: number; connections?: number }[], fallback: { rate?: number; connections?: number } | undefined): ClientEntry[] {
  const width = (n: string): number => (n.includes('/') ? Number(n.split('/')[1]) : n.includes(':') ? (n.split(':').length - 1) * 16 : n.split('.').length * 8);
  const ordered = [...clients].sort((a, b) => width(b.network) - width(a.network));
  const out: ClientEntry[] = [];
  const seen = new Set<string>();
  for (const c of ordered) {
    const keys = clientKeys(c.network);
    if (typeof keys === 'string') continue;
    for (const key of keys) {
      for (const [tag, value] of [['ClientRate', c.rate], ['ClientConn', c.connections]] as const) {
        const id = `${tag}:${key}`.toLowerCase();
        if (value === undefined || seen.has(id)) continue;
        seen.add(id);
        out.push({ tag, key, value });
      }
    }
  }
  // The default last (the db has no order; people read it that way).
  if (fallback?.rate !== undefined) out.push({ tag: 'ClientRate', key: '', value: fallback.rate });
  if (fallback?.connections !== undefined) out.push({ tag: 'ClientConn', key: '', value: fallback.connections });
  return out;
}
