import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { lintParsed } from '../src/core/engine.js';
import { withoutPasswords } from '../src/core/secrets.js';
import type { AnyRule } from '../src/core/rule.js';
import { SourceFile } from '../src/core/source.js';
import type { ParseProblem } from '../src/core/types.js';
import { lintOptions, lintText } from '../src/lint/text.js';
import { addressKey, isBroad, isOpen, relayCover, type AddressKey } from '../src/model/access.js';
import { requirementSubject, tlsRequirement, tryTlsOff, unusedRcptKey } from '../src/model/access-tls.js';
import { connectionLimit } from '../src/model/connection-limits.js';
import { srvFeatureFlags, UNSAFE_SRV_FEATURES } from '../src/model/sendmail-auth.js';
import { parseAccess, type AccessAction, type AccessDocument, type AccessEntry } from '../src/parsers/access.js';
import { prng } from './helpers/prng.js';

/**
 * The access map is kept as numbers (AccessTable) and its rules make an entry's strings and spans only
 * for the entries they judge. These tests compare that with the plain way it was done before: the
 * parser below reads each line with the regular expressions that define the format into an object
 * per entry, and the rules below are the loops over those objects that the access rules were; the
 * findings of both must be the same, on generated maps full of what makes the scanner's work hard
 * (tags in any case, unknown tags, blanks and CRs where they should not be, characters beyond ASCII,
 * Unicode blanks, action words and SMTP codes at their edges) and on the fixtures.
 */

const TAGS = new Set(['connect', 'from', 'to', 'spam', 'greetpause', 'clientrate', 'clientconn', 'srv_features', 'clt_features', 'try_tls', 'tls_clt', 'tls_srv', 'tls_rcpt', 'ehlo', 'compat', 'bcc', 'auth', 'quarantine', 'mta-sts']);

function plainAction(value: string): AccessAction {
  const word = /^[A-Za-z]+/.exec(value)?.[0]?.toUpperCase() ?? '';
  if (['RELAY', 'OK', 'REJECT', 'DISCARD', 'SKIP', 'QUARANTINE', 'ERROR'].includes(word)) return word as AccessAction;
  return /^[45]\d\d\b/.test(value) ? 'ERROR' : 'OTHER';
}

/** The parser as it was: a regular expression per line, an object per entry and per problem. */
function plainParse(file: SourceFile, max: number): { entries: AccessEntry[]; problems: ParseProblem[] } {
  const entries: AccessEntry[] = [];
  const problems: ParseProblem[] = [];
  for (let line = 1; line <= file.lineCount; line++) {
    const text = file.line(line).replace(/\r$/, '');
    if (text.trim() === '' || text.startsWith('#')) continue;
    if (entries.length + problems.length >= max) {
      problems.push({ message: `more than ${max.toLocaleString('en-US')} entries: mailharden reads the first ${max.toLocaleString('en-US')} and checks none from this line on`, span: file.lineSpan(line) });
      break;
    }
    const m = /^(\S+)([ \t]+)(.*?)[ \t]*$/.exec(text);
    if (!m) {
      problems.push({ message: `key "${withoutPasswords(text.trim())}" has no value`, span: file.lineSpan(line) });
      continue;
    }
    const fullKey = m[1]!;
    const colon = fullKey.indexOf(':');
    const maybeTag = colon > 0 ? fullKey.slice(0, colon) : '';
    const isTag = maybeTag !== '' && TAGS.has(maybeTag.toLowerCase());
    const tag = isTag ? maybeTag : '';
    const key = isTag ? fullKey.slice(colon + 1) : fullKey;
    const keyCol = isTag ? colon + 2 : 1;
    const valueCol = fullKey.length + m[2]!.length + 1;
    const value = m[3]!;
    entries.push({ line, span: file.span(line, 1, text.length), tag, key, keySpan: file.span(line, keyCol, key.length), value, valueSpan: file.span(line, valueCol, value.length), action: plainAction(value) });
  }
  return { entries, problems };
}

type Check = (doc: { entries: AccessEntry[] }, ctx: Parameters<AnyRule['check']>[1]) => void;

