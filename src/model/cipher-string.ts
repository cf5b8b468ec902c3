/**
 * What an OpenSSL cipher string (sendmail's CipherList, ciphers(1)) may enable, judged conservatively:
 * a finding must never be missed, so every alias is taken to add the weak suites it adds in any OpenSSL
 * from 1.1.1 to 3.x with weak ciphers compiled in. Debian 12's OpenSSL 3.0 has no RC4, 3DES, single-DES
 * or export suite at all (`openssl ciphers -v ALL` lists none), so only aNULL, eNULL and MD5 can be
 * checked against it; test/sendmail-tls.test.ts does that for every alias of the table.
 */

/** The kinds of broken suites, in the order messages name them. */
export const WEAK_CLASSES = ['aNULL', 'eNULL', 'EXPORT', 'RC4', '3DES', 'DES', 'MD5'] as const;
export type WeakClass = (typeof WEAK_CLASSES)[number];

/** What each kind means, for messages. */
export const WEAK_CLASS_TEXT: Readonly<Record<WeakClass, string>> = {
  aNULL: 'anonymous suites, which authenticate no server',
  eNULL: 'suites without encryption',
  EXPORT: '40- and 56-bit export suites',
  RC4: 'RC4 (RFC 7465)',
  '3DES': '3DES (64-bit blocks, Sweet32)',
  DES: 'single DES',
  MD5: 'MD5 MACs',
};

const ALL_WEAK: readonly WeakClass[] = WEAK_CLASSES;

/**
 * The weak kinds an alias may add. Measured on OpenSSL 3.0 for aNULL, eNULL and MD5; RC4, 3DES, DES and
 * EXPORT from the suites OpenSSL 1.1.1 defines under the alias. An alias not listed is taken to add all.
 */
const MAY_ADD: Readonly<Record<string, readonly WeakClass[]>> = {
  ALL: ['aNULL', 'RC4', '3DES', 'DES', 'MD5'],
  DEFAULT: [],
  COMPLEMENTOFALL: ['aNULL', 'eNULL', 'MD5'],
  COMPLEMENTOFDEFAULT: ['aNULL', 'RC4', '3DES', 'DES', 'MD5'],
  HIGH: ['aNULL'],
  MEDIUM: ['RC4', '3DES', 'aNULL', 'MD5'],
  LOW: ['DES', 'aNULL', 'MD5'],
  EXP: ['EXPORT', 'aNULL', 'RC4', 'DES', 'MD5'],
  EXPORT: ['EXPORT', 'aNULL', 'RC4', 'DES', 'MD5'],
  EXPORT40: ['EXPORT', 'aNULL', 'RC4', 'DES', 'MD5'],
  EXPORT56: ['EXPORT', 'aNULL', 'RC4', 'DES', 'MD5'],
  NULL: ['eNULL', 'aNULL', 'MD5'],
  eNULL: ['eNULL', 'aNULL', 'MD5'],
  aNULL: ALL_WEAK,
  ADH: ['aNULL', 'RC4', '3DES', 'DES', 'EXPORT', 'MD5'],
  AECDH: ['aNULL', 'eNULL', 'RC4', '3DES'],
  RC4: ['RC4', 'MD5', 'aNULL', 'EXPORT'],
  '3DES': ['3DES', 'aNULL'],
  DES: ['DES', 'EXPORT', 'aNULL'],
  MD5: ['MD5', 'eNULL', 'RC4', 'aNULL', 'EXPORT', 'DES'],
  kRSA: ['eNULL', 'MD5', 'RC4', '3DES', 'EXPORT', 'DES'],
  RSA: ['eNULL', 'MD5', 'RC4', '3DES', 'EXPORT', 'DES'],
  aRSA: ['eNULL', 'MD5', 'RC4', '3DES', 'EXPORT', 'DES'],
  EDH: ['3DES', 'EXPORT', 'DES'],
  DHE: ['3DES', 'EXPORT', 'DES'],
  ECDHE: ['eNULL', 'RC4', '3DES'],
  EECDH: ['eNULL', 'RC4', '3DES'],
  aECDSA: ['eNULL', 'RC4', '3DES'],
  ECDSA: ['eNULL', 'RC4', '3DES'],
  AES: ['aNULL'],
  AES128: ['aNULL'],
  AES256: ['aNULL'],
  AESGCM: ['aNULL'],
  CAMELLIA: ['aNULL'],
  CAMELLIA128: ['aNULL'],
  CAMELLIA256: ['aNULL'],
  SHA256: ['aNULL', 'eNULL'],
  SHA384: ['aNULL', 'eNULL'],
  'TLSv1.2': ['aNULL', 'eNULL'],
  CHACHA20: [],
  AESCCM: [],
  AESCCM8: [],
  ARIA: [],
  ARIA128: [],
  ARIA256: [],
  ARIAGCM: [],
  SUITEB128: [],
  SUITEB128ONLY: [],
  SUITEB192: [],
};

