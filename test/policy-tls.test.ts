import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildPlan, sendmailSettings } from '../src/apply/plan.js';
import { loadTemplates } from '../src/render/templates.js';
import { greetPauseCheck, trustAuthCheck, type Ran } from '../src/apply/verify.js';
import { LAYOUTS } from '../src/host/layout.js';
import { policyFromText } from '../src/policy/validate.js';
import { msaDaemon, renderSendmailCf, TLS_OPTIONS } from '../src/render/sendmail-cf.js';
import { m4MacroOf } from '../src/model/m4-options.js';
import { rules } from '../rules/index.js';
import { lintText } from '../src/lint/text.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, needs, SENDMAIL, sendmailCheckWhole, sendmailReads, tempDir } from './helpers/real.js';

/** The keys of issue 18: STARTTLS, AUTH, the MSA and greet_pause. */
export const TLS_KEYS = `version: 1
tls:
  certFile: /etc/mail/tls/server.crt
  keyFile: /etc/mail/tls/server.key
  caFile: /etc/mail/tls/ca.crt
  caPath: /etc/mail/tls
  minProtocol: TLSv1.2
  cipherList: "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES"
  dhParameters: 2048
auth: { require-tls: true, mechanisms: [PLAIN, LOGIN], msa: true }
abuse: { greetPause: 5 }
`;

const SSL_OPTIONS = '+SSL_OP_NO_SSLv2 +SSL_OP_NO_SSLv3 +SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1';

