import { cached } from '../core/cache.js';
import { blockSize, formatCidr, K_ANY_HOST, K_DEFAULT, K_HOST, K_HOST_SUFFIX, K_INFO_HOST, K_INFO_IP, K_IP, K_NEVER, K_PREFIX, keyShape, modelOf, publicAddresses, summarize, type Block } from './tcprules.js';
import { ALLOW, type TcpRule, type TcpRuleTable, type TcpRulesDocument } from '../parsers/tcprules.js';

/** Who an allow line that sets RELAYCLIENT lets relay, counting only the keys for which it is the first record. */
export interface RelayGrant {
  rule: TcpRule;
  /** Set when the line covers clients by name or by default rather than by address. */
  everyone?: { kind: 'default' } | { kind: 'any-host' } | { kind: 'tld'; suffix: string };
  /** The address blocks of its exact-address and prefix keys. */
  blocks: Block[];
  addresses: number;
  publicAddresses: number;
}

/** A block count as "1,048,576". */
export const count = (n: number): string => n.toLocaleString('en-US');

/** `172.16.0.0/12`, or the first three blocks and how many more. */
export function describeBlocks(blocks: readonly Block[]): string {
  const cidrs = summarize(blocks).map(formatCidr);
  return cidrs.length <= 3 ? cidrs.join(', ') : `${cidrs.slice(0, 3).join(', ')} and ${cidrs.length - 3} more blocks`;
}

/**
 * Every allow line that sets RELAYCLIENT and decides at least one key, for everyone (by default, any
 * host, a top-level domain) or for at least BROAD addresses: the grants MH5001 and MH5002 judge
 * (worked out once per document). Narrower lines are counted without making an object.
 */
export function relayGrants(doc: TcpRulesDocument): RelayGrant[] {
  return cached(doc, 'tcprules.relayGrants', findGrants);
}

const TLD = /^\.[A-Za-z0-9-]+$/;

/** Whether line `i` of the table sets RELAYCLIENT. */
function setsRelay(t: TcpRuleTable, i: number): boolean {
  for (let v = t.varBase(i); v < t.varBase(i) + t.varCount(i); v++) if (t.varIsRelayClient(v)) return true;
  return false;
}

function findGrants(doc: TcpRulesDocument): RelayGrant[] {
  const out: RelayGrant[] = [];
  const t = doc.table;
  // In blocks, so that V8 optimises the function by its calls rather than in the middle of one loop.
  for (let i = 0; i < t.count; i += 4096) findGrantsIn(doc, i, Math.min(t.count, i + 4096), out);
  return out;
}

function findGrantsIn(doc: TcpRulesDocument, fromLine: number, toLine: number, out: RelayGrant[]): void {
  const model = modelOf(doc);
  const t = doc.table;
  const text = doc.file.text;
  const { flags, varFirst, start, colonAt, rangeRef } = t;
  for (let i = fromLine; i < toLine; i++) {
    const from = model.recordsFrom(i);
    if (from < 0 || (flags[i]! & 3) !== ALLOW || varFirst[i + 1] === varFirst[i]) continue;
    // An exact address, a host, info@ or a key that never matches, written by one line without a range: never a grant to judge.
    const only = rangeRef[i] === 0 ? model.kindOf(from) : -1;
    if (only === K_IP || only === K_HOST || only === K_NEVER || only === K_INFO_IP || only === K_INFO_HOST) continue;
    if (!setsRelay(t, i)) continue;
    // First how many addresses its deciding keys cover: an address or prefix key has as many dots as octets written.
    let decides = false;
    let everyone = false;
    let addresses = 0;
    let dots = 0;
    for (let a = start[i]!; a < colonAt[i]!; a++) if (text.charCodeAt(a) === 46) dots++;
    const keys = t.keyCount(i);
    for (let rec = from; rec < from + keys; rec++) {
      if (model.firstOf(rec) !== rec) continue;
      decides = true;
      const kind = model.kindOf(rec);
      if (kind === K_IP) addresses += 1;
      else if (kind === K_PREFIX) addresses += 2 ** (32 - 8 * dots);
      else if (kind === K_DEFAULT || kind === K_ANY_HOST || (kind === K_HOST_SUFFIX && TLD.test(model.keyOf(rec).slice(1)))) everyone = true;
    }
    if (!decides || (!everyone && addresses < BROAD)) continue;
    const grant: RelayGrant = { rule: t.rule(i), blocks: [], addresses: 0, publicAddresses: 0 };
    for (let rec = from; rec < from + keys; rec++) {
      if (model.firstOf(rec) !== rec) continue;
      const shape = keyShape(model.keyOf(rec));
      if (shape.kind === 'default') grant.everyone = { kind: 'default' };
      else if (shape.kind === 'any-host') grant.everyone = { kind: 'any-host' };
      else if (shape.kind === 'host-suffix' && TLD.test(shape.suffix)) grant.everyone = { kind: 'tld', suffix: shape.suffix };
      else if (shape.kind === 'ip' || shape.kind === 'prefix') {
        grant.blocks.push(shape.block);
        grant.addresses += blockSize(shape.block);
        grant.publicAddresses += publicAddresses(shape.block);
      }
    }
    out.push(grant);
  }
}

/** Half a /8 of public addresses (a /9, or a /8 that holds some private space): as good as open to the Internet. */
export const OPEN_PUBLIC = 2 ** 23;
/** A /16: the smallest grant called broad. */
export const BROAD = 2 ** 16;
