import { SourceFile } from '../core/source.js';
import { parseAccess } from '../parsers/access.js';
import { TextEdits } from './edits.js';
import type { Render } from './templates.js';

export const BLOCK_BEGIN = '# BEGIN mailharden relay networks';
export const BLOCK_END = '# END mailharden relay networks';

/** The lines of an earlier mailharden block (BEGIN..END), if the file has one. */
function findBlock(file: SourceFile): { first: number; last: number } | undefined {
  let first: number | undefined;
  for (let n = 1; n <= file.lineCount; n++) {
    const line = file.line(n);
    if (first === undefined && line.startsWith(BLOCK_BEGIN)) first = n;
    else if (first !== undefined && line.startsWith(BLOCK_END)) return { first, last: n };
  }
  return undefined;
}

/** Puts the block where the old one was, else before line `line` (past the end: appended). */
function placeBlock(file: SourceFile, edits: TextEdits, block: string, line: number, keepOld = true): void {
  const lines = block.replace(/\n$/, '').split('\n');
  const old = findBlock(file);
  if (old && keepOld) edits.replaceLines(old.first, old.last, lines);
  else {
    if (old) edits.removeLines(old.first, old.last);
    if (line > file.lineCount) edits.append(lines);
    else edits.insertBefore(line, lines);
  }
}

const inBlock = (b: { first: number; last: number } | undefined, n: number): boolean => b !== undefined && n >= b.first && n <= b.last;

/**
 * tcp.smtp with the policy's relay networks: its block holds one `allow,RELAYCLIENT=""` rule per key,
 * most specific first, at the top of the file (for identical keys the first line wins). Rules elsewhere
 * that set RELAYCLIENT, or that use a key of the block, are removed: the policy decides who relays.
 * Other rules are kept, and an explicit default rule is added when there is none.
 */
export function renderTcpSmtp(text: string | undefined, keys: readonly string[], skipped: readonly string[], ctx: { render: Render; policy: string; path: string; cdb: string }): string {
  const block = ctx.render('tcp-relay-block', { policy: ctx.policy, rules: keys.map((key) => ({ key })), skipped });
  if (text === undefined) return ctx.render('tcp.smtp', { cdb: ctx.cdb, path: ctx.path, block: block.replace(/\n$/, '') });
  const file = new SourceFile(ctx.path, text);
  const edits = new TextEdits(file);
  const old = findBlock(file);
  const owned = new Set(keys);
  let hasDefault = false;
  let firstRule: number | undefined;
  for (let n = 1; n <= file.lineCount; n++) {
    if (inBlock(old, n)) continue;
    const line = file.line(n);
    const colon = line.indexOf(':');
    if (line.startsWith('#') || colon < 0) continue;
    const key = line.slice(0, colon);
    const instructions = line.slice(colon + 1);
    // The policy decides who relays: rules with its keys and other allow rules that set RELAYCLIENT
    // go; deny rules stay, whatever variables they carry (tcpserver ignores those on a deny).
    if (owned.has(key) || (instructions.startsWith('allow') && /(^|,)RELAYCLIENT=/.test(instructions))) {
      edits.removeLines(n, n);
      continue;
    }
    firstRule ??= n;
    if (key === '') hasDefault = true;
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
 * Address entries with the RELAY action outside the block are removed (the policy decides who relays);
 * every other entry is kept as it is.
 */
export function renderAccess(text: string | undefined, keys: readonly string[], skipped: readonly string[], ctx: { render: Render; policy: string; path: string }): string {
  const block = ctx.render('access-relay-block', { policy: ctx.policy, keys, skipped });
  if (text === undefined) return block;
  const file = new SourceFile(ctx.path, text);
  const edits = new TextEdits(file);
  const old = findBlock(file);
  for (const e of parseAccess(file).entries) {
    if (inBlock(old, e.line)) continue;
    if (e.action === 'RELAY' && isAddressKey(e.tag, e.key)) edits.removeLines(e.line, e.line);
  }
  placeBlock(file, edits, block, file.lineCount + 1);
  return edits.apply();
}

/** One name per line (qmail's rcpthosts, sendmail's relay-domains): no comments, since qmail reads none. */
export function renderList(name: 'rcpthosts' | 'relay-domains', items: readonly string[], render: Render): string {
  return render(name, { domains: [...new Set(items)] });
}
