import { SourceFile } from '../../core/source.js';
import type { Layout } from '../../host/layout.js';
import type { HostTree } from '../../host/tree.js';
import { addressKey } from '../../model/access.js';
import { keyShape, modelOf, summarize, type Block } from '../../model/tcprules.js';
import { parseAccess } from '../../parsers/access.js';
import { parseTcpRules, ruleKeys } from '../../parsers/tcprules.js';
import { flat } from './text.js';
import { accessMapFile, type SendmailSide } from './context.js';
import { mapSpec } from '../../model/cf-paths.js';

// Relay networks: tcp.smtp keys and access map keys back to CIDRs.

/** How far blocks of one key length may be merged and still be written back as the same keys. */
function mergeWithinLevel(blocks: readonly Block[], level: number): Block[] {
  if (level === 0) return blocks.length ? [{ net: 0, bits: 0 }] : [];
  const floor = level - 7;
  const out: Block[] = [];
  for (const b of summarize(blocks)) {
    if (b.bits >= floor) out.push(b);
    else for (let i = 0; i < 2 ** (floor - b.bits); i++) out.push({ net: b.net + i * 2 ** (32 - floor), bits: floor });
  }
  return out;
}

/** Blocks of several key lengths, each merged within its length (a /24 key stays a /24 key). */
export function networksOf(blocks: readonly Block[]): Block[] {
  const byLevel = new Map<number, Block[]>();
  for (const b of blocks) byLevel.set(b.bits, [...(byLevel.get(b.bits) ?? []), b]);
  return [...byLevel.entries()].sort((a, b) => a[0] - b[0]).flatMap(([level, bs]) => mergeWithinLevel(bs, level));
}

/** The keys tcprules writes for a list of tcp.smtp addresses. */
export function expandTcpKeys(addresses: readonly string[]): Set<string> {
  const doc = parseTcpRules(new SourceFile('keys', addresses.map((a) => `${a}:allow`).join('\n')));
  return new Set(doc.rules.flatMap((r) => ruleKeys(r)));
}

export const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>): boolean => a.size === b.size && [...a].every((x) => b.has(x));

export interface RelayRead {
  /** The file read. */
  path?: string;
  /** The file looked for (read when it exists). */
  looked?: string;
  text?: string;
  blocks: Block[];
  v6: string[];
  /** The keys that relay now, as apply would write them. */
  keys: Set<string>;
  /** Why the file's relay clients cannot be stated as networks (then nothing is kept). */
  problems: string[];
  /** What apply would change in form only. */
  form: string[];
  /** Entries that never match a client (apply drops them; nothing changes). */
  dead: string[];
  openRelay?: string;
}

/** tcpserver rules: the keys whose deciding rule sets RELAYCLIENT. */
export function readTcpRelay(tree: HostTree, layout: Layout): RelayRead {
  const r: RelayRead = { blocks: [], v6: [], keys: new Set(), problems: [], form: [], dead: [] };
  const path = layout.tcpRules.find((p) => tree.stat(p)?.type === 'file');
  if (!path) return r;
  const text = tree.read(path);
  if (text === undefined) return r;
  r.path = path;
  r.text = text;
  const doc = parseTcpRules(new SourceFile(path, text));
  if (doc.refusedAt !== undefined) r.problems.push(`tcprules refuses line ${doc.refusedAt} of ${path}, so the compiled rules may not be what the file says`);
  const model = modelOf(doc);
  for (const rec of model.records) {
    if (!rec.rule.variables.some((v) => v.name === 'RELAYCLIENT')) continue;
    if (model.find(rec.key) !== rec) continue; // an earlier line of the same key decides: apply's removal of this one changes nothing
    const at = `${path}:${rec.line} "${rec.key}"`;
    if (rec.action !== 'allow') {
      r.problems.push(`${at} denies and sets RELAYCLIENT, which tcpserver ignores on a deny; apply keeps the line as it is`);
      continue;
    }
    const env = rec.rule.variables;
    if (env.length !== 1 || env[0]!.value !== '') {
      r.problems.push(`${at} sets ${env.map((v) => `${v.name}="${flat(v.value, 20)}"`).join(',')}; apply's relay rules set only RELAYCLIENT=""`);
      continue;
    }
    const shape = keyShape(rec.key);
    if (shape.kind === 'ip' || shape.kind === 'prefix') {
      r.blocks.push(shape.block);
      r.keys.add(rec.key);
    } else if (shape.kind === 'default') {
      r.blocks.push({ net: 0, bits: 0 });
      r.keys.add('');
      r.openRelay = `${path}:${rec.line}`;
    } else if (shape.kind === 'never') r.dead.push(`${at} (${shape.reason})`);
    else r.problems.push(`${at} names clients by host name or ident, which relay networks cannot express`);
  }
  return r;
}

