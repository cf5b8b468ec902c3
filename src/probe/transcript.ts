import { SourceFile } from '../core/source.js';
import type { Span } from '../core/types.js';

/**
 * A dialogue written down as text, one line per protocol line: `S: ` what the server sent,
 * `C: ` what the client sent, `T: ` what the TLS layer showed (`T: handshake TLSv1.3 …`, the
 * certificate's fields, the protocol versions tried), `#` comments; `# connection N: …` starts
 * another connection to the same server. The probe writes one while it talks to a server; probe
 * rules read it back with parseTranscript(), so findings point at the server's own words (the
 * transcript is the "file" the text formatter quotes), and a saved transcript can be checked offline.
 */

/** One reply line: its text and the transcript line it is on. */
export interface ReplyLine {
  text: string;
  line: number;
}

export interface Reply {
  /** The final line's code (informational 0xx lines come before it and do not end a reply). */
  code: number;
  lines: ReplyLine[];
}

export interface Exchange {
  /** The command as sent; '' for the greeting. */
  command: string;
  /** Upper-case first word (`EHLO`, `MAIL`), '' for the greeting. */
  verb: string;
  /** Transcript line of the command (of the first reply line for the greeting). */
  line: number;
  /** Undefined when the server closed the connection before answering. */
  reply?: Reply;
  /** Sent inside TLS (after a `T: handshake` line of the same connection). */
  tls: boolean;
  /** 1 for the first connection, then as the `# connection N` lines count. */
  connection: number;
}

/** A `T: ` line: the key (`handshake`, `subject`, `not-after`, `try TLSv1`) and the rest of the line. */
export interface TlsFact {
  key: string;
  value: string;
  line: number;
  connection: number;
}

export type ProbeProtocol = 'smtp' | 'pop3' | 'imap';

/** The keys of `T: ` lines whose key is two words (`try TLSv1 accepted …`). */
const TWO_WORD_KEYS = new Set(['try']);

export interface ProbeDocument {
  kind: 'probe';
  file: SourceFile;
  /** `host:port` as probed. */
  target: string;
  /** The address connected to, from the transcript's first comment (`(address 127.0.0.1)`); '' when unknown. */
  address: string;
  exchanges: Exchange[];
  /** The first exchange with this verb ('' is the greeting): the first connection's, when it has one. */
  find(verb: string): Exchange | undefined;
  /** The first exchange with this verb inside the main TLS session (the first handshake's connection). */
  findTls(verb: string): Exchange | undefined;
  /** EHLO keywords (upper case) → their parameters, from the first EHLO reply; empty when EHLO was refused. */
  extensions: Map<string, string[]>;
  /** The same from the first EHLO inside TLS; undefined when there was none. */
  extensionsTls?: Map<string, string[]>;
  /** A TLS handshake completed (STARTTLS, STLS or implicit TLS). */
  tls: boolean;
  /** What the TLS layer showed (`T: ` lines), in order. */
  facts: TlsFact[];
  /** The first fact with this key of the main TLS session (or, for `try …` keys, of any connection). */
  fact(key: string): TlsFact | undefined;
  /** `smtp`, `pop3` or `imap`: from the first line (`# mailharden probe of pop3://…`), else from the path's extension. */
  protocol: ProbeProtocol;
}

/** Whether a reply line ends its reply: a 2xx–5xx code followed by a space or the line's end. */
export function isFinal(text: string): boolean {
  return /^[2-5]\d\d( |$)/.test(text);
}

/** The span of part of a transcript line's payload (after the `S: ` or `C: ` prefix). */
export function payloadSpan(line: number, from: number, length: number): Span {
  return { start: { line, column: 4 + from }, end: { line, column: 4 + from + Math.max(length, 1) } };
}

