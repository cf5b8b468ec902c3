import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { getDiffieHellman } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from './helpers/cli.js';
import { smtpSession } from './helpers/smtp-bs.js';
import { buildPlan } from '../src/apply/plan.js';
import { trustAuthCheck, type Ran } from '../src/apply/verify.js';
import { loadTemplates } from '../src/render/templates.js';
import { dhParametersPem, readDhParameters } from '../src/model/dh-params.js';
import { trustAuthElsewhere } from '../src/model/sendmail-auth.js';
import { parseSendmailMc } from '../src/parsers/sendmail-mc.js';
import { SourceFile } from '../src/core/source.js';
import { sendmailSettings } from '../src/apply/plan.js';
import { LAYOUTS } from '../src/host/layout.js';
import { meetsMinProtocol, sslOptions, withMinProtocol } from '../src/model/sendmail-tls.js';
import { loadPolicy, policyFromText } from '../src/policy/validate.js';
import { renderSendmailCf } from '../src/render/sendmail-cf.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, needs, needsRoot, SENDMAIL, sendmailCheckWhole, sendmailReads, tempDir } from './helpers/real.js';

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
      .concat('LOCAL_CONFIG\nO ClientSSLOptions=-SSL_OP_NO_TLSv1 -SSL_OP_NO_TICKET\nO ServerSSLOptions=-SSL_OP_CIPHER_SERVER_PREFERENCE +SSL_OP_NO_TICKET\n');
    const before = m4Build(admin);
    assert.equal(before.status, 0, before.stderr);
    const mc = renderSendmailMc(admin, want, 'sendmail.mc');
    assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, 'idempotent');
    assert.doesNotMatch(mc, /^O ClientSSLOptions/m, 'the LOCAL_CONFIG line is merged into the define');
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stderr, '');
    // proto.m4 writes LOCAL_CONFIG's lines before the Options section: sendmail reads them first, so the
    // define's +SSL_OP_CIPHER_SERVER_PREFERENCE wins over the line's minus, before and after.
    const cfBefore = read(before.stdout, 'ServerSSLOptions');
    assert.deepEqual(cfBefore, ['-SSL_OP_CIPHER_SERVER_PREFERENCE +SSL_OP_NO_TICKET', '+SSL_OP_CIPHER_SERVER_PREFERENCE -SSL_OP_NO_TLSv1_1']);
    assert.deepEqual(read(built.stdout, 'ServerSSLOptions'), [`-SSL_OP_CIPHER_SERVER_PREFERENCE +SSL_OP_NO_TICKET +SSL_OP_CIPHER_SERVER_PREFERENCE ${OURS}`]);
    const effect = (v: string[]): string[] => [...sslOptions(v.join(' ')).set].filter((f) => !/NO_(SSL|TLS)V/.test(f)).sort();
    assert.deepEqual(effect(read(built.stdout, 'ServerSSLOptions')), effect(cfBefore));
    assert.deepEqual(effect(read(built.stdout, 'ServerSSLOptions')), ['SSL_OP_CIPHER_SERVER_PREFERENCE', 'SSL_OP_NO_TICKET']);
    assert.deepEqual(read(built.stdout, 'ClientSSLOptions'), [`-SSL_OP_NO_TICKET ${OURS}`]);
    // The cf built before, patched by apply, reads the same values as the cf built from the patched .mc.
    const patched = renderSendmailCf(before.stdout, want, 'sendmail.cf');
    for (const name of ['ServerSSLOptions', 'ClientSSLOptions']) assert.deepEqual(read(patched, name), read(built.stdout, name), name);
    // A define that already says it all keeps its quoting.
    const quotedOnce = debianMc().replace(/^(MAILER_DEFINITIONS)/m, `define(\`confSERVER_SSL_OPTIONS', \`${OURS}')dnl\n$1`);
    assert.match(renderSendmailMc(quotedOnce, want, 'sendmail.mc'), new RegExp(`^define\\(\`confSERVER_SSL_OPTIONS', \`\\${OURS.replace(/ /g, ' \\')}'\\)dnl$`, 'm'));
  });

  it('the .mc: a define or LOCAL_CONFIG line that is m4 code, not flags, is refused, never rewritten', () => {
    const refused = (mc: string): string => {
      try {
        renderSendmailMc(mc, { minProtocol: 'TLSv1.2' }, 'sendmail.mc');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    const base = "OSTYPE(`debian')dnl\n";
    assert.match(refused(`${base}define(\`confSERVER_SSL_OPTIONS', confCLIENT_SSL_OPTIONS)dnl\nMAILER(\`local')dnl\n`), /sendmail\.mc:2:\d+: .*confSERVER_SSL_OPTIONS/);
    assert.match(refused(`${base}define(\`confSERVER_SSL_OPTIONS', \`+SSL_OP_ALL dnl')dnl\nMAILER(\`local')dnl\n`), /confSERVER_SSL_OPTIONS holds dnl, which m4 reads as a macro/);
    assert.match(refused(`${base}MAILER(\`local')dnl\nLOCAL_CONFIG\nO ClientSSLOptions=+SSL_OP_ALL \`x'\n`), /sendmail\.mc:4:1: the ClientSSLOptions line under LOCAL_CONFIG/);
    assert.match(refused(`${base}define(\`MYFLAGS', \`+SSL_OP_ALL')dnl\ndefine(\`confSERVER_SSL_OPTIONS', \`MYFLAGS')dnl\nMAILER(\`local')dnl\n`), /holds MYFLAGS/);
    assert.equal(refused(`${base}define(\`confSERVER_SSL_OPTIONS', \`+SSL_OP_ALL')dnl\nMAILER(\`local')dnl\n`), '');
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

const OPENSSL = '/usr/bin/openssl';

/** What openssl makes of a DH parameters file: -check's verdict and -text's size line. */
function dhparam(path: string): { ok: boolean; size: string } {
  const check = spawnSync(OPENSSL, ['dhparam', '-in', path, '-check', '-noout'], { encoding: 'utf8' });
  const text = spawnSync(OPENSSL, ['dhparam', '-in', path, '-text', '-noout'], { encoding: 'utf8' });
  return { ok: check.status === 0 && /appear to be ok/.test(`${check.stdout}${check.stderr}`), size: /DH Parameters: \((\d+) bit\)/.exec(text.stdout)?.[1] ?? '' };
}

/** A PEM DH PARAMETERS file of a node:crypto group (modp2 is 1024 bits), as openssl would write it. */
function pemOf(group: string): string {
  const dh = getDiffieHellman(group);
  const int = (b: Buffer): Buffer => {
    const body = b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
    const len = body.length < 0x80 ? Buffer.from([body.length]) : Buffer.from([0x82, body.length >> 8, body.length & 0xff]);
    return Buffer.concat([Buffer.from([2]), len, body]);
  };
  const body = Buffer.concat([int(dh.getPrime()), int(dh.getGenerator())]);
  const der = Buffer.concat([Buffer.from([0x30, 0x82, body.length >> 8, body.length & 0xff]), body]);
  return `-----BEGIN DH PARAMETERS-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END DH PARAMETERS-----\n`;
}

describe('tls.dhParameters.generate: a DH parameters file written by apply (issue 18)', () => {
  it('openssl dhparam -check accepts the groups written, of the size said; what is read back is what openssl reads', (t) => {
    if (!needs(t, OPENSSL)) return;
    const dir = tempDir('mh-dh-');
    for (const bits of [2048, 3072, 4096] as const) {
      const path = join(dir, `dh${bits}.pem`);
      writeFileSync(path, dhParametersPem(bits));
      assert.deepEqual(dhparam(path), { ok: true, size: String(bits) }, `${bits}`);
      assert.deepEqual(readDhParameters(readFileSync(path, 'utf8')), { bits });
    }
    // 1024 bits is read as such (apply replaces it); a prime that is not one, or no DER at all, is refused like openssl refuses it.
    writeFileSync(join(dir, 'dh1024.pem'), pemOf('modp2'));
    assert.deepEqual(dhparam(join(dir, 'dh1024.pem')), { ok: true, size: '1024' });
    assert.deepEqual(readDhParameters(pemOf('modp2')), { bits: 1024 });
    const composite = pemOf('modp14').replace(/^(-----BEGIN DH PARAMETERS-----\n.{20})./m, (_m, a: string) => `${a}${a.endsWith('A') ? 'B' : 'A'}`);
    writeFileSync(join(dir, 'bad.pem'), composite);
    assert.equal(dhparam(join(dir, 'bad.pem')).ok, false);
    assert.equal(readDhParameters(composite), undefined);
    assert.equal(readDhParameters('-----BEGIN DH PARAMETERS-----\nMAA=\n-----END DH PARAMETERS-----\n'), undefined);
    assert.equal(readDhParameters('not a PEM file\n'), undefined);
  });

  it('apply writes it (0644, DHParameters pointing at it), a second apply changes nothing, rollback takes it away; a 1024-bit file is replaced, a valid 3072-bit one kept', (t) => {
    if (!needs(t, SENDMAIL, M4, OPENSSL, DEBIAN_MC)) return;
    const root = tempDir('mh-dh-apply-');
    mkdirSync(join(root, 'etc/mail/tls'), { recursive: true });
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), debianCf());
    const path = join(root, 'etc/mail/tls/dh.pem');
    const policy = join(root, 'policy.yaml');
    writeFileSync(policy, 'version: 1\nprofile: debian\ntls: { dhParameters: { generate: /etc/mail/tls/dh.pem } }\n');
    const applied = run(['apply', policy, '--root', root]);
    assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    assert.deepEqual(dhparam(path), { ok: true, size: '2048' });
    assert.equal((statSync(path).mode & 0o7777).toString(8), '644');
    if (process.getuid?.() === 0) assert.equal(statSync(path).uid, 0);
    assert.deepEqual(read(readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8'), 'DHParameters'), ['/etc/mail/tls/dh.pem']);
    const again = run(['apply', policy, '--root', root, '--dry-run', '--exit-code']);
    assert.equal(again.code, 0, `second apply: ${again.stdout}${again.stderr}`);
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, `${rb.stdout}${rb.stderr}`);
    assert.equal(existsSync(path), false, 'rollback removes the file apply created');

    // A 1024-bit group is replaced (the old bytes backed up), a valid 3072-bit one left as it is, mode and all.
    writeFileSync(path, pemOf('modp2'), { mode: 0o600 });
    assert.equal(run(['apply', policy, '--root', root]).code, 0);
    assert.deepEqual(dhparam(path), { ok: true, size: '2048' });
    assert.equal((statSync(path).mode & 0o7777).toString(8), '644');
    assert.equal(run(['rollback', '--root', root]).code, 0);
    assert.equal(readFileSync(path, 'utf8'), pemOf('modp2'), 'rollback puts the old file back');
    writeFileSync(path, dhParametersPem(3072));
    chmodSync(path, 0o640);
    const kept = run(['apply', policy, '--root', root, '--dry-run', '--exit-code']);
    assert.doesNotMatch(kept.stdout, /^\+\+\+ .*dh\.pem/m, kept.stdout);
    assert.equal(run(['apply', policy, '--root', root]).code, 0);
    assert.equal(readFileSync(path, 'utf8'), dhParametersPem(3072));
    assert.equal((statSync(path).mode & 0o7777).toString(8), '640');
    // Left as it is, but writable by others: the plan says so.
    chmodSync(path, 0o666);
    assert.match(run(['apply', policy, '--root', root, '--dry-run']).stderr + run(['apply', policy, '--root', root, '--dry-run']).stdout, /dh\.pem holds valid parameters and is left as it is, but its mode 0666 lets others write it/);
    // A file that holds no DH parameters is never replaced: apply stops, nothing written (found by review: a policy naming /etc/shadow).
    writeFileSync(path, 'root:*:19000:0:99999:7:::\n');
    const refused = run(['apply', policy, '--root', root]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /holds no DH parameters .*: mailharden does not replace it/);
    assert.equal(readFileSync(path, 'utf8'), 'root:*:19000:0:99999:7:::\n');
  });
});

/** `sendmail -C cf -bt` with `$={TrustAuthMech}`, as verify asks it. */
function trustClass(cf: string): Ran {
  const dir = tempDir('mh-trust-');
  writeFileSync(join(dir, 'test.cf'), cf);
  const r = spawnSync(SENDMAIL, ['-C', join(dir, 'test.cf'), '-bt'], { input: '$={TrustAuthMech}\n', encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The members of $={TrustAuthMech}, sorted. */
function members(cf: string): string {
  return /is (.*)$/.exec(trustAuthCheck('', trustClass(cf)).detail)?.[1] ?? '';
}

describe('auth.mechanisms and the admin\'s TrustAuthMech in an include()d .m4 or LOCAL_CONFIG (issue 18)', () => {
  it('both survive: the cf apply patches and the cf m4 rebuilds from the patched .mc hold the same class, verify accepts both; idempotent', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const root = tempDir('mh-trust-root-');
    mkdirSync(join(root, 'etc/mail/sasl'), { recursive: true });
    // Debian's sasl.m4 shape: the mechanisms offered and trusted, in a file the .mc includes.
    const sasl = join(root, 'etc/mail/sasl/sasl.m4');
    writeFileSync(sasl, "TRUST_AUTH_MECH(`EXTERNAL DIGEST-MD5')dnl\n");
    const mcText = debianMc()
      .replace(/^(MAILER_DEFINITIONS)/m, `include(\`${sasl}')dnl\nTRUST_AUTH_MECH(\`CRAM-MD5')dnl\n$1`)
      .concat('LOCAL_CONFIG\nC{TrustAuthMech}GSSAPI\n');
    const stock = m4Build(mcText);
    assert.equal(stock.status, 0, stock.stderr);
    assert.equal(members(stock.stdout), 'CRAM-MD5 DIGEST-MD5 EXTERNAL GSSAPI', 'm4: each TRUST_AUTH_MECH and the LOCAL_CONFIG line add to the class');
    // The tree's own .mc names the include by its path in the tree: apply reads it under the root.
    writeFileSync(join(root, 'etc/mail/sendmail.mc'), mcText.replace(sasl, '/etc/mail/sasl/sasl.m4'));
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), stock.stdout);
    const policy = await policyFromText('version: 1\nprofile: debian\nauth: { mechanisms: [PLAIN, LOGIN] }\n', 'p.yaml');
    const plan = buildPlan(policy, { root, render: await loadTemplates(), policyName: 'p.yaml', attributes: () => new Map() });
    assert.deepEqual(plan.trustAuthKept, ['GSSAPI', 'EXTERNAL DIGEST-MD5']);
    const cf = plan.files.find((f) => f.artifact === 'sendmail.cf')!.after;
    const mc = plan.files.find((f) => f.artifact === 'sendmail.mc')!.after;
    // The .mc's own TRUST_AUTH_MECH is the policy's (one call), the include and the LOCAL_CONFIG line stay.
    assert.equal(mc.match(/^TRUST_AUTH_MECH\(/gm)?.length, 1);
    assert.match(mc, /^TRUST_AUTH_MECH\(`PLAIN LOGIN'\)dnl$/m);
    assert.match(mc, /^include\(`\/etc\/mail\/sasl\/sasl\.m4'\)dnl$/m);
    assert.match(mc, /^C\{TrustAuthMech\}GSSAPI$/m);
    const rebuilt = m4Build(mc.replace('/etc/mail/sasl/sasl.m4', sasl));
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    const want = 'DIGEST-MD5 EXTERNAL GSSAPI LOGIN PLAIN';
    assert.equal(members(cf), want, 'the patched cf: the policy\'s, the include\'s and LOCAL_CONFIG\'s; the old CRAM-MD5 line is gone');
    assert.equal(members(rebuilt.stdout), want, 'the cf m4 builds from the patched .mc');
    for (const text of [cf, rebuilt.stdout]) assert.ok(trustAuthCheck(['PLAIN LOGIN', ...plan.trustAuthKept!].join(' '), trustClass(text)).ok);
    // A second run on the patched files changes neither.
    writeFileSync(join(root, 'etc/mail/sendmail.mc'), mc);
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), cf);
    const again = buildPlan(policy, { root, render: await loadTemplates(), policyName: 'p.yaml', attributes: () => new Map() });
    for (const f of again.files) assert.equal(f.after, f.before, f.path);
    // Without the include and LOCAL_CONFIG known (a cf alone), every line of the class is the policy's.
    assert.equal(members(renderSendmailCf(stock.stdout, { authMechanisms: 'PLAIN LOGIN' }, 'sendmail.cf')), 'LOGIN PLAIN');
  });

  it('includes are followed once each, boundedly: a file that includes itself a thousand times is read once', () => {
    const parse = (p: string, t: string) => parseSendmailMc(new SourceFile(p, t));
    const self = `TRUST_AUTH_MECH(\`EXTERNAL')dnl\n${"include(`/etc/mail/loop.m4')dnl\n".repeat(1000)}`;
    let reads = 0;
    const got = trustAuthElsewhere(parse('/etc/mail/sendmail.mc', "include(`/etc/mail/loop.m4')dnl\nTRUST_AUTH_MECH(`PLAIN')dnl\n"), () => (reads++, self), parse);
    assert.deepEqual(got, ['EXTERNAL']);
    assert.equal(reads, 1);
  });

  it('a trusted mechanism that is not offered lets nobody authenticate: sendmail answers AUTH with it 504 (why the admin\'s lines may stay)', async (t) => {
    if (!needs(t, SENDMAIL, DEBIAN_MC) || !needsRoot(t, 'sendmail -bs as root')) return;
    const cf = renderSendmailCf(debianCf(), { authMechanisms: 'PLAIN LOGIN' }, 'sendmail.cf').replace(/^C\{TrustAuthMech\}.*$/m, '$&\nC{TrustAuthMech}DIGEST-MD5 CRAM-MD5');
    const s = await smtpSession(cf, ['EHLO test.example', 'AUTH CRAM-MD5', 'QUIT']);
    const ehlo = s.find((e) => e.command.startsWith('EHLO'))!;
    const auth = ehlo.lines.find((l) => /^250-AUTH /.test(l));
    if (!auth) return void t.skip('sendmail offers no AUTH here (no SASL plugins): libsasl2-modules');
    assert.doesNotMatch(auth, /CRAM-MD5/);
    assert.equal(s.find((e) => e.command === 'AUTH CRAM-MD5')!.code, 504, JSON.stringify(s));
  });
});

describe('init --from-system reads tls, auth and abuse.greetPause (issue 18)', () => {
  /** A Debian tree with STARTTLS: the stock cf and .mc, certificate files, then a TLS+AUTH policy applied. */
  async function starttlsTree(t: import('node:test').TestContext): Promise<string | undefined> {
    if (!needs(t, SENDMAIL, M4, OPENSSL, DEBIAN_MC)) return undefined;
    const root = tempDir('mh-init-tls-');
    const tls = join(root, 'etc/mail/tls');
    mkdirSync(tls, { recursive: true });
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), debianCf());
    writeFileSync(join(root, 'etc/mail/sendmail.mc'), debianMc());
    writeFileSync(join(root, 'etc/hostname'), 'mx1.example.com\n');
    const r = spawnSync(OPENSSL, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(tls, 'server.key'), '-out', join(tls, 'server.crt'), '-subj', '/CN=mx1.example.com', '-days', '2'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    chmodSync(join(tls, 'server.key'), 0o600);
    writeFileSync(join(tls, 'ca.crt'), readFileSync(join(tls, 'server.crt')));
    const policy = join(root, '..', `${root.split('/').pop()}-applied.yaml`);
    writeFileSync(policy, `version: 1\nprofile: debian\ntls:\n  certFile: /etc/mail/tls/server.crt\n  keyFile: /etc/mail/tls/server.key\n  caFile: /etc/mail/tls/ca.crt\n  caPath: /etc/mail/tls\n  minProtocol: TLSv1.2\n  cipherList: "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES"\n  dhParameters: { generate: /etc/mail/tls/dh.pem }\nauth: { require-tls: true, mechanisms: [PLAIN, LOGIN], msa: true }\nabuse: { greetPause: 3 }\n`);
    const applied = run(['apply', policy, '--root', root]);
    assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    return root;
  }

  it('a STARTTLS tree: init states what apply wrote, and apply with the derived policy changes nothing', async (t) => {
    const root = await starttlsTree(t);
    if (!root) return;
    const file = `${root}-derived.yaml`;
    const r = run(['init', '--from-system', '--root', root, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const policy = await loadPolicy(file);
    assert.deepEqual(policy.tls, { certFile: '/etc/mail/tls/server.crt', keyFile: '/etc/mail/tls/server.key', caFile: '/etc/mail/tls/ca.crt', caPath: '/etc/mail/tls', minProtocol: 'TLSv1.2', cipherList: 'HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES', dhParameters: '/etc/mail/tls/dh.pem' });
    assert.deepEqual(policy.auth, { 'require-tls': true, mechanisms: ['PLAIN', 'LOGIN'], msa: true });
    assert.deepEqual(policy.abuse, { greetPause: 3 });
    assert.match(readFileSync(file, 'utf8'), /^# Day one: apply with this policy changes nothing/m);
    const again = run(['apply', file, '--root', root, '--dry-run', '--exit-code']);
    assert.equal(again.code, 0, `${again.stdout}${again.stderr}`);
  });

  it('never a key that weakens: a 512-bit DH group, RC4 in the cipher list, TLS 1.0 turned back on are left out, commented', async (t) => {
    const root = await starttlsTree(t);
    if (!root) return;
    const cfPath = join(root, 'etc/mail/sendmail.cf');
    const weak = readFileSync(cfPath, 'utf8')
      .replace(/^O DHParameters=.*$/m, 'O DHParameters=5')
      .replace(/^O CipherList=.*$/m, 'O CipherList=HIGH:RC4')
      .replace(/^O ServerSSLOptions=.*$/m, '$& -SSL_OP_NO_TLSv1');
    writeFileSync(cfPath, weak);
    const file = `${root}-derived.yaml`;
    const r = run(['init', '--from-system', '--root', root, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const policy = await loadPolicy(file);
    const text = readFileSync(file, 'utf8');
    assert.deepEqual(Object.keys(policy.tls ?? {}).sort(), ['caFile', 'caPath', 'certFile', 'keyFile']);
    assert.match(text, /DHParameters=5 \(512 bits\)/);
    assert.match(text, /CipherList of sendmail\.cf \("HIGH:RC4"\) allows [^\n]*RC4/);
    assert.match(text, /tls\.minProtocol: the SSL options of sendmail\.cf do not turn off/);
    // Applying the derived policy leaves the weak lines as they are: nothing it states is weaker than the system.
    assert.equal(run(['apply', file, '--root', root, '--dry-run', '--exit-code']).code, 0);
  });
});