/** The access rules' loops as they were, over the entry objects. */
const PLAIN_CHECKS: Record<string, Check> = {
  MH3001(doc, ctx) {
    for (const e of doc.entries) {
      const cover = relayCover(e);
      const entry = e.tag ? `${e.tag}:${e.key}` : e.key;
      if (cover?.kind === 'nothing') ctx.report({ messageId: 'nothing', data: { entry, reason: cover.reason }, span: e.span, severity: 'medium', fix: 'delete the entry, and list the networks that may relay instead' });
      else if (cover?.kind === 'network' && isBroad(cover) && !isOpen(cover) && cover.space !== 'loopback') ctx.report({ messageId: 'network', data: { entry, cidr: cover.cidr, addresses: cover.addresses, space: cover.space }, span: e.keySpan, subject: cover.cidr });
    }
  },
  MH3002(doc, ctx) {
    for (const e of doc.entries) if (e.action === 'RELAY' && e.tag.toLowerCase() === 'from') ctx.report({ messageId: 'from', data: { key: e.key }, span: e.keySpan });
  },
  MH3003(doc, ctx) {
    const effect: Record<string, string> = {
      connect: 'every client whose host name ends in it may relay anywhere',
      to: 'anyone may relay mail to every address under it',
      '': 'every client whose host name ends in it may relay anywhere, and anyone may relay mail to every address under it',
    };
    for (const e of doc.entries) {
      const cover = relayCover(e);
      const entry = e.tag ? `${e.tag}:${e.key}` : e.key;
      if (cover?.kind === 'suffix') ctx.report({ messageId: 'suffix', data: { entry, suffix: cover.suffix, effect: effect[e.tag.toLowerCase()] ?? '' }, span: e.keySpan });
      else if (cover?.kind === 'network' && isOpen(cover)) ctx.report({ messageId: 'network', data: { entry, cidr: cover.cidr, addresses: cover.addresses, space: cover.space }, span: e.keySpan });
    }
  },
  MH3004(doc, ctx) {
    for (const e of doc.entries) {
      const reach = tryTlsOff(e);
      if (!reach) continue;
      const entry = `${e.tag}:${e.key}`;
      if (reach.kind === 'all') ctx.report({ messageId: 'all', data: { entry }, span: e.span, severity: 'high' });
      else ctx.report({ messageId: 'off', data: { entry, who: reach.what }, span: e.span, ...(reach.kind === 'broad' ? { severity: 'high' as const } : {}) });
    }
  },
  MH3005(doc, ctx) {
    for (const e of doc.entries) {
      if (!['tls_srv', 'tls_clt', 'tls_rcpt'].includes(e.tag.toLowerCase())) continue;
      const entry = `${e.tag}:${e.key}`;
      const unused = unusedRcptKey(e);
      if (unused) {
        ctx.report({ messageId: 'key', data: { entry, reason: unused, value: e.value }, span: e.keySpan });
        continue;
      }
      const req = tlsRequirement(e.value);
      if (req.kind === 'none') ctx.report({ messageId: 'none', data: { entry, value: e.value, who: requirementSubject(e), reason: req.reason }, span: e.valueSpan });
      else if (req.unknown !== undefined) {
        const skipped = req.skipped.length === 1 ? 'it' : `it or ${req.skipped.slice(1).map((s) => `"${s}"`).join(', ')}`;
        ctx.report({ messageId: 'unknown', data: { entry, value: e.value, unknown: req.unknown, skipped }, span: e.valueSpan });
      }
    }
  },
  MH3006(doc, ctx) {
    for (const e of doc.entries) {
      if (!['tls_srv', 'tls_clt', 'tls_rcpt'].includes(e.tag.toLowerCase())) continue;
      const req = tlsRequirement(e.value);
      if (req.kind !== 'require' || req.bits <= 0 || req.bits >= 128) continue;
      ctx.report({ messageId: 'weak', data: { entry: `${e.tag}:${e.key}`, value: e.value, who: requirementSubject(e), bits: String(req.bits), min: '128' }, span: e.valueSpan });
    }
  },
  MH1096(doc, ctx) {
    for (const e of doc.entries) {
      const limit = connectionLimit(e);
      if (!limit || limit.plain) continue;
      const data = { tag: e.tag, key: e.key, value: e.value, read: String(limit.read), who: e.key === '' ? 'every client without an entry of its own' : 'it' };
      if (limit.read <= 0) ctx.report({ messageId: 'refuses', data, span: e.valueSpan });
      else ctx.report({ messageId: 'misread', data, span: e.valueSpan, severity: 'low' });
    }
  },
  MH1090(doc, ctx) {
    for (const e of doc.entries) {
      if (e.tag.toLowerCase() !== 'srv_features') continue;
      const unsafe = srvFeatureFlags(e.value).filter((f) => UNSAFE_SRV_FEATURES.has(f));
      if (unsafe.length > 0) ctx.report({ messageId: 'unsafe', data: { flags: e.value, why: unsafe.map((f) => UNSAFE_SRV_FEATURES.get(f)).join('; ') }, span: e.valueSpan, subject: unsafe.join('') });
    }
  },
};

