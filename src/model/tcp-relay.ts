import { cached } from '../core/cache.js';
import { blockSize, formatCidr, modelOf, publicAddresses, summarize, type Block } from './tcprules.js';
import { ruleKeys, type TcpRule, type TcpRulesDocument } from '../parsers/tcprules.js';

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

/** Every allow line that sets RELAYCLIENT and decides at least one key (worked out once per document). */
export function relayGrants(doc: TcpRulesDocument): RelayGrant[] {
  return cached(doc, 'tcprules.relayGrants', findGrants);
}

function findGrants(doc: TcpRulesDocument): RelayGrant[] {
  const model = modelOf(doc);
  const out: RelayGrant[] = [];
  for (const rule of doc.rules) {
    if (rule.refused || rule.action !== 'allow' || !rule.variables.some((v) => v.name === 'RELAYCLIENT')) continue;
    const grant: RelayGrant = { rule, blocks: [], addresses: 0, publicAddresses: 0 };
    let decides = false;
    for (const key of ruleKeys(rule)) {
      if (model.find(key)?.rule !== rule) continue;
      decides = true;
      const shape = model.shape(key);
      if (shape.kind === 'default') grant.everyone = { kind: 'default' };
      else if (shape.kind === 'any-host') grant.everyone = { kind: 'any-host' };
      else if (shape.kind === 'host-suffix' && /^\.[A-Za-z0-9-]+$/.test(shape.suffix)) grant.everyone = { kind: 'tld', suffix: shape.suffix };
      else if (shape.kind === 'ip' || shape.kind === 'prefix') {
        grant.blocks.push(shape.block);
        grant.addresses += blockSize(shape.block);
        grant.publicAddresses += publicAddresses(shape.block);
      }
    }
    if (decides) out.push(grant);
  }
  return out;
}

/** Half a /8 of public addresses (a /9, or a /8 that holds some private space): as good as open to the Internet. */
export const OPEN_PUBLIC = 2 ** 23;
/** A /16: the smallest grant called broad. */
export const BROAD = 2 ** 16;
