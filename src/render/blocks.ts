import { SourceFile } from '../core/source.js';
import { parseAccess } from '../parsers/access.js';
import { parseTcpRules, ruleKeys } from '../parsers/tcprules.js';
import { contains, keyShape, type Block } from '../model/tcprules.js';
import { TextEdits } from './edits.js';
import type { Render } from './templates.js';
import type { ClientEntry } from './networks.js';

/**
 * The block's first line starts with this (the rest of the line is a comment). Older versions wrote
 * the policy's file name after it (`…: written from the policy (site.yaml); …`): the marker is
 * recognised by this prefix, so such a block is still the managed one and is rewritten once, without
 * the name (renaming the policy is no change to the host).
 */
export const BLOCK_BEGIN = '# BEGIN mailharden relay networks';
export const BLOCK_END = '# END mailharden relay networks';

/** The markers of the access map's block of client limits (abuse.clients). */
export const CLIENT_BLOCK = { begin: '# BEGIN mailharden client limits', end: '# END mailharden client limits' } as const;
const RELAY_BLOCK = { begin: BLOCK_BEGIN, end: BLOCK_END } as const;
type Markers = { readonly begin: string; readonly end: string };

/**
 * The lines of an earlier mailharden block (BEGIN..END), if the file has one: the last BEGIN before the
 * first END, so a BEGIN line left without its END (a block half deleted by hand) stays a comment and the
 * site's entries after it are not taken for the block's (a second apply removed them, and a block of the
 * other kind between them).
 */
function findBlock(file: SourceFile, markers: Markers = RELAY_BLOCK): { first: number; last: number } | undefined {
  let first: number | undefined;
  for (let n = 1; n <= file.lineCount; n++) {
    const line = file.line(n);
    if (line.startsWith(markers.begin)) first = n;
    else if (first !== undefined && line.startsWith(markers.end)) return { first, last: n };
  }
  return undefined;
}

/** Puts the block where the old one was, else before line `line` (past the end: appended). */
function placeBlock(file: SourceFile, edits: TextEdits, block: string, line: number, keepOld = true, markers: Markers = RELAY_BLOCK): void {
  const lines = block.replace(/\n$/, '').split('\n');
  const old = findBlock(file, markers);
  if (old && keepOld) edits.replaceLines(old.first, old.last, lines);
  else {
    if (old) edits.removeLines(old.first, old.last);
    if (line > file.lineCount) edits.append(lines);
    else edits.insertBefore(line, lines);
  }
}

const inBlock = (b: { first: number; last: number } | undefined, n: number): boolean => b !== undefined && n >= b.first && n <= b.last;

/** Whether a block lies inside one of the relay networks. */
function insideRelay(b: Block, networks: readonly Block[]): boolean {
  return networks.some((n) => contains(n, b));
}

/** Whether every key a tcprules line expands to (an address, a prefix, a range of them) lies inside a relay network. */
function tcpKeysInside(keys: readonly string[], networks: readonly Block[]): boolean {
  return (
    keys.length > 0 &&
    keys.every((k) => {
      const shape = keyShape(k);
      return (shape.kind === 'ip' || shape.kind === 'prefix') && insideRelay(shape.block, networks);
    })
  );
}

/**
 * tcp.smtp with the policy's relay networks: its block holds one `allow,RELAYCLIENT=""` rule per key,
 * most specific first, at the top of the file (for identical keys the first line wins). The policy
 * decides who relays: an allow rule with a key of the block is removed, and so is an allow rule that
 * sets RELAYCLIENT for clients outside the networks; an allow rule for clients inside them gets
 * RELAYCLIENT too (it is more specific than the block). Deny rules and all other rules are kept, and
 * an explicit default rule is added when there is none.
 */
export function renderTcpSmtp(text: string | undefined, keys: readonly string[], skipped: readonly string[], ctx: { render: Render; path: string; cdb: string; networks?: readonly Block[] }): string {
  const block = ctx.render('tcp-relay-block', { rules: keys.map((key) => ({ key })), skipped });
  if (text === undefined) return ctx.render('tcp.smtp', { cdb: ctx.cdb, path: ctx.path, block: block.replace(/\n$/, '') });
  const file = new SourceFile(ctx.path, text);
  const edits = new TextEdits(file);
  const old = findBlock(file);
  const owned = new Set(keys);
  const networks = ctx.networks ?? [];
  let hasDefault = false;
  let firstRule: number | undefined;
  for (const rule of parseTcpRules(file).rules) {
    const n = rule.line;
    if (inBlock(old, n)) continue;
    const line = file.line(n);
    const instructions = line.slice(line.indexOf(':') + 1);
    const relays = /(^|,)RELAYCLIENT=/.test(instructions);
    const expanded = rule.refused ? [rule.address] : ruleKeys(rule);
    // The policy decides who relays. Rules with the block's keys go. An allow rule for clients inside
    // a relay network is more specific than the block (tcpserver takes the most specific key), so it
    // keeps its variables and gets RELAYCLIENT too; an allow rule that sets RELAYCLIENT outside them
    // goes. Deny rules stay, whatever variables they carry (tcpserver ignores those on a deny).
    if (expanded.some((k) => owned.has(k)) && rule.action === 'allow' && !rule.range) {
      edits.removeLines(n, n);
      continue;
    }
    if (rule.action === 'allow') {
      const inside = tcpKeysInside(expanded, networks);
      if (inside && !relays) {
        const end = file.lineStart(n) + line.replace(/[ \t\r]+$/, '').length;
        edits.replace(end, end, ',RELAYCLIENT=""');
      } else if (!inside && relays) {
        edits.removeLines(n, n);
        continue;
      }
    }
    firstRule ??= n;
    if (rule.address === '') hasDefault = true;
  }
  // The block goes before every other rule (identical keys: the first line wins, FORMATS.md §7).
  const oldOnTop = old !== undefined && (firstRule === undefined || old.first < firstRule);
  placeBlock(file, edits, block, oldOnTop ? 1 : (firstRule ?? 1), oldOnTop);
  if (!hasDefault) edits.append(['# Everyone else may connect, but not relay.', ':allow']);
  return edits.apply();
}

