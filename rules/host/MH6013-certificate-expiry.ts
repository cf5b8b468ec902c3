import type { X509Certificate } from 'node:crypto';
import { createRequire } from 'node:module';
import { defineRule } from '../../src/core/rule.js';
import { AT_START, mtaCf } from '../../src/host/paths.js';

/** A certificate file is small; a bigger one is read only this far (a PEM bundle's first certificate comes first). */
const MAX_CERT = 1 << 20;
// node:crypto is loaded only when a certificate is read: lint must not load it otherwise (test/cli.test.ts);
// node:module too (neither is in Node.js's start-up snapshot).
let load: NodeRequire | undefined;
const DAY = 24 * 60 * 60 * 1000;
/** How soon an expiry is worth a finding. */
const WARN_DAYS = 30;

export default defineRule({
  meta: {
    id: 'MH6013',
    slug: 'certificate-expiry',
    kinds: ['host'],
    description: 'The certificates sendmail presents (ServerCertFile, ClientCertFile) must parse and must not be expired or expire within 30 days.',
    severity: 'medium',
    tags: ['tls', 'host'],
    references: ['sendmail-op:ServerCertFile', 'RFC:5280'],
    messages: {
      expired: '{option} {path} expired on {date}: clients that verify certificates refuse the TLS session',
      soon: '{option} {path} expires on {date}, in {days} days',
      unparsable: '{option} {path} holds no certificate that parses ({error}): TLS with it fails',
    },
    fix: 'renew the certificate (and reload sendmail) before it expires; automate the renewal',
  },
  check(host, ctx) {
    const { tree } = host;
    const cf = mtaCf(host);
    if (!cf) return;
    for (const option of ['ServerCertFile', 'ClientCertFile']) {
      const setting = cf.doc.sendmail.get(option);
      const path = setting?.value.trim();
      if (!path || !tree.file(path)) continue;
      const real = tree.resolve(path)!;
      const bytes = tree.bytes(real, MAX_CERT);
      if (!bytes) continue;
      const at = { path: real, span: AT_START };
      let cert: X509Certificate;
      try {
        const crypto = (load ??= createRequire(import.meta.url))('node:crypto') as typeof import('node:crypto');
        cert = new crypto.X509Certificate(bytes);
      } catch (e) {
        ctx.report({ messageId: 'unparsable', data: { option, path: real, error: (e as Error).message.split('\n')[0]! }, ...at, subject: `${option}:unparsable` });
        continue;
      }
      const end = Date.parse(cert.validTo);
      const date = new Date(end).toISOString().slice(0, 10);
      const left = end - Date.now();
      if (left <= 0) ctx.report({ messageId: 'expired', data: { option, path: real, date }, ...at, severity: 'high', subject: `${option}:expired` });
      else if (left < WARN_DAYS * DAY) ctx.report({ messageId: 'soon', data: { option, path: real, date, days: Math.ceil(left / DAY) }, ...at, subject: `${option}:soon` });
    }
  },
});