/** The enabled rules of the access kind with the plain loops in place of the rules' own checks. */
const accessRules = rules.filter((r) => r.meta.kinds.includes('access'));
const plainRules = accessRules.map((r) => (PLAIN_CHECKS[r.meta.id] ? ({ ...r, check: PLAIN_CHECKS[r.meta.id] } as AnyRule) : r));

function plainFindings(path: string, text: string, max = 8_388_608) {
  const file = new SourceFile(path, text);
  const { entries, problems } = plainParse(file, max);
  const doc = { kind: 'access', file, entries, problems } as unknown as AccessDocument;
  return lintParsed(file, 'access', doc, lintOptions(plainRules));
}

function generator(seed: number): (lines: number) => string {
  const r = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const tag = () => pick(['', '', 'Connect:', 'connect:', 'CONNECT:', 'From:', 'from:', 'To:', 'Spam:', 'ClientRate:', 'clientconn:', 'TLS_Clt:', 'tls_srv:', 'TLS_Rcpt:', 'Try_TLS:', 'try_tls:', 'Srv_Features:', 'GreetPause:', 'MTA-STS:', 'Quarantine:', 'IPv6:', 'Connects:', 'X:', ':', 'Connect::', 'connect\u212a:']);
  const key = () =>
    pick(['', '10', '10.1', '127', '0', '010', '192.168', '1', '172.16.0', '255.255.255.255', '300', 'IPv6:2001', 'ipv6:fe80', 'IPv6:2001:db8::1', 'IPv6:zz', 'com', '.com', 'co.uk', 'Example.COM', 'mx.example', 'user@', '@example.com', '<a@b>', 'a@b.example', 'xn--p1ai', 'é.example', 'a:b', '.']);
  const value = () =>
    pick([
      'RELAY', 'relay', 'Relay', 'OK', 'ok', 'REJECT', 'DISCARD', 'SKIP', 'QUARANTINE', 'ERROR:"550 5.7.1 no"', 'ERROR', 'OKAY', 'RELAYS', 'REL AY', '550', '550 no', '5500', '550_x', '550-x', '450', '650 x', '55', '4xx',
      'VERIFY', 'VERIFY:128', 'ENCR:56', 'ENCR', 'ENCR:128+CN:x', 'PERM+VERIFY:112', 'VERIFY:128 # c', 'NO', 'no', 'NO x', '10', '0', '00', 'ten', '5x', '0x10', '-1', 'G O', 'A o', 'F', 'V',
      '', 'é', 'OK\u00a0', 'RELAY\r', 'RELAY\v', '\u2028RELAY',
    ]);
  const blank = () => pick([' ', '\t', '  ', '\t\t', ' \t ']);
  const line = () =>
    pick([
      () => `${tag()}${key()}${blank()}${value()}`,
      () => `${tag()}${key()}${blank()}${value()}`,
      () => `${tag()}${key()}${blank()}${value()}`,
      () => `${tag()}${key()}${blank()}${value()}${blank()}`,
      () => `${tag()}${key()}${blank()}${value()}\r`,
      () => `${tag()}${key()}${blank()}${value()}\r\r`,
      () => `${blank()}${tag()}${key()} ${value()}`,
      () => `${tag()}${key()}`,
      () => `${tag()}${key()}\u00a0${value()}`,
      () => `${tag()}${key()}\v${value()}`,
      () => pick(['# comment', '#', '', ' ', '\t', '\r', ' \r', '\u00a0', '\f', ' # not a comment', 'x\u2028y z', 'AuthInfo:mx.example"U:me""P:secret"', 'AuthInfo:h"P:pw"\r']),
    ])();
  return (lines) => `${Array.from({ length: lines }, line).join('\n')}${r() < 0.8 ? '\n' : ''}`;
}

