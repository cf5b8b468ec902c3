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
