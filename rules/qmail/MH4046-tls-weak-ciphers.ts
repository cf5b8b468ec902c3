import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';
import { controlFile } from '../../src/host/qmail-paths.js';

/** OpenSSL cipher-string aliases that add broken suites: no encryption, no authentication, 40/56-bit, RC4, single DES, MD5 MACs. */
const WEAK_ALIASES: Readonly<Record<string, string>> = {
  NULL: 'no encryption at all',
  eNULL: 'no encryption at all',
  aNULL: 'no server authentication (anyone in the path can intercept)',
  ADH: 'anonymous Diffie-Hellman: no server authentication',
  AECDH: 'anonymous ECDH: no server authentication',
  COMPLEMENTOFALL: 'the suites without encryption',
  COMPLEMENTOFDEFAULT: 'the anonymous suites',
  EXPORT: '40- and 56-bit export suites (FREAK, Logjam)',
  EXP: '40- and 56-bit export suites (FREAK, Logjam)',
  EXPORT40: '40-bit export suites',
  EXPORT56: '56-bit export suites',
  LOW: '56- and 64-bit suites (single DES)',
  RC4: 'RC4, broken (RFC 7465 forbids it)',
  RC2: 'RC2, 40- and 56-bit',
  DES: 'single DES, 56-bit',
  MD5: 'MD5 MACs',
  SSLv2: 'SSLv2 suites (DROWN)',
  SSLv3: 'every suite of SSLv3, RC4, DES and EXPORT ones included where the library still has them',
};

/** The part of a single suite name that makes it weak. */
const WEAK_NAME = /(^|-)(NULL|EXP|RC4|RC2|MD5|ADH|AECDH)(-|$)|(^|-)DES-CBC-|anon/;

/** The two control files of qmail-tls, and which program reads each. */
const FILES = [
  { name: 'tlsserverciphers', side: 'qmail-smtpd offers' },
  { name: 'tlsclientciphers', side: 'qmail-remote offers' },
] as const;

export default defineRule({
  meta: {
    id: 'MH4046',
    slug: 'tls-weak-ciphers',
    kinds: ['host'],
    description: 'The cipher lists of qmail-tls (control/tlsserverciphers, control/tlsclientciphers) must not enable suites without encryption or authentication, export-grade, RC4, single-DES or MD5 ones.',
    severity: 'medium',
    tags: ['qmail', 'tls', 'host'],
    references: ['qmail-tls:tlsserverciphers', 'RFC:7465', 'CVE:2015-0204'],
    messages: {
      weak: '{path} enables "{token}" ({what}): {side} these suites, and a client or man in the middle can choose them',
      all: '{path} enables "ALL" without "!aNULL": {side} the anonymous suites, which authenticate nobody',
    },
    fix: 'put a current list on one line, e.g. HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES, or remove the file to use OpenSSL\'s default',
  },
  check(host, ctx) {
    const { tree } = host;
    for (const { name, side } of FILES) {
      const path = controlFile(host, name);
      if (!tree.file(path)) continue;
      const real = tree.resolve(path)!;
      const text = tree.read(real, 1 << 16) ?? '';
      // qmail-tls reads the file with control_readfile and joins its lines with ":".
      const tokens: { token: string; span: Span }[] = [];
      text.split('\n').forEach((line, i) => {
        if (line.startsWith('#')) return;
        for (const m of line.matchAll(/[^:, \t\r]+/g)) {
          const column = m.index + 1;
          tokens.push({ token: m[0], span: { start: { line: i + 1, column }, end: { line: i + 1, column: column + m[0].length } } });
        }
      });
      // "!X" removes X for good, wherever it stands; "-X" and "+X" only move or drop what is there.
      const removed = new Set(tokens.filter((t) => t.token.startsWith('!')).map((t) => t.token.slice(1)));
      for (const { token, span } of tokens) {
        if (/^[!+-]/.test(token)) continue;
        for (const part of token.split('+')) {
          const what = Object.hasOwn(WEAK_ALIASES, part) ? WEAK_ALIASES[part] : WEAK_NAME.test(part) ? 'a broken suite' : undefined;
          if (what !== undefined && !removed.has(part)) ctx.report({ messageId: 'weak', data: { path: real, token: part, what, side }, path: real, span });
          if (part === 'ALL' && !removed.has('aNULL') && !removed.has('ADH') && !removed.has('NULL')) ctx.report({ messageId: 'all', data: { path: real, side }, path: real, span });
        }
      }
    }
  },
});