/** The access map: address keys (Connect: or untagged) whose first entry is RELAY. */
export function readAccessRelay(tree: HostTree, layout: Layout, sm: SendmailSide | undefined): RelayRead {
  const r: RelayRead = { blocks: [], v6: [], keys: new Set(), problems: [], form: [], dead: [] };
  // The file sendmail reads and apply writes: the cf's Kaccess map, else the layout's (as for the client limits).
  const path = sm ? accessMapFile(sm) : `${layout.mailDir}/access`;
  if (path === undefined) {
    const spec = mapSpec(sm!.cf, 'access')!;
    r.problems.push(`the cf's access map is of class ${spec.class}, not a database makemap builds, so apply writes no relay networks to it`);
    return r;
  }
  r.looked = path;
  const text = tree.read(path);
  if (text === undefined) return r;
  r.path = path;
  r.text = text;
  const doc = parseAccess(new SourceFile(path, text));
  const first = new Map<string, (typeof doc.entries)[number]>();
  for (const e of doc.entries) {
    const full = `${e.tag.toLowerCase()}:${e.key.toLowerCase()}`;
    if (!first.has(full)) first.set(full, e);
  }
  for (const e of doc.entries) {
    if (e.action !== 'RELAY') continue;
    if (e.tag !== '' && e.tag.toLowerCase() !== 'connect') continue;
    const key = e.key;
    const at = `${path}:${e.line} "${e.tag ? `${e.tag}:` : ''}${key}"`;
    // Read as lint reads it (MH3001, MH3003): src/model/access.ts.
    const address = addressKey(key);
    if (!address) continue; // a host or domain name: apply keeps it
    const full = `${e.tag.toLowerCase()}:${key.toLowerCase()}`;
    if (first.get(full) !== e) continue; // an earlier entry of the same key decides
    if (doc.entries.some((o) => o !== e && o.action !== 'RELAY' && `${o.tag.toLowerCase()}:${o.key.toLowerCase()}` === full)) {
      r.problems.push(`${at} has a later entry of the same key; apply moves RELAY into its block at the end, and the later entry would decide`);
      continue;
    }
    if (e.tag === '') r.form.push(`${at} becomes a Connect: entry`);
    else if (e.value.trim() !== 'RELAY') r.form.push(`${at} (${flat(e.value, 30)}) becomes plain RELAY`);
    if (address.kind === 'never') r.dead.push(`${at} (${address.reason})`);
    else if (address.kind === 'invalid') r.problems.push(`${at} ${address.reason}`);
    else if (address.kind === 'ipv4') {
      r.blocks.push({ net: address.net, bits: address.bits });
      r.keys.add(address.octets.join('.'));
    } else if (address.kind === 'ipv6-address') {
      // A whole address as inet_ntop writes it (the form sendmail looks up first).
      r.v6.push(`${address.text}/128`);
      r.keys.add(`IPv6:${address.text}`);
    } else {
      const text = address.groups.join(':');
      r.v6.push(address.bits === 128 ? `${text}/128` : `${text}::/${address.bits}`);
      r.keys.add(`IPv6:${text}`);
    }
  }
  return r;
}
