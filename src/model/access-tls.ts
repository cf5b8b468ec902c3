import { tagCode, type AccessEntry } from '../parsers/access.js';
import { detached } from '../core/source.js';
import { addressKey, publicSuffix } from './access.js';

/**
 * What the access map's STARTTLS entries mean, as the rulesets of proto.m4 (Debian's cf, sendmail
 * 8.17.1.9) read them. Every fact here was measured with `sendmail -C cf -bt` on a map built by makemap
 * (test/access-tls-real.test.ts asks the real program for each of them).
 */

/**
 * The tokens sendmail splits a value into: words, and each operator character on its own
 * (OperatorChars `.:%@!^/[]+` of Debian's cf, plus the ones sendmail always has: `()<>,;"\`).
 */
export function tlsTokens(value: string): string[] {
  return value.match(/[.:%@!^/[\]+()<>,;"\\]|[^\s.:%@!^/[\]+()<>,;"\\]+/g) ?? [];
}

const OPERATOR = /^[.:%@!^/[\]+()<>,;"\\]$/;

/** The number arith makes of a token, as strtol does: leading digits with a sign, else 0 (`128bits` is 128, `abc` 0). */
function bitsOf(token: string): number {
  const m = /^[+-]?\d+/.exec(token);
  return m ? Number(m[0]) : 0;
}

/** A TLS_Srv, TLS_Clt or TLS_Rcpt value, as the TLS_connection ruleset reads it. */
export type TlsRequirement =
  /** The ruleset answers OK whatever the connection: not even STARTTLS is needed. */
  | { kind: 'none'; reason: string }
  | {
      kind: 'require';
      /** VERIFY: a verified certificate; ENCR: only ${cipher_bits} (or the SASL layer's ${auth_ssf}). */
      level: 'VERIFY' | 'ENCR';
      /** The least key length in bits (VERIFY without bits: 0). */
      bits: number;
      /** The extensions after `+` that TLS_req checks, in order. */
      checked: string[];
      /** The first extension TLS_req does not know: it stops there and accepts, so neither it nor those after it are checked. */
      unknown?: string;
      /** The extensions not checked because of `unknown` (itself included). */
      skipped: string[];
    };

const LEVELS = new Set(['verify', 'encr']);

/** An extension TLS_req checks: CN, CN:name, CS:name, CI:name, CITag:tag (one token), in any case. */
function knownExtension(tokens: readonly string[]): boolean {
  const [name, colon, ...rest] = tokens.map((t) => t.toLowerCase());
  if (name === 'cn' && colon === undefined) return true;
  if (colon !== ':' || rest.length === 0) return false;
  if (name === 'cn' || name === 'cs' || name === 'ci') return true;
  return name === 'citag' && rest.length === 1 && !OPERATOR.test(rest[0]!);
}

/**
 * What a TLS requirement value asks for. Measured: `VERIFY`, `VERIFY:bits`, `ENCR:bits`, each with an
 * optional `PERM+`/`TEMP+` before and `+ext++ext` after, are the only forms; anything else (`ENCR`
 * without bits, `VERIFY:`, `PERM ENCR:128`, `ENCR:128+`, a trailing `# comment`, a misspelling) makes
 * the ruleset answer OK to every connection, clear text too. ENCR:0 or less is met without STARTTLS.
 * The answer for a value is shared by every entry of that value: read it, do not change it.
 */
export function tlsRequirement(value: string): TlsRequirement {
  // A map repeats a few values (VERIFY, ENCR:128) over thousands of entries, and two rules ask for each.
  if (value.length > MAX_REMEMBERED_LENGTH) return readRequirement(value);
  let req = requirements.get(value);
  if (req === undefined) {
    if (requirements.size >= MAX_REMEMBERED) requirements.clear();
    // Read from a copy: the value is a slice of the file's text, which the strings of the answer
    // would otherwise keep alive after the file is linted.
    const own = detached(value);
    req = readRequirement(own);
    requirements.set(own, req);
  }
  return req;
}

/** The requirements of the values read last (of at most MAX_REMEMBERED_LENGTH characters), cleared when it holds MAX_REMEMBERED. */
const requirements = new Map<string, TlsRequirement>();
const MAX_REMEMBERED = 1024;
const MAX_REMEMBERED_LENGTH = 64;

function readRequirement(value: string): TlsRequirement {
  let t = tlsTokens(value);
  const head = t[0]?.toLowerCase();
  if ((head === 'perm' || head === 'temp') && t[1] === '+' && LEVELS.has(t[2]?.toLowerCase() ?? '')) t = t.slice(2);
  const level = t[0]?.toUpperCase();
  if (level !== 'VERIFY' && level !== 'ENCR') {
    if (head === 'perm' || head === 'temp') return { kind: 'none', reason: `${t[0]} must be followed by "+" and then VERIFY or ENCR` };
    return { kind: 'none', reason: 'it does not start with VERIFY or ENCR' };
  }
  const rest = t.slice(1);
  let bits = 0;
  let ext: string[] = [];
  if (rest.length === 0 && level === 'VERIFY') {
    // VERIFY alone.
  } else if (rest[0] === '+' && rest.length > 1 && level === 'VERIFY') {
    ext = rest.slice(1);
  } else if (rest[0] === ':' && rest[1] !== undefined && (rest.length === 2 || (rest[2] === '+' && rest.length > 3))) {
    // The bits are one token, any token (`ENCR:++CN` is 0 bits and CN); arith reads it as strtol does.
    bits = bitsOf(rest[1]);
    ext = rest.slice(3);
  } else {
    return { kind: 'none', reason: malformed(level, rest) };
  }
  // Extensions are separated by `++`; TLS_req checks them in turn and stops, accepting, at one it does not know.
  const items: string[][] = [[]];
  for (let i = 0; i < ext.length; i++) {
    if (ext[i] === '+' && ext[i + 1] === '+') {
      items.push([]);
      i++;
    } else items[items.length - 1]!.push(ext[i]!);
  }
  const texts = items.filter((x) => x.length > 0).map((x) => ({ tokens: x, text: x.join('') }));
  const stop = texts.findIndex((x) => !knownExtension(x.tokens));
  const checked = (stop < 0 ? texts : texts.slice(0, stop)).map((x) => x.text);
  const skipped = stop < 0 ? [] : texts.slice(stop).map((x) => x.text);
  // ENCR:0 (or less, or a word) with no extension it checks is met by a connection without STARTTLS.
  if (level === 'ENCR' && bits <= 0 && checked.length === 0) return { kind: 'none', reason: `ENCR:${rest[1]} asks for at least ${Math.max(bits, 0)} bits, which a connection without STARTTLS has` };
  return { kind: 'require', level, bits, checked, skipped, ...(stop < 0 ? {} : { unknown: texts[stop]!.text }) };
}

/** Why a value that starts with VERIFY or ENCR is not one of the forms, for messages. */
function malformed(level: string, rest: readonly string[]): string {
  if (rest.length === 0) return 'ENCR needs ":bits"';
  if (rest[0] === ':' && rest[1] === undefined) return `${level}: has no bits after the colon`;
  if (rest[0] === '+' && level === 'ENCR') return 'ENCR needs ":bits" before "+"';
  if (rest.includes('#')) return 'the access map has no comments after a value: "#" and what follows are part of it';
  return `"${rest.join('')}" after ${level} is neither ":bits" nor "+" and extensions`;
}

/** The tags whose values TLS_connection reads. */
export const TLS_REQUIREMENT_TAGS: ReadonlySet<string> = new Set(['tls_srv', 'tls_clt', 'tls_rcpt']);

/** The same tags as bits of an access table's tag codes (a code is below 32). */
const TLS_REQUIREMENT_BITS = (1 << tagCode('tls_srv')) | (1 << tagCode('tls_clt')) | (1 << tagCode('tls_rcpt'));

/** Whether an access table's tag code is one of TLS_REQUIREMENT_TAGS. */
export function isTlsRequirementTag(code: number): boolean {
  return ((TLS_REQUIREMENT_BITS >>> code) & 1) === 1;
}

/** Who a TLS requirement entry is about, for messages. */
export function requirementSubject(e: AccessEntry): string {
  const tag = e.tag.toLowerCase();
  const key = e.key === '' ? 'every host without an entry of its own' : e.key;
  if (tag === 'tls_srv') return `servers this host sends to (${key})`;
  if (tag === 'tls_clt') return `clients that send to this host (${key})`;
  return `mail to ${e.key === '' ? 'every recipient without an entry of its own' : e.key}`;
}

/**
 * A TLS_Rcpt key tls_rcpt never looks up. Measured: for <user@domain> it looks up `user@domain`,
 * `user@`, `domain` and its parent domains, then the bare tag; a key that starts with `@` or holds
 * `<` or `>` is none of these.
 */
export function unusedRcptKey(e: AccessEntry): string | undefined {
  if (e.tag.toLowerCase() !== 'tls_rcpt') return undefined;
  if (e.key.startsWith('@')) return `tls_rcpt looks up "user@domain", "user@" and "domain", never "@domain": write ${e.tag}:${e.key.slice(1)}`;
  if (/[<>]/.test(e.key)) return 'tls_rcpt looks up addresses without angle brackets';
  return undefined;
}

/** How far a `Try_TLS:key NO` entry reaches. */
export type TryTlsReach =
  /** The bare tag: every server without an entry of its own. */
  | { kind: 'all' }
  /** A top-level domain or registry suffix, or an IPv4 prefix of one octet (IPv6: one group). */
  | { kind: 'broad'; what: string }
  | { kind: 'narrow'; what: string };

/**
 * Whether an entry turns STARTTLS off for deliveries, and for whom. Measured: try_tls looks up
 * `Try_TLS:` plus ${server_name} and each parent domain (`mx.example.com`, `example.com`, `com`), then
 * ${server_addr} and each shorter prefix (`10.9.8.7` … `10`), then the bare tag; only the value NO
 * (any case, nothing after it) makes it answer $#error, and deliver() then skips STARTTLS.
 */
export function tryTlsOff(e: AccessEntry): TryTlsReach | undefined {
  if (e.tag.toLowerCase() !== 'try_tls') return undefined;
  const words = tlsTokens(e.value);
  if (words.length !== 1 || words[0]!.toUpperCase() !== 'NO') return undefined;
  const key = e.key.toLowerCase();
  if (key === '') return { kind: 'all' };
  // Measured: the lookups strip whole labels, so a key with a leading dot (`.com`) is never looked up.
  if (key.startsWith('.')) return undefined;
  const address = addressKey(key);
  if (address?.kind === 'ipv4') return address.bits <= 8 ? { kind: 'broad', what: `every server in ${address.octets[0]}.0.0.0/8` } : { kind: 'narrow', what: `the servers whose address starts with ${key}` };
  if (address?.kind === 'ipv6') return address.bits <= 16 ? { kind: 'broad', what: `every server in ${address.groups.join(':')}::/${address.bits}` } : { kind: 'narrow', what: `the servers in ${address.groups.join(':')}::/${address.bits}` };
  if (address?.kind === 'never' || address?.kind === 'invalid') return undefined;
  if (address) return { kind: 'narrow', what: `the server ${e.key}` };
  const suffix = publicSuffix(key);
  if (suffix) return { kind: 'broad', what: `every server whose name ends in .${suffix}` };
  return { kind: 'narrow', what: `${e.key} and every host under it` };
}
