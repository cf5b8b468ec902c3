import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sendmailSettings } from '../src/apply/plan.js';
import { LAYOUTS } from '../src/host/layout.js';
import { meetsMinProtocol, withMinProtocol } from '../src/model/sendmail-tls.js';
import { policyFromText } from '../src/policy/validate.js';
import { renderSendmailCf } from '../src/render/sendmail-cf.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, needs, SENDMAIL, sendmailCheckWhole, sendmailReads } from './helpers/real.js';

/** The values sendmail read for an option, every line in order (`sendmail -d37.1`). */
function read(cf: string, name: string): string[] {
  const r = sendmailReads(cf);
  assert.equal(r.status, 0);
  return r.options.filter((o) => o.name === name).map((o) => o.value);
}

const OURS = '+SSL_OP_NO_SSLv2 +SSL_OP_NO_SSLv3 +SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1';

describe('tls.minProtocol merges with the SSL options the configuration sets (issue 18)', () => {
  it('the cf: an admin\'s flags stay, the protocol flags become the policy\'s, sendmail reads them, a second apply changes nothing', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const want = sendmailSettings(await policyFromText('version: 1\ntls: { minProtocol: TLSv1.2 }\n', 'p.yaml'), LAYOUTS.debian);
    // Two lines of ServerSSLOptions (sendmail reads both, in order), one clearing TLS 1.0's flag; ClientSSLOptions with commas.
    const admin = debianCf()
      .replace(/^#O ServerSSLOptions$/m, '$&\nO ServerSSLOptions=+SSL_OP_CIPHER_SERVER_PREFERENCE -SSL_OP_NO_TLSv1\nO ServerSSLOptions=-SSL_OP_NO_TICKET')
      .replace(/^#O ClientSSLOptions$/m, '$&\nO ClientSSLOptions=+SSL_OP_NO_TLSv1_3,+SSL_OP_NO_COMPRESSION');
    assert.equal(sendmailCheckWhole(admin).status, 0);
    const cf = renderSendmailCf(admin, want, 'sendmail.cf');
    assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf, 'idempotent');
    const check = sendmailCheckWhole(cf);
    assert.equal(check.status, 0, check.output);
    assert.equal(check.output, '');
    assert.deepEqual(read(cf, 'ServerSSLOptions'), [`+SSL_OP_CIPHER_SERVER_PREFERENCE -SSL_OP_NO_TICKET ${OURS}`]);
    // TLS 1.3 turned off is the policy's business too (its minimum and every newer version on).
    assert.deepEqual(read(cf, 'ClientSSLOptions'), [`+SSL_OP_NO_COMPRESSION ${OURS}`]);
    // A cf without them gets the policy's flags alone.
    assert.deepEqual(read(renderSendmailCf(debianCf(), want, 'sendmail.cf'), 'ServerSSLOptions'), [OURS]);
    // A value that already turns off exactly the older versions is left as written.
    const done = debianCf().replace(/^#O ServerSSLOptions$/m, '$&\nO ServerSSLOptions=+SSL_OP_NO_TLSv1_1,+SSL_OP_NO_TLSv1 +SSL_OP_NO_SSLv3 +SSL_OP_NO_SSLv2 +SSL_OP_CIPHER_SERVER_PREFERENCE');
    const kept = renderSendmailCf(done, want, 'sendmail.cf');
    assert.match(kept, /^O ServerSSLOptions=\+SSL_OP_NO_TLSv1_1,\+SSL_OP_NO_TLSv1 \+SSL_OP_NO_SSLv3 \+SSL_OP_NO_SSLv2 \+SSL_OP_CIPHER_SERVER_PREFERENCE$/m);
  });

  it('the .mc: the define\'s flags and a LOCAL_CONFIG line\'s are merged into the define; m4\'s cf reads as the patched cf', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const want = sendmailSettings(await policyFromText('version: 1\ntls: { minProtocol: TLSv1.2 }\n', 'p.yaml'), LAYOUTS.debian);
    const admin = debianMc()
      .replace(/^(MAILER_DEFINITIONS)/m, "define(`confSERVER_SSL_OPTIONS', `+SSL_OP_CIPHER_SERVER_PREFERENCE -SSL_OP_NO_TLSv1_1')dnl\n$1")
      .concat('LOCAL_CONFIG\nO ClientSSLOptions=-SSL_OP_NO_TLSv1 -SSL_OP_NO_TICKET\n');
    const before = m4Build(admin);
    assert.equal(before.status, 0, before.stderr);
    const mc = renderSendmailMc(admin, want, 'sendmail.mc');
    assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, 'idempotent');
    assert.doesNotMatch(mc, /^O ClientSSLOptions/m, 'the LOCAL_CONFIG line is merged into the define');
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stderr, '');
    assert.deepEqual(read(built.stdout, 'ServerSSLOptions'), [`+SSL_OP_CIPHER_SERVER_PREFERENCE ${OURS}`]);
    assert.deepEqual(read(built.stdout, 'ClientSSLOptions'), [`-SSL_OP_NO_TICKET ${OURS}`]);
    // The cf built before, patched by apply, reads the same values as the cf built from the patched .mc.
    const patched = renderSendmailCf(before.stdout, want, 'sendmail.cf');
    for (const name of ['ServerSSLOptions', 'ClientSSLOptions']) assert.deepEqual(read(patched, name), read(built.stdout, name), name);
    // A define that already says it all keeps its quoting.
    const quotedOnce = debianMc().replace(/^(MAILER_DEFINITIONS)/m, `define(\`confSERVER_SSL_OPTIONS', \`${OURS}')dnl\n$1`);
    assert.match(renderSendmailMc(quotedOnce, want, 'sendmail.mc'), new RegExp(`^define\\(\`confSERVER_SSL_OPTIONS', \`\\${OURS.replace(/ /g, ' \\')}'\\)dnl$`, 'm'));
  });

  it('withMinProtocol: what it keeps, what it replaces', () => {
    assert.equal(withMinProtocol(undefined, 'TLSv1.3'), `${OURS} +SSL_OP_NO_TLSv1_2`);
    assert.equal(withMinProtocol('+SSL_OP_ALL', 'TLSv1.2'), `+SSL_OP_ALL ${OURS}`);
    // A numeric word may hold any flag: the policy's come after it.
    assert.equal(withMinProtocol(`${OURS} -0x04000000`, 'TLSv1.2'), `-0x04000000 ${OURS}`);
    assert.equal(withMinProtocol(`-0x04000000 ${OURS}`, 'TLSv1.2'), `-0x04000000 ${OURS}`);
    assert.equal(meetsMinProtocol(`${OURS} -ssl_op_no_tlsv1`, 'TLSv1.2'), false);
    assert.equal(meetsMinProtocol(`${OURS} +SSL_OP_NO_TLSv1_2`, 'TLSv1.2'), false);
  });
});