/** The IPv4 part of addressKey as it was, with regular expressions and arrays. */
function plainAddressKey(key: string): AddressKey | undefined {
  if (!/^\d{1,3}(?:\.\d{1,3}){0,3}$/.test(key)) return undefined;
  const parts = key.split('.');
  if (parts.some((p) => p.length > 1 && p.startsWith('0'))) return { kind: 'never', why: 'leading-zero', reason: 'sendmail writes addresses without leading zeros, so it never matches' };
  const octets = parts.map(Number);
  if (octets.some((o) => o > 255)) return { kind: 'never', why: 'octet-range', reason: 'no address has an octet above 255, so it never matches' };
  const bits = octets.length * 8;
  const net = [0, 1, 2, 3].reduce((n, k) => n * 256 + (octets[k] ?? 0), 0);
  const cidr = `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${bits}`;
  if (octets[0] === 0) return { kind: 'never', why: 'this-network', reason: `no client connects from ${cidr}` };
  return { kind: 'ipv4', octets, net, bits };
}

describe('access: the compact table and its rules find what the entry objects find', () => {
  it('addressKey reads dotted keys as the regular expression did, on 50,000 strings of digits and dots', () => {
    const r = prng(7);
    for (let k = 0; k < 50_000; k++) {
      let key = '';
      const n = Math.floor(r() * 18);
      for (let i = 0; i < n; i++) key += '0123456789.....x'[Math.floor(r() * 16)];
      if (key.startsWith('ipv6:') || /[^0-9.]/.test(key)) continue;
      assert.deepEqual(addressKey(key), plainAddressKey(key), key);
    }
    for (const key of ['0', '00', '255.255.255.255', '256', '1.2.3.4.5', '1..2', '.1', '1.', '1234', '0.0.0.0', '10.0.0.1', '127', '08.1']) assert.deepEqual(addressKey(key), plainAddressKey(key), key);
  });

  it('entries, problems and findings on 600 generated maps', () => {
    for (let seed = 1; seed <= 600; seed++) {
      const text = generator(seed)(1 + (seed % 80));
      const where = `seed ${seed}: ${JSON.stringify(text)}`;
      const file = new SourceFile('access', text);
      const doc = parseAccess(file);
      const plain = plainParse(file, 8_388_608);
      assert.deepEqual(doc.entries, plain.entries, where);
      assert.deepEqual([...doc.problems], plain.problems, where);
      assert.equal(doc.problems.length, plain.problems.length, where);
      assert.deepEqual(lintText(text, 'access', accessRules, { path: 'access' }), plainFindings('access', text), where);
    }
  });

  it('the fixtures and the example map', () => {
    const dir = join(import.meta.dirname, '..', '..', 'fixtures', 'access');
    const files = [...readdirSync(dir).map((f) => join(dir, f)), join(import.meta.dirname, '..', '..', 'examples', 'etc', 'mail', 'access')];
    for (const path of files) {
      const text = readFileSync(path, 'utf8');
      const found = lintText(text, 'access', accessRules, { path: 'access' });
      assert.deepEqual(found, plainFindings('access', text), path);
      assert.ok(found.length > 0 || path.endsWith('etc/mail/access'), path);
    }
  });

  it('a map of 300,000 entries is checked to its end (the parser stopped at 262,144 entries before)', () => {
    const lines: string[] = [];
    for (let i = 0; i < 300_000; i++) lines.push(`Connect:192.0.${(i >> 8) & 255}.${i & 255}\tREJECT`);
    lines.push('From:boss@example.com\tRELAY');
    const text = `${lines.join('\n')}\n`;
    const found = lintText(text, 'access', accessRules, { path: 'access' });
    assert.deepEqual(
      found.map((f) => `${f.line} ${f.ruleId}`),
      ['300001 MH3002'],
    );
    assert.equal(parseAccess(new SourceFile('access', text)).table.count, 300_001);
  });
});
