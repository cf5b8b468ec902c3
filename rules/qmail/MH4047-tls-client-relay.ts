import { defineRule } from '../../src/core/rule.js';
import { AT_START, controlFile } from '../../src/host/qmail-paths.js';

/** More certificates than this in clientca.pem looks like a public CA bundle, not a private CA. */
const PRIVATE_CA_MAX = 3;

export default defineRule({
  meta: {
    id: 'MH4047',
    slug: 'tls-client-relay',
    kinds: ['host'],
    description: 'With control/clientca.pem and control/tlsclients (qmail-tls), qmail-smtpd lets every client that shows a certificate from those CAs naming a listed address relay, as if RELAYCLIENT were set; what that allows must be known and the CAs must be private.',
    severity: 'low',
    tags: ['qmail', 'tls', 'relay', 'host'],
    references: ['qmail-tls:tlsclients'],
    messages: {
      relay: '{path} lets a client relay by certificate: {count} address{s} ({sample}), vouched for by the {cas} certificate{cs} of {ca}; each such client may send mail to any domain',
      bundle: '{ca} holds {cas} certificates, a public CA bundle rather than your own CA: anyone who gets a certificate naming one of the {count} address{s} of {path} ({sample}) from any of them may relay through this host',
    },
    fix: 'keep only your own CA in control/clientca.pem and only the addresses that must relay in control/tlsclients; remove both files if no client relays by certificate',
  },
  check(host, ctx) {
    const { tree } = host;
    const clients = controlFile(host, 'tlsclients');
    const ca = controlFile(host, 'clientca.pem');
    if (!tree.file(clients) || !tree.file(ca)) return;
    // control_readfile: blank lines and # lines skipped, trailing blanks stripped.
    const addresses = (tree.read(clients, 1 << 20) ?? '').split('\n').map((l) => l.replace(/[ \t]+$/, '')).filter((l) => l !== '' && !l.startsWith('#'));
    if (addresses.length === 0) return;
    const cas = ((tree.read(ca, 16 << 20) ?? '').match(/-----BEGIN CERTIFICATE-----/g) ?? []).length;
    if (cas === 0) return;
    const real = tree.resolve(clients)!;
    const sample = addresses.slice(0, 3).join(', ') + (addresses.length > 3 ? ', …' : '');
    const data = { path: real, count: String(addresses.length), s: addresses.length === 1 ? '' : 'es', sample, cas: String(cas), cs: cas === 1 ? '' : 's', ca: tree.resolve(ca)! };
    if (cas > PRIVATE_CA_MAX) ctx.report({ messageId: 'bundle', data, path: real, span: AT_START, severity: 'high' });
    else ctx.report({ messageId: 'relay', data, path: real, span: AT_START });
  },
});