/** The weak kinds a `-` or `!` before an alias removes entirely: only an alias that names the whole kind. */
const REMOVES: Readonly<Record<string, readonly WeakClass[]>> = {
  aNULL: ['aNULL'],
  eNULL: ['eNULL'],
  NULL: ['eNULL'],
  EXP: ['EXPORT'],
  EXPORT: ['EXPORT'],
  RC4: ['RC4'],
  '3DES': ['3DES'],
  DES: ['DES'],
  LOW: ['DES'],
  MD5: ['MD5'],
};

/** The weak kinds a single suite name (`ECDHE-RSA-AES128-SHA`, `ADH-DES-CBC3-SHA`) belongs to. */
function suiteClasses(name: string): WeakClass[] {
  const out: WeakClass[] = [];
  if (/(^|-)(ADH|AECDH)(-|$)|anon/i.test(name)) out.push('aNULL');
  if (/(^|-)NULL(-|$)/.test(name)) out.push('eNULL');
  if (/(^|-)EXP1024-|(^|-)EXP-/.test(name)) out.push('EXPORT');
  if (/(^|-)RC4(-|$)/.test(name)) out.push('RC4');
  if (/DES-CBC3|3DES/.test(name)) out.push('3DES');
  if (/(^|-)DES-CBC-/.test(name)) out.push('DES');
  if (/(^|-)MD5$/.test(name)) out.push('MD5');
  return out;
}

/** The weak kinds one word of a cipher string may add (`A+B` is the suites in both A and B). */
function mayAdd(word: string): Set<WeakClass> {
  const parts = word.split('+').filter(Boolean);
  let out: Set<WeakClass> | undefined;
  for (const part of parts) {
    const classes = Object.hasOwn(MAY_ADD, part) ? MAY_ADD[part]! : /^[A-Z0-9]+(-[A-Z0-9]+)+$/.test(part) ? suiteClasses(part) : ALL_WEAK;
    out = out ? new Set(classes.filter((c) => out!.has(c))) : new Set(classes);
  }
  return out ?? new Set();
}

/** The weak kinds a cipher string may enable, each with the first word that adds it. */
export function weakCiphers(list: string): Map<WeakClass, string> {
  const words = list.split(/[:, \t]+/).filter(Boolean);
  // "!X" removes X for good, wherever it stands; "-X" removes what is there now; "+X" only moves.
  const killed = new Set<WeakClass>();
  for (const w of words) if (w.startsWith('!')) for (const c of REMOVES[w.slice(1)] ?? []) killed.add(c);
  const enabled = new Map<WeakClass, string>();
  for (const w of words) {
    if (w.startsWith('@') || w.startsWith('!') || w.startsWith('+')) continue;
    if (w.startsWith('-')) {
      for (const c of REMOVES[w.slice(1)] ?? []) enabled.delete(c);
      continue;
    }
    for (const c of mayAdd(w)) if (!killed.has(c) && !enabled.has(c)) enabled.set(c, w);
  }
  return new Map(WEAK_CLASSES.filter((c) => enabled.has(c)).map((c) => [c, enabled.get(c)!]));
}
