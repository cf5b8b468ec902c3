import type { ProbeDocument, TlsFact } from './transcript.js';

/**
 * The certificate facts of a transcript (`T: ` lines, written by tls-facts.ts), read back for the
 * probe rules; no TLS library is loaded here.
 */

/** The certificate of the first connection's handshake, read back from the transcript. */
export interface CertificateFacts {
  host?: TlsFact;
  subject?: TlsFact;
  names?: TlsFact;
  notBefore?: TlsFact;
  notAfter?: TlsFact;
  key?: TlsFact;
  selfSigned?: TlsFact;
  verify?: TlsFact;
  time?: TlsFact;
}

export function certificateOf(doc: ProbeDocument): CertificateFacts | undefined {
  if (!doc.fact('subject')) return undefined;
  return {
    host: doc.fact('host'),
    subject: doc.fact('subject'),
    names: doc.fact('names'),
    notBefore: doc.fact('not-before'),
    notAfter: doc.fact('not-after'),
    key: doc.fact('key'),
    selfSigned: doc.fact('self-signed'),
    verify: doc.fact('verify'),
    time: doc.fact('time'),
  };
}

/** A DNS name against a certificate's name: equal ignoring case, or `*.` matching one left-most label (RFC 6125 §6.4.3). */
function dnsMatches(host: string, name: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  const n = name.toLowerCase().replace(/\.$/, '');
  if (n.startsWith('*.')) {
    const dot = h.indexOf('.');
    return dot > 0 && h.slice(dot + 1) === n.slice(2) && n.slice(2).includes('.');
  }
  return h === n;
}

/**
 * Whether the certificate's names cover `host` (RFC 6125): an address must be among the `IP Address:`
 * entries; a name among the `DNS:` entries, or, when there are none, be the subject's CN. The reason
 * when not; undefined when they do.
 */
export function nameMismatch(host: string, subject: string, names: string): string | undefined {
  const h = host.replace(/^\[|\]$/g, '');
  const entries = names === '(none)' ? [] : names.split(/,\s*/);
  const dns = entries.filter((e) => e.startsWith('DNS:')).map((e) => e.slice(4));
  const ips = entries.filter((e) => e.startsWith('IP Address:')).map((e) => e.slice(11).toLowerCase());
  if (/^[0-9.]+$/.test(h) || h.includes(':')) {
    return ips.includes(h.toLowerCase()) ? undefined : `the address ${h} is not among its names (${names})`;
  }
  if (dns.length) return dns.some((n) => dnsMatches(h, n)) ? undefined : `${h} is not among its names (${names})`;
  const cn = /(?:^|, )CN=([^,]*)/.exec(subject)?.[1];
  return cn !== undefined && dnsMatches(h, cn) ? undefined : `it has no DNS names, and its CN is ${cn ?? '(none)'}`;
}

/** OpenSSL's verdicts that mean nobody the client trusts vouches for the certificate. */
export const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'CERT_UNTRUSTED',
]);
