import type { SourceFile } from '../core/source.js';
import type { ParseProblem, Span } from '../core/types.js';
import { withoutPasswords } from '../core/secrets.js';

export type AccessAction = 'RELAY' | 'OK' | 'REJECT' | 'DISCARD' | 'ERROR' | 'SKIP' | 'QUARANTINE' | 'OTHER';

/** One `key value` line of /etc/mail/access (the makemap source). */
export interface AccessEntry {
  line: number;
  span: Span;
  /** Tag before the colon (`Connect`, `From`, `To`, `Spam`, …) or '' for an untagged key. */
  tag: string;
  /** The key without its tag, as written. */
  key: string;
  keySpan: Span;
  value: string;
  valueSpan: Span;
  action: AccessAction;
}

export interface AccessDocument {
  kind: 'access';
  file: SourceFile;
  entries: AccessEntry[];
  problems: ParseProblem[];
}

/**
 * The most entries (and lines without a value) a document keeps: each is an object of about 400 bytes,
 * from as little as 4 bytes of input. A big site's map has tens of thousands.
 */
export const MAX_ACCESS_ENTRIES = 262_144;

/** Tags the access map knows (cf/README "access database"); a key with another prefix is an address. */
const TAGS = new Set(['connect', 'from', 'to', 'spam', 'greetpause', 'clientrate', 'clientconn', 'srv_features', 'clt_features', 'try_tls', 'tls_clt', 'tls_srv', 'tls_rcpt', 'ehlo', 'compat', 'bcc', 'auth', 'quarantine', 'mta-sts']);

/**
 * Reads the access map source the way makemap does: `#` lines and blank lines are skipped; the key is
 * the first word and the value the rest of the line after the blanks that follow it.
 */
export function parseAccess(file: SourceFile): AccessDocument {
  const doc: AccessDocument = { kind: 'access', file, entries: [], problems: [] };
  for (let line = 1; line <= file.lineCount; line++) {
    const raw = file.line(line);
    const text = raw.replace(/\r$/, '');
    if (text.trim() === '' || text.startsWith('#')) continue;
    if (doc.entries.length + doc.problems.length >= MAX_ACCESS_ENTRIES) {
      doc.problems.push({ message: `more than ${MAX_ACCESS_ENTRIES.toLocaleString('en-US')} entries: mailharden reads the first ${MAX_ACCESS_ENTRIES.toLocaleString('en-US')} and checks none from this line on`, span: file.lineSpan(line) });
      break;
    }
    const m = /^(\S+)([ \t]+)(.*?)[ \t]*$/.exec(text);
    if (!m) {
      // `AuthInfo:host"U:me""P:secret"` (no blank) is all key: its password is not quoted (core/secrets.ts).
      doc.problems.push({ message: `key "${withoutPasswords(text.trim())}" has no value`, span: file.lineSpan(line) });
      continue;
    }
    const fullKey = m[1]!;
    const colon = fullKey.indexOf(':');
    const maybeTag = colon > 0 ? fullKey.slice(0, colon) : '';
    const isTag = maybeTag !== '' && TAGS.has(maybeTag.toLowerCase()) && !/^ipv6$/i.test(maybeTag);
    const tag = isTag ? maybeTag : '';
    const key = isTag ? fullKey.slice(colon + 1) : fullKey;
    const keyCol = isTag ? colon + 2 : 1;
    const valueCol = fullKey.length + m[2]!.length + 1;
    const value = m[3]!;
    doc.entries.push({
      line,
      span: file.span(line, 1, text.length),
      tag,
      key,
      keySpan: file.span(line, keyCol, key.length),
      value,
      valueSpan: file.span(line, valueCol, value.length),
      action: actionOf(value),
    });
  }
  return doc;
}

function actionOf(value: string): AccessAction {
  const word = /^[A-Za-z]+/.exec(value)?.[0]?.toUpperCase() ?? '';
  switch (word) {
    case 'RELAY':
    case 'OK':
    case 'REJECT':
    case 'DISCARD':
    case 'SKIP':
    case 'QUARANTINE':
      return word;
    case 'ERROR':
      return 'ERROR';
    default:
      return /^[45]\d\d\b/.test(value) ? 'ERROR' : 'OTHER';
  }
}
