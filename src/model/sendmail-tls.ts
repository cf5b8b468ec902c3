import type { Setting, SendmailModel } from './sendmail.js';

/**
 * What sendmail's STARTTLS needs and reads, asked by the rules of rules/sendmail-tls and the host rules
 * about certificate files. Measured with sendmail 8.17.1.9 on Debian 12 (OpenSSL 3.0), `-bs` as root:
 * with ServerCertFile and ServerKeyFile set, the server offers STARTTLS only when CACertFile and
 * CACertPath are set as well; without either, it logs `STARTTLS: CACertFile missing` or
 * `STARTTLS: CACertPath missing` (at LogLevel 13 and above only) and leaves STARTTLS out of EHLO.
 */

/** The options inittls() of the server side reads a file or directory from, in the order it checks them. */
export const SERVER_TLS_FILES = ['ServerCertFile', 'ServerKeyFile', 'CACertFile', 'CACertPath'] as const;
export type ServerTlsFile = (typeof SERVER_TLS_FILES)[number];

/** The server side of a configuration's TLS: the file options, each undefined when unset or empty. */
export interface ServerTls {
  files: Partial<Record<ServerTlsFile, Setting>>;
  crlFile?: Setting;
  /** The option that shows the administrator meant to offer STARTTLS (ServerCertFile, else ServerKeyFile). */
  intent: Setting;
}

/** A setting with a non-empty value, else undefined (`O CACertPath=` is the same as none). */
function nonEmpty(model: SendmailModel, name: string): Setting | undefined {
  const s = model.get(name);
  return s && s.value.trim() !== '' ? s : undefined;
}

/** The server-side TLS files, or undefined when neither a server certificate nor a key is configured (no STARTTLS meant). */
export function serverTls(model: SendmailModel): ServerTls | undefined {
  const files: ServerTls['files'] = {};
  for (const name of SERVER_TLS_FILES) {
    const s = nonEmpty(model, name);
    if (s) files[name] = s;
  }
  const intent = files.ServerCertFile ?? files.ServerKeyFile;
  if (!intent) return undefined;
  const crlFile = nonEmpty(model, 'CRLFile');
  return { files, intent, ...(crlFile ? { crlFile } : {}) };
}

/** The options STARTTLS needs that the configuration leaves unset: while one is, sendmail offers no STARTTLS. */
export function missingForStarttls(tls: ServerTls): ServerTlsFile[] {
  return SERVER_TLS_FILES.filter((name) => !tls.files[name]);
}

/** The DontBlameSendmail flags, lower-cased. */
export function dontBlame(model: SendmailModel): Set<string> {
  return new Set((model.get('DontBlameSendmail')?.value ?? '').split(/[\s,]+/).filter(Boolean).map((f) => f.toLowerCase()));
}

/**
 * A Server/ClientSSLOptions value as readssloptions() (readcf.c) reads it: words separated by blanks or
 * commas, `+NAME` or `NAME` sets an SSL_OP_ flag, `-NAME` clears it. Numeric words are kept as written.
 */
export function sslOptions(value: string): { set: Set<string>; cleared: Set<string> } {
  const set = new Set<string>();
  const cleared = new Set<string>();
  for (const word of value.split(/[\s,]+/).filter(Boolean)) {
    if (word.startsWith('-')) {
      cleared.add(word.slice(1).toUpperCase());
      set.delete(word.slice(1).toUpperCase());
    } else {
      const name = word.replace(/^\+/, '').toUpperCase();
      set.add(name);
      cleared.delete(name);
    }
  }
  return { set, cleared };
}

/** The SSL_OP_ flags that keep TLS 1.0 and 1.1 out (RFC 8996). */
export const NO_LEGACY_TLS = ['SSL_OP_NO_TLSV1', 'SSL_OP_NO_TLSV1_1'] as const;

/**
 * The OpenSSL security level a cipher string sets with `@SECLEVEL=n`, or undefined. OpenSSL 3.0 refuses
 * TLS 1.0 and 1.1 at level 1 and above (their handshake signs with SHA-1/MD5): measured, sendmail's
 * server answered `-tls1` and `-tls1_1` with an internal-error alert at the default level and at
 * `@SECLEVEL=1`, and completed both handshakes with `CipherList=DEFAULT:@SECLEVEL=0`.
 */
export function securityLevel(cipherList: string): number | undefined {
  let level: number | undefined;
  for (const m of cipherList.matchAll(/@SECLEVEL=(\d+)/gi)) level = Number(m[1]);
  return level;
}

/** Whether DHParameters names one of the built-in groups that are too small: `5` (512 bits) or `1` (1024 bits), op.me. */
export function weakDhParameters(value: string): string | undefined {
  const v = value.trim();
  if (v === '5') return '512';
  if (v === '1') return '1024';
  return undefined;
}

/** Whether a boolean option value is true as sendmail reads it (atobool: t, T, y, Y, or empty). */
export function optionTrue(value: string): boolean {
  const v = value.trim();
  return v === '' || /^[tTyY]/.test(v);
}

/** The SSL_OP_ flags that turn off one protocol version each, oldest version first: the flags tls.minProtocol owns. */
export const PROTOCOL_FLAGS = ['SSL_OP_NO_SSLv2', 'SSL_OP_NO_SSLv3', 'SSL_OP_NO_TLSv1', 'SSL_OP_NO_TLSv1_1', 'SSL_OP_NO_TLSv1_2', 'SSL_OP_NO_TLSv1_3'] as const;

/** The oldest protocol version a policy accepts (RFC 8996 retires TLS 1.0 and 1.1). */
export type MinProtocol = 'TLSv1.2' | 'TLSv1.3';

/** The protocol flags that must be set for `min`: every version older than it turned off. */
export function protocolFlagsOff(min: MinProtocol): readonly string[] {
  return PROTOCOL_FLAGS.slice(0, min === 'TLSv1.3' ? 5 : 4);
}

/** Whether a word of an SSL options value is one of the protocol flags (`+NAME`, `-NAME` or `NAME`, any case). */
export function isProtocolWord(word: string): boolean {
  const name = word.replace(/^[+-]/, '').toUpperCase();
  return PROTOCOL_FLAGS.some((f) => f.toUpperCase() === name);
}

/**
 * Whether a Server/ClientSSLOptions value (all its lines, in order) leaves exactly `min` and the newer
 * versions on: each older version's flag set, each newer one's not. Flags sendmail starts with that
 * the value does not name are not protocol flags (SSL_OP_ALL, SSL_OP_NO_SSLv2 and SSL_OP_NO_TICKET, op.me).
 */
export function meetsMinProtocol(value: string, min: MinProtocol): boolean {
  const { set } = sslOptions(value);
  const off = protocolFlagsOff(min);
  return PROTOCOL_FLAGS.every((f) => set.has(f.toUpperCase()) === off.includes(f));
}

/**
 * A Server/ClientSSLOptions value with the protocol flags of `min`, the other words kept in their order:
 * the value itself when it already turns off exactly the older versions (and has no numeric word, which
 * may hold any flag), else its words without the protocol flags, then the flags of `min`. The flags of
 * `min` come last, so no word before them can clear one (sendmail reads the words in order).
 */
export function withMinProtocol(value: string | undefined, min: MinProtocol): string {
  const words = (value ?? '').split(/[\s,]+/).filter(Boolean);
  const numeric = words.some((w) => /^[+-]?[0-9]/.test(w));
  if (value !== undefined && !numeric && meetsMinProtocol(value, min)) return value;
  return [...words.filter((w) => !isProtocolWord(w)), ...protocolFlagsOff(min).map((f) => `+${f}`)].join(' ');
}
