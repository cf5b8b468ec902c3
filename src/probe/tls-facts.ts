import { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { visibleControls } from '../core/visible.js';

/**
 * What a TLS handshake showed, written as `T: ` lines of the transcript, and read back for the probe
 * rules. The lines hold facts only (dates, names, sizes, OpenSSL's verdict on the chain); what is
 * wrong with them is for the rules to say, so a saved transcript is judged as the live one was.
 *
 *     T: handshake TLSv1.3 TLS_AES_256_GCM_SHA384
 *     T: host mx.example.test              the name the certificate must carry
 *     T: subject CN=mx.example.test
 *     T: issuer CN=mailharden test CA
 *     T: names DNS:mx.example.test, IP Address:127.0.0.1
 *     T: not-before 2026-12-01T00:00:00.000Z
 *     T: not-after 2027-12-01T00:00:00.000Z
 *     T: key RSA 2048
 *     T: self-signed no
 *     T: verify ok                         or OpenSSL's code: DEPTH_ZERO_SELF_SIGNED_CERT
 *     T: time 2026-12-07T20:16:00.000Z     when the handshake was made
 *     T: try TLSv1 accepted TLSv1 ECDHE-RSA-AES256-SHA   or: try TLSv1.1 refused unsupported protocol
 */

/** Longest value kept in a `T: ` line (a subject can be made long by whoever made the certificate). */
const VALUE_CHARS = 300;

const clean = (text: string): string => {
  const one = visibleControls(text.replace(/\n/g, ', '));
  return one.length > VALUE_CHARS ? `${one.slice(0, VALUE_CHARS)}…` : one;
};

/** The `T: ` lines for a completed handshake: protocol, cipher, the server's certificate, the chain's verdict. */
export function handshakeFacts(socket: TLSSocket, host: string, now = new Date()): string[] {
  const out = [`T: handshake ${clean(socket.getProtocol() ?? 'unknown')} ${clean(socket.getCipher()?.standardName ?? socket.getCipher()?.name ?? 'unknown')}`];
  out.push(`T: host ${clean(host)}`);
  const x509 = socket.getPeerX509Certificate();
  if (!x509) {
    out.push('T: certificate none');
  } else {
    out.push(...certificateFacts(x509));
  }
  const verdict = socket.authorized ? 'ok' : String(socket.authorizationError ?? 'unknown');
  out.push(`T: verify ${clean(verdict)}`);
  out.push(`T: time ${now.toISOString()}`);
  return out;
}

/** The certificate's lines: subject, issuer, names, validity, key, whether it signed itself. */
export function certificateFacts(x509: X509Certificate): string[] {
  const date = (text: string): string => {
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? clean(text) : d.toISOString();
  };
  const key = x509.publicKey;
  const type = (key.asymmetricKeyType ?? 'unknown').toUpperCase();
  const details = key.asymmetricKeyDetails ?? {};
  const size = details.modulusLength ?? details.namedCurve ?? '';
  let selfSigned = false;
  try {
    selfSigned = x509.checkIssued(x509) && x509.verify(key);
  } catch {
    selfSigned = false;
  }
  return [
    `T: subject ${clean(x509.subject)}`,
    `T: issuer ${clean(x509.issuer)}`,
    `T: names ${clean(x509.subjectAltName ?? '(none)')}`,
    `T: not-before ${date(x509.validFrom)}`,
    `T: not-after ${date(x509.validTo)}`,
    `T: key ${type}${size === '' ? '' : ` ${size}`}`,
    `T: self-signed ${selfSigned ? 'yes' : 'no'}`,
  ];
}