/** An access key that names clients by address: `Connect:10.1`, `10.1.2.3`, `IPv6:2001:db8`. */
function isAddressKey(tag: string, key: string): boolean {
  if (tag !== '' && tag.toLowerCase() !== 'connect') return false;
  return /^[0-9]{1,3}(\.[0-9]{1,3}){0,3}$/.test(key) || /^ipv6:/i.test(key);
}

/**
 * sendmail's access map with the policy's relay networks as `Connect:` RELAY entries in one block.
 * Address entries with the RELAY action outside the block are removed (the policy decides who relays),
 * and so are `From:` RELAY entries (relaying by a sender anyone can forge); every other entry is kept.
 */
export function renderAccess(text: string | undefined, keys: readonly string[], skipped: readonly string[], ctx: { render: Render; path: string; networks?: readonly Block[] }): string {
  const block = ctx.render('access-relay-block', { keys, skipped });
  if (text === undefined) return block;
  const file = new SourceFile(ctx.path, text);
  const edits = new TextEdits(file);
  const old = findBlock(file);
  for (const e of parseAccess(file).entries) {
    if (inBlock(old, e.line)) continue;
    // RELAY by envelope sender (From:, read with FEATURE(relay_mail_from)) relays for whoever writes
    // that sender, and senders are forged at will (MH3002): the policy's networks decide who relays.
    if (e.tag.toLowerCase() === 'from' && e.action === 'RELAY') {
      edits.removeLines(e.line, e.line);
      continue;
    }
    if (!isAddressKey(e.tag, e.key)) continue;
    if (e.action === 'RELAY') {
      edits.removeLines(e.line, e.line);
      continue;
    }
    // An OK for a client inside a relay network is more specific than the block's entry (ruleset A
    // takes the longest match), so it would take relaying away from that client: it becomes RELAY.
    // REJECT, DISCARD and ERROR entries stay: a site that blocks a host means it.
    const octets = /^[0-9]{1,3}(\.[0-9]{1,3}){0,3}$/.test(e.key) ? e.key.split('.').map(Number) : undefined;
    if (e.action === 'OK' && octets && octets.every((o) => o <= 255)) {
      let net = 0;
      for (let i = 0; i < 4; i++) net = net * 256 + (octets[i] ?? 0);
      if (insideRelay({ net, bits: octets.length * 8 }, ctx.networks ?? [])) {
        const from = file.offsetOf(e.valueSpan.start);
        edits.replace(from, from + e.value.length, 'RELAY');
      }
    }
  }
  placeBlock(file, edits, block, file.lineCount + 1);
  return edits.apply();
}

/**
 * sendmail's access map with the client limits of abuse.clients as ClientRate: and ClientConn: entries
 * in a block of their own (cf/README, ratecontrol and conncontrol). An entry outside the block with a
 * key the block writes (the bare default too) is removed, since makemap keeps one value per key and
 * the policy decides it; every other entry is kept (a more specific one is the site's exception).
 */
export function renderClientLimits(text: string | undefined, entries: readonly ClientEntry[], ctx: { render: Render; path: string }): string {
  for (const e of entries) if (!/^[A-Za-z0-9.:]*$/.test(e.key) || !Number.isInteger(e.value) || e.value < 0) throw new Error(`unsafe client limit ${JSON.stringify(e)}`);
  const block = ctx.render('access-client-block', { entries });
  if (text === undefined) return block;
  const file = new SourceFile(ctx.path, text);
  const edits = new TextEdits(file);
  const old = findBlock(file, CLIENT_BLOCK);
  const owned = new Set(entries.map((e) => `${e.tag}:${e.key}`.toLowerCase()));
  for (const e of parseAccess(file).entries) {
    if (inBlock(old, e.line)) continue;
    // makemap folds keys to lower case (without -f), so ClientRate:10.1 and clientrate:10.1 are one key.
    if (owned.has(`${e.tag ? `${e.tag}:` : ''}${e.key}`.toLowerCase())) edits.removeLines(e.line, e.line);
  }
  placeBlock(file, edits, block, file.lineCount + 1, true, CLIENT_BLOCK);
  return edits.apply();
}

/** One name per line (qmail's rcpthosts, sendmail's relay-domains): no comments, since qmail reads none. */
export function renderList(name: 'rcpthosts' | 'morercpthosts' | 'relay-domains', items: readonly string[], render: Render): string {
  // Checked again here, as every renderer does: a name is one line of letters, digits, dots and dashes.
  for (const d of items) if (!/^[A-Za-z0-9.-]+$/.test(d)) throw new Error(`unsafe ${name} line ${JSON.stringify(d)}`);
  return render(name, { domains: [...new Set(items)] });
}