/** sendmail -bt on a cf text, as verify runs it. */
function bt(cf: string, input: string): Ran {
  const dir = tempDir('mh-tls-');
  const path = join(dir, 'test.cf');
  writeFileSync(path, cf);
  const r = spawnSync(SENDMAIL, ['-C', path, '-bt'], { input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('policy keys tls, auth and abuse (issue 18)', () => {
  it('the .cf and the .mc rendered from them read the same to the real sendmail, m4 and -bC quiet, idempotent', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const want = sendmailSettings(await policyFromText(TLS_KEYS, 'tls.yaml'), LAYOUTS.debian);
    const mc = renderSendmailMc(debianMc(), want, 'sendmail.mc');
    const cf = renderSendmailCf(debianCf(), want, 'sendmail.cf');
    assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, 'mc idempotent');
    assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf, 'cf idempotent');
    // Debian's .mc has FEATURE(`greet_pause', `1000'): replaced where it is, not added twice.
    assert.equal(mc.match(/FEATURE\(`greet_pause'/g)?.length, 1);
    assert.match(mc, /FEATURE\(`greet_pause', `5000'\)/);
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stderr, '');
    for (const [name, text] of [['rendered cf', cf], ['cf built from the rendered mc', built.stdout]] as const) {
      const check = sendmailCheckWhole(text);
      assert.equal(check.status, 0, `${name}: ${check.output}`);
      assert.equal(check.output, '', `${name}: sendmail -bC printed lines the stock cf does not`);
      const read = sendmailReads(text);
      const last = (o: string): string | undefined => read.options.filter((x) => x.name === o).pop()?.value;
      const expected: Record<string, string> = {
        ServerCertFile: '/etc/mail/tls/server.crt',
        ServerKeyFile: '/etc/mail/tls/server.key',
        ClientCertFile: '/etc/mail/tls/server.crt',
        ClientKeyFile: '/etc/mail/tls/server.key',
        CACertFile: '/etc/mail/tls/ca.crt',
        CACertPath: '/etc/mail/tls',
        ServerSSLOptions: SSL_OPTIONS,
        ClientSSLOptions: SSL_OPTIONS,
        CipherList: 'HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES',
        DHParameters: 'i',
        AuthMechanisms: 'PLAIN LOGIN',
      };
      for (const [o, v] of Object.entries(expected)) assert.equal(last(o), v, `${name}: ${o}`);
      assert.match(last('AuthOptions') ?? '', /(^|,)p(,|$)/, `${name}: AuthOptions p`);
      const msa = read.options.filter((o) => o.name === 'DaemonPortOptions' && /Port=submission/.test(o.value));
      assert.equal(msa.length, 1, `${name}: one MSA`);
      assert.match(msa[0]!.value, /M=Ea/, name);
      // verify's own checks, on what the real sendmail answers.
      const trust = trustAuthCheck('PLAIN LOGIN', bt(text, '$={TrustAuthMech}\n'));
      assert.ok(trust.ok, `${name}: ${trust.detail}`);
      const pause = greetPauseCheck(5000, bt(text, '=Sgreet_pause\n'));
      assert.ok(pause.ok, `${name}: ${pause.detail}`);
    }
    // The TLS, AUTH and abuse rules have nothing to say of what apply wrote.
    const tlsRules = (f: { ruleId: string }): boolean => /^MH10[7-9]\d$/.test(f.ruleId);
    for (const [kind, text] of [['sendmail-cf', cf], ['sendmail-mc', mc], ['sendmail-cf', built.stdout]] as const) {
      assert.deepEqual(lintText(text, kind, rules).filter(tlsRules).map((f) => `${f.ruleId}: ${f.message}`), [], kind);
    }
    // Without caPath sendmail offers no STARTTLS: lint says so (MH1070), as apply's plan notes.
    const noPath = sendmailSettings(await policyFromText(TLS_KEYS.replace(/^ {2}caPath: .*\n/m, ''), 'tls.yaml'), LAYOUTS.debian);
    assert.deepEqual(lintText(renderSendmailCf(debianCf(), noPath, 'sendmail.cf'), 'sendmail-cf', rules).filter(tlsRules).map((f) => f.ruleId), ['MH1070']);
  });

  it('verify sees a cf without the settings: no class TrustAuthMech, the stock pause', (t) => {
    if (!needs(t, SENDMAIL, DEBIAN_MC)) return;
    assert.equal(trustAuthCheck('PLAIN LOGIN', bt(debianCf(), '$={TrustAuthMech}\n')).ok, false);
    const pause = greetPauseCheck(5000, bt(debianCf(), '=Sgreet_pause\n'));
    assert.equal(pause.ok, false);
    assert.match(pause.detail, /1000 ms/);
  });

  it('a .mc without greet_pause gets the FEATURE before the MAILER lines; a cf without its ruleset is left alone', async (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const want = sendmailSettings(await policyFromText('version: 1\nabuse: { greetPause: 2 }\n', 'p.yaml'), LAYOUTS.debian);
    const mc = renderSendmailMc(debianMc().replace(/^FEATURE\(`greet_pause'.*\n/m, ''), want, 'sendmail.mc');
    assert.ok(mc.indexOf("FEATURE(`greet_pause', `2000')dnl") < mc.indexOf('MAILER_DEFINITIONS'));
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, /^Sgreet_pause$[\s\S]*^R<\?> <\$\*>\t\t\$# 2000$/m);
    const bare = debianCf().replace(/^Sgreet_pause$[\s\S]*?(?=^\S*$\n^#####)/m, '');
    assert.equal(renderSendmailCf(bare, want, 'sendmail.cf'), bare);
  });

  it('greet_pause without the access map (R$* $# N): the cf default is edited and verify reads it (found by review)', async (t) => {
    if (!needs(t, M4, SENDMAIL, DEBIAN_MC)) return;
    const want = sendmailSettings(await policyFromText('version: 1\nabuse: { greetPause: 5 }\n', 'p.yaml'), LAYOUTS.debian);
    const built = m4Build(debianMc().replace(/^FEATURE\(`access_db'.*\n/m, ''));
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, /^R\$\*\t+\$# 1000$/m);
    const cf = renderSendmailCf(built.stdout, want, 'sendmail.cf');
    assert.match(cf, /^Sgreet_pause$[\s\S]*?^R\$\*\t+\$# 5000$/m);
    assert.equal(greetPauseCheck(5000, bt(cf, '=Sgreet_pause\n')).ok, true);
    assert.equal(greetPauseCheck(5000, bt(built.stdout, '=Sgreet_pause\n')).ok, false);
  });

  it('MSA: a daemon named MSA on another port is not the MSA: the .mc gets one on 587 as the cf does, and m4 builds it (found by review)', (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const mc = debianMc().replace(/^DAEMON_OPTIONS.*\n/gm, '').replace(/^(MAILER_DEFINITIONS)/m, "FEATURE(`no_default_msa')dnl\nDAEMON_OPTIONS(`Family=inet, Name=MTA-v4, Port=smtp')dnl\nDAEMON_OPTIONS(`Family=inet, Name=MSA-v4, Port=2525, M=E')dnl\n$1");
    const out = renderSendmailMc(mc, { msa: true }, 'sendmail.mc');
    const built = m4Build(out);
    assert.equal(built.status, 0, built.stderr);
    assert.match(built.stdout, /^O DaemonPortOptions=.*Port=submission, M=Ea$/m);
  });

  it('every STARTTLS option apply sets has its m4 macro in the model (proto.m4\'s _OPTION lines)', () => {
    for (const o of TLS_OPTIONS) assert.match(m4MacroOf(o) ?? '', /^conf[A-Z_]+$/, o);
  });

  it('MSA: a daemon on submission gets E and a; one is added, with the MTA written out, where the cf has none', () => {
    assert.equal(msaDaemon('Port=587, Name=MSA, M=E'), 'Port=587, Name=MSA, M=Ea');
    assert.equal(msaDaemon('Port=587, Name=MSA'), 'Port=587, Name=MSA, M=Ea');
    assert.equal(msaDaemon('Port=587, M=Ea'), 'Port=587, M=Ea');
    const cf = renderSendmailCf('V10/Berkeley\nO LogLevel=9\n', { msa: true }, 'x.cf');
    assert.equal(cf, 'V10/Berkeley\nO LogLevel=9\nO DaemonPortOptions=Family=inet, Name=MTA-v4, Port=smtp\nO DaemonPortOptions=Family=inet, Name=MSA-v4, Port=submission, M=Ea\n');
    const mc = renderSendmailMc("OSTYPE(`linux')dnl\nMAILER(`local')dnl\n", { msa: true }, 'x.mc');
    assert.match(mc, /DAEMON_OPTIONS\(`Family=inet, Name=MTA-v4, Port=smtp'\)dnl\nFEATURE\(`no_default_msa'\)dnl\nDAEMON_OPTIONS\(`Family=inet, Name=MSA-v4, Port=submission, M=Ea'\)dnl\nMAILER/);
  });

  it('refuses values that are not what sendmail reads', async () => {
    const bad = async (yaml: string): Promise<string> => {
      try {
        await policyFromText(`version: 1\n${yaml}`, 'p.yaml');
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    assert.match(await bad('tls: { minProtocol: TLSv1.1 }\n'), /minProtocol/);
    assert.match(await bad('tls: { dhParameters: 512 }\n'), /dhParameters/);
    assert.match(await bad('tls: { cipherList: "HIGH # x" }\n'), /cipherList/);
    assert.match(await bad('tls: { keyFile: "../key" }\n'), /keyFile/);
    assert.match(await bad('auth: { mechanisms: [PLAIN, "X`y"] }\n'), /mechanisms/);
    assert.match(await bad('abuse: { greetPause: -1 }\n'), /greetPause/);
    assert.equal(await bad('tls: { dhParameters: /etc/mail/tls/dh.pem }\n'), '');
  });

  it('plan: the key becomes 0600 (root\'s when apply is root), missing files and a missing caPath are noted, a cf without greet_pause too', async (t) => {
    if (!needs(t, DEBIAN_MC)) return;
    const root = tempDir('mh-tls-plan-');
    mkdirSync(join(root, 'etc/mail/tls'), { recursive: true });
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), debianCf().replace(/^Sgreet_pause$[\s\S]*?(?=^\S*$\n^#####)/m, ''));
    writeFileSync(join(root, 'etc/mail/tls/server.crt'), 'certificate\n');
    writeFileSync(join(root, 'etc/mail/tls/server.key'), '-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n');
    chmodSync(join(root, 'etc/mail/tls/server.key'), 0o640);
    symlinkSync('/etc/ssl/certs/ca-certificates.crt', join(root, 'etc/mail/tls/ca.crt'));
    const policy = await policyFromText('version: 1\nprofile: debian\ntls: { certFile: /etc/mail/tls/server.crt, keyFile: /etc/mail/tls/server.key, caFile: /etc/mail/tls/ca.crt, dhParameters: /etc/mail/tls/dh.pem }\nabuse: { greetPause: 3 }\n', 'p.yaml');
    const plan = buildPlan(policy, { root, render: await loadTemplates(), policyName: 'p.yaml', attributes: () => new Map() });
    const own = plan.owners.find((o) => o.path === '/etc/mail/tls/server.key');
    assert.ok(own && own.type === 'own', JSON.stringify(plan.owners));
    assert.equal(own.mode, 0o600);
    assert.equal(own.uid, process.getuid?.() === 0 ? 0 : own.from.uid);
    const notes = plan.notes.join('\n');
    assert.match(notes, /tls\.dhParameters: \/etc\/mail\/tls\/dh\.pem does not exist under the root/);
    assert.match(notes, /tls: \/etc\/mail\/tls\/ca\.crt: .*symlink/);
    assert.match(notes, /no caPath/);
    assert.match(notes, /no greet_pause ruleset/);
    // Files only (a config repository): no owners.
    assert.deepEqual(buildPlan(policy, { root, render: await loadTemplates(), policyName: 'p.yaml', attributes: () => new Map(), filesOnly: true }).owners, []);
    // What a policy names as the key is made root's 0600 only when it is a private key in directories only root can
    // change: not /etc/shadow, not a set-uid program, not a key in a directory a user can write (found by review).
    mkdirSync(join(root, 'usr/bin'), { recursive: true });
    writeFileSync(join(root, 'etc/shadow'), 'root:*:19000:0:99999:7:::\n', { mode: 0o640 });
    writeFileSync(join(root, 'usr/bin/passwd'), '\x7fELF', { mode: 0o755 });
    chmodSync(join(root, 'usr/bin/passwd'), 0o4755);
    mkdirSync(join(root, 'home/user'), { recursive: true, mode: 0o777 });
    chmodSync(join(root, 'home/user'), 0o777);
    writeFileSync(join(root, 'home/user/server.key'), '-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n', { mode: 0o644 });
    for (const [key, why] of [['/etc/shadow', /holds no PEM private key/], ['/usr/bin/passwd', /has set-id or execute bits \(mode 4755\)/], ['/home/user/server.key', /lies in \/home\/user, which a user other than root can change/]] as const) {
      const p = await policyFromText(`version: 1\nprofile: debian\ntls: { certFile: /etc/mail/tls/server.crt, keyFile: ${key} }\n`, 'p.yaml');
      const pl = buildPlan(p, { root, render: await loadTemplates(), policyName: 'p.yaml', attributes: () => new Map() });
      assert.deepEqual(pl.owners.filter((o) => o.path === key), [], key);
      assert.match(pl.notes.join('\n'), why, key);
    }
  });
});