/** Reads a transcript back into exchanges: each `C:` line starts one, the `S:` lines after it are its reply. */
export function parseTranscript(text: string, path = 'probe.smtp', target = ''): ProbeDocument {
  const file = new SourceFile(path, text);
  const header = file.line(1);
  const scheme = /^# mailharden probe of (smtps?|pop3s?|imaps?):\/\//.exec(header)?.[1]?.replace(/s$/, '') ?? /\.(smtp|pop3|imap)$/.exec(path)?.[1];
  const protocol: ProbeProtocol = scheme === 'pop3' || scheme === 'imap' ? scheme : 'smtp';
  const exchanges: Exchange[] = [];
  const facts: TlsFact[] = [];
  let current: Exchange | undefined;
  let pending: ReplyLine[] = [];
  let connection = 1;
  let inTls = false;
  const close = (): void => {
    if (current && pending.length) current.reply = { code: Number(/^\d{3}/.exec(pending[pending.length - 1]!.text)?.[0] ?? 0), lines: pending };
    pending = [];
  };
  for (let n = 1; n <= file.lineCount; n++) {
    const raw = file.line(n).replace(/\r$/, '');
    const next = /^# connection (\d{1,6})\b/.exec(raw);
    if (next) {
      close();
      current = undefined;
      connection = Number(next[1]);
      inTls = false;
    } else if (raw.startsWith('S: ') || raw === 'S:') {
      if (!current) {
        current = { command: '', verb: '', line: n, tls: inTls, connection };
        exchanges.push(current);
      }
      pending.push({ text: raw.slice(3), line: n });
    } else if (raw.startsWith('C: ')) {
      close();
      const command = raw.slice(3);
      // IMAP commands carry a tag first (`a1 CAPABILITY`): the verb is the word after it.
      const words = command.split(/[\s:]/);
      const verb = (protocol === 'imap' ? (words[1] ?? '') : (words[0] ?? '')).toUpperCase();
      current = { command, verb, line: n, tls: inTls, connection };
      exchanges.push(current);
    } else if (raw.startsWith('T: ')) {
      const words = raw.slice(3).split(' ');
      const keyWords = TWO_WORD_KEYS.has(words[0] ?? '') ? 2 : 1;
      const fact = { key: words.slice(0, keyWords).join(' '), value: words.slice(keyWords).join(' '), line: n, connection };
      facts.push(fact);
      if (fact.key === 'handshake') inTls = true;
    }
  }
  close();
  // The main TLS session: the first handshake (connection 1 for SMTP and implicit TLS, the STLS or
  // STARTTLS connection for POP3 and IMAP); the `try …` connections only add their verdicts.
  const mainTls = facts.find((f) => f.key === 'handshake')?.connection;
  const first = exchanges;
  const ehloExtensions = (ehlo: Exchange | undefined): Map<string, string[]> => {
    const extensions = new Map<string, string[]>();
    if (ehlo?.reply && ehlo.reply.code === 250) {
      // The first line greets; every later one is a keyword and its parameters (RFC 5321 §4.1.1.1).
      for (const l of ehlo.reply.lines.slice(1)) {
        const words = l.text.slice(4).trim().split(/\s+/).filter(Boolean);
        if (words[0]) extensions.set(words[0].toUpperCase(), words.slice(1).map((w) => w.toUpperCase()));
      }
    }
    return extensions;
  };
  const ehloTls = first.find((e) => e.verb === 'EHLO' && e.tls && e.connection === mainTls);
  const address = /^# mailharden probe of .* \(address ([0-9A-Fa-f.:]*)\)/.exec(header)?.[1] ?? '';
  return {
    kind: 'probe',
    file,
    target,
    address,
    exchanges,
    find: (verb) => first.find((e) => e.verb === verb),
    findTls: (verb) => first.find((e) => e.verb === verb && e.tls && e.connection === mainTls),
    extensions: ehloExtensions(first.find((e) => e.verb === 'EHLO')),
    ...(ehloTls ? { extensionsTls: ehloExtensions(ehloTls) } : {}),
    tls: mainTls !== undefined,
    facts,
    fact: (key) => facts.find((f) => f.key === key && (f.connection === mainTls || key.startsWith('try '))),
    protocol,
  };
}

/**
 * Version text in a server's words: a product name followed by a version (`Sendmail 8.17.1.9`,
 * `Postfix/3.7`), or a dotted version of three or more numbers (`8.17.1.9/8.17.1.9`). An address in
 * brackets (`[127.0.0.1]`, which sendmail shows in its EHLO reply) is not a version.
 */
export function findVersion(line: string): { at: number; text: string } | undefined {
  // The reply code and an enhanced status code (RFC 3463: `214-2.0.0 `) are not versions.
  const skip = /^\d{3}[ -]?(?:[245]\.\d{1,3}\.\d{1,3}(?: |$))?/.exec(line)?.[0].length ?? 0;
  const text = line.slice(skip);
  const trim = (m: string): string => m.replace(/[;,.)]+$/, '');
  // qmail's distributions as MH4009 knows them: "notqmail 1.09" is no word boundary before "qmail".
  const product = /\b(?:sendmail|postfix|exim|qmail|netqmail|notqmail|s\/qmail|smtpd)(?: version)?[ /-]v?\d+(?:\.\d+)+\S*/i.exec(text);
  if (product) return { at: skip + product.index, text: trim(product[0]) };
  const re = /\d+\.\d+\.\d+(?:\.\d+)*(?:\/[\w.+-]+)?/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const before = text[m.index - 1];
    const after = text[m.index + m[0].length];
    if (before === '[' || after === ']' || (before !== undefined && /[\w.]/.test(before))) continue;
    // An IPv4 address (a host greeting with its address) or a date (10.01.2024) is no version.
    const parts = m[0].split('/')[0]!.split('.');
    if (parts.length === 4 && parts.every((p) => Number(p) <= 255)) continue;
    if (parts.length === 3 && parts[2]!.length === 4) continue;
    return { at: skip + m.index, text: trim(m[0]) };
  }
  return undefined;
}
