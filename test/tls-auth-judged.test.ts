import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { lint } from '../src/lint/request.js';
import { lintText } from '../src/lint/text.js';
import { rules } from '../rules/index.js';
import { Daemon, liveEnabled, smtpSession } from './helpers/live.js';
import { debianCf, DEBIAN_MC, M4, MAKEMAP, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';

// Issue 18: MH1083, MH6013 and MH6016 say what the real sendmail does; here sendmail 8.17.1.9 and
// OpenSSL 3.0 judge it. The daemons listen on loopback only, each with a cf, queue and pid file of its
// own, are live-gated (MAILHARDEN_LIVE=1) and are stopped in finally; certificates are made by openssl here.

const OPENSSL = '/usr/bin/openssl';
/** The ports of this file's daemons (loopback only): implicit TLS (M=s), and STARTTLS. */
const SMTPS_PORT = 2465;
const STARTTLS_PORT = 2528;
const DAY = 24 * 60 * 60 * 1000;

function sh(argv: string[], o: { input?: string; cwd?: string } = {}): { status: number; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { input: o.input ?? '', cwd: o.cwd, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

function ssl(cwd: string, ...args: string[]): void {
  const r = sh([OPENSSL, ...args], { cwd });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.out}`);
}

/** openssl ca's date form (YYYYMMDDHHMMSSZ). */
const caDate = (ms: number): string => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

/**
 * A CA (valid now), and server certificates it signs for /CN=localhost with the key server.key:
 * good.crt (valid for a year), expired.crt (2020-01-01 to 2021-01-01) and soon.crt (ending in 10 days).
 * OpenSSL 3.0's `x509 -req` has no -not_before; `openssl ca -startdate/-enddate` sets both dates.
 */
function makeCertificates(dir: string): void {
  ssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '400', '-subj', '/CN=mailharden judged CA');
  ssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  chmodSync(join(dir, 'server.key'), 0o600);
  mkdirSync(join(dir, 'ca'));
  writeFileSync(join(dir, 'ca/index.txt'), '');
  writeFileSync(join(dir, 'ca/serial'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    '[ca]\ndefault_ca = d\n[d]\ndatabase = ./ca/index.txt\nnew_certs_dir = ./ca\nserial = ./ca/serial\ndefault_md = sha256\npolicy = p\nunique_subject = no\n[p]\ncommonName = supplied\n',
  );
  const now = Date.now();
  const sign = (out: string, start: string, end: string) =>
    ssl(dir, 'ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'ca.crt', '-keyfile', 'ca.key', '-in', 'server.csr', '-out', out, '-startdate', start, '-enddate', end);
  sign('good.crt', caDate(now - DAY), caDate(now + 365 * DAY));
  sign('expired.crt', '20200101000000Z', '20210101000000Z');
  sign('soon.crt', caDate(now - DAY), caDate(now + 10 * DAY));
}

/**
 * Debian's stock cf for a daemon of the test's own: its listeners replaced by `daemon`, queue, pid file and
 * host status directory under `dir`, and these options appended.
 */
function daemonCf(dir: string, daemon: string, options: Record<string, string>): string {
  const cf = debianCf()
    .replace(/^O DaemonPortOptions=.*\n/gm, '')
    .replace(/^O QueueDirectory=.*$/m, `O QueueDirectory=${dir}/q`)
    .replace(/^O PidFile=.*$/m, `O PidFile=${dir}/sendmail.pid`)
    .replace(/^O HostStatusDirectory=.*$/m, `O HostStatusDirectory=${dir}/hs`);
  return `${cf}O DaemonPortOptions=${daemon}\n${Object.entries(options)
    .map(([k, v]) => `O ${k}=${v}\n`)
    .join('')}`;
}

let serial = 0;
/** Starts sendmail -bd on `cf` in a directory of its own, runs `body`, and stops the daemon whatever happens. */
async function withDaemon<T>(t: TestContext, work: string, port: number, cf: (dir: string) => string, body: () => Promise<T> | T): Promise<T> {
  const dir = join(work, `daemon${serial++}`);
  mkdirSync(join(dir, 'q'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'hs'), { mode: 0o700 });
  const cfPath = join(dir, 'test.cf');
  writeFileSync(cfPath, cf(dir), { mode: 0o644 });
  const daemon = new Daemon(SENDMAIL, `${dir}/sendmail.pid`, [port], ['-C', cfPath]);
  try {
    daemon.start();
    return await body();
  } finally {
    daemon.stop();
    t.diagnostic(daemon.log.join('\n'));
  }
}

/** Runs a program without blocking the event loop (the fake relay below lives in this process). */
function runAsync(cmd: string, args: string[], input: string): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(input);
  });
}

/** openssl s_client with no input: the handshake and what it says of the certificate. */
function sClient(args: string[]): { status: number; out: string } {
  return sh([OPENSSL, 's_client', ...args]);
}

const ruleFindings = (cf: string, id: string) => lintText(cf, 'sendmail-cf', rules).filter((f) => f.ruleId === id && !f.suppressed);

let work = '';
let certs = '';
before(() => {
  if (process.getuid?.() !== 0 || !spawnSync(OPENSSL, ['version']).stdout) return;
  work = tempDir('mh-judged-');
  chmodSync(work, 0o755);
  certs = join(work, 'tls');
  mkdirSync(certs, { mode: 0o755 });
  makeCertificates(certs);
});
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The four options STARTTLS (and M=s) needs, with this server certificate. */
const tlsOptions = (cert: string): Record<string, string> => ({
  ServerCertFile: join(certs, cert),
  ServerKeyFile: join(certs, 'server.key'),
  CACertFile: join(certs, 'ca.crt'),
  CACertPath: certs,
});

function ready(t: TestContext, what: string): boolean {
  return needs(t, SENDMAIL, OPENSSL, M4, DEBIAN_MC) && needsRoot(t, 'sendmail -bd reads the key as root') && liveEnabled(t, what);
}

describe('MH1083 smtps-without-certificate: judged by openssl s_client against a real M=s daemon', () => {
  const smtps = `Name=SMTPS-test, Addr=127.0.0.1, Port=${SMTPS_PORT}, M=s`;

  it('without ServerCertFile/ServerKeyFile the handshake fails, and MH1083 reports the daemon', async (t) => {
    if (!ready(t, `starts sendmail -bd with M=s on 127.0.0.1:${SMTPS_PORT}`)) return;
    let cfText = '';
    const r = await withDaemon(t, work, SMTPS_PORT, (dir) => (cfText = daemonCf(dir, smtps, {})), () => sClient(['-connect', `127.0.0.1:${SMTPS_PORT}`]));
    t.diagnostic(r.out);
    // Measured: the daemon accepts the connection and resets it (write:errno=104), no byte of a handshake read.
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /no peer certificate available/);
    assert.match(r.out, /handshake has read 0 bytes/);
    const hits = ruleFindings(cfText, 'MH1083');
    assert.equal(hits.length, 1, hits.map((f) => f.message).join('\n'));
    assert.match(hits[0]!.message, /SMTPS-test has M=s .* ServerCertFile and ServerKeyFile is not set/);
  });

  it('with the certificate and key the handshake completes and verifies, and MH1083 is silent', async (t) => {
    if (!ready(t, `starts sendmail -bd with M=s on 127.0.0.1:${SMTPS_PORT}`)) return;
    let cfText = '';
    const r = await withDaemon(
      t,
      work,
      SMTPS_PORT,
      (dir) => (cfText = daemonCf(dir, smtps, tlsOptions('good.crt'))),
      () => sClient(['-connect', `127.0.0.1:${SMTPS_PORT}`, '-verify_return_error', '-CAfile', join(certs, 'ca.crt')]),
    );
    t.diagnostic(r.out);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /^New, TLSv1\.[23], Cipher is /m);
    assert.match(r.out, /Verify return code: 0 \(ok\)/);
    assert.deepEqual(ruleFindings(cfText, 'MH1083'), []);
  });

  it('with the certificate and key but no CACertFile/CACertPath the handshake fails as well: MH1070 reports that, not MH1083', async (t) => {
    if (!ready(t, `starts sendmail -bd with M=s on 127.0.0.1:${SMTPS_PORT}`)) return;
    let cfText = '';
    const { ServerCertFile, ServerKeyFile } = tlsOptions('good.crt');
    const r = await withDaemon(t, work, SMTPS_PORT, (dir) => (cfText = daemonCf(dir, smtps, { ServerCertFile: ServerCertFile!, ServerKeyFile: ServerKeyFile! })), () => sClient(['-connect', `127.0.0.1:${SMTPS_PORT}`]));
    t.diagnostic(r.out);
    assert.notEqual(r.status, 0, r.out);
    assert.match(r.out, /no peer certificate available/);
    assert.deepEqual(ruleFindings(cfText, 'MH1083'), []);
    const incomplete = ruleFindings(cfText, 'MH1070');
    assert.equal(incomplete.length, 1, incomplete.map((f) => f.message).join('\n'));
    assert.match(incomplete[0]!.message, /CACertFile and CACertPath are not/);
  });
});

describe('MH6013 certificate-expiry: the real sendmail serves an expired certificate, a verifying client refuses it', () => {
  const mta = `Name=MTA-test, Addr=127.0.0.1, Port=${STARTTLS_PORT}`;

  /** lint --root on a tree whose /etc/mail/sendmail.cf names /etc/mail/tls/server.crt, a copy of `cert`. */
  async function lintWith(cert: string): Promise<string[]> {
    const root = tempDir('mh-judged-root-');
    try {
      mkdirSync(join(root, 'etc/mail/tls'), { recursive: true });
      copyFileSync(join(certs, cert), join(root, 'etc/mail/tls/server.crt'));
      copyFileSync(join(certs, 'server.key'), join(root, 'etc/mail/tls/server.key'));
      writeFileSync(join(root, 'etc/mail/sendmail.cf'), `${debianCf()}O ServerCertFile=/etc/mail/tls/server.crt\nO ServerKeyFile=/etc/mail/tls/server.key\n`);
      const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, profile: 'debian', select: ['MH6013'] });
      return report.findings.filter((f) => f.ruleId === 'MH6013' && !f.suppressed).map((f) => `${f.severity} ${f.message}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  /** What the daemon with this certificate offers on EHLO, and what a verifying STARTTLS client says. */
  async function judge(t: TestContext, cert: string): Promise<{ ehlo: string[]; verified: { status: number; out: string } }> {
    return withDaemon(
      t,
      work,
      STARTTLS_PORT,
      (dir) => daemonCf(dir, mta, tlsOptions(cert)),
      async () => {
        const s = await smtpSession({ host: '127.0.0.1', port: STARTTLS_PORT, commands: ['EHLO client.example', 'QUIT'] });
        const verified = sClient(['-starttls', 'smtp', '-connect', `127.0.0.1:${STARTTLS_PORT}`, '-verify_return_error', '-CAfile', join(certs, 'ca.crt')]);
        t.diagnostic(`${s.transcript}${verified.out}`);
        return { ehlo: s.replies[0]!.lines, verified };
      },
    );
  }

  it('expired: STARTTLS still offered, the verifying handshake fails with "certificate has expired", MH6013 reports it (high)', async (t) => {
    if (!ready(t, `starts sendmail -bd on 127.0.0.1:${STARTTLS_PORT}`)) return;
    const { ehlo, verified } = await judge(t, 'expired.crt');
    assert.ok(ehlo.includes('250-STARTTLS'), ehlo.join('\n'));
    assert.notEqual(verified.status, 0, verified.out);
    assert.match(verified.out, /verify error:num=10:certificate has expired/);
    const hits = await lintWith('expired.crt');
    assert.equal(hits.length, 1, hits.join('\n'));
    assert.match(hits[0]!, /^high ServerCertFile \/etc\/mail\/tls\/server\.crt expired on 2021-01-01/);
  });

  it('valid for a year: the verifying handshake succeeds, MH6013 is silent', async (t) => {
    if (!ready(t, `starts sendmail -bd on 127.0.0.1:${STARTTLS_PORT}`)) return;
    const { ehlo, verified } = await judge(t, 'good.crt');
    assert.ok(ehlo.includes('250-STARTTLS'), ehlo.join('\n'));
    assert.equal(verified.status, 0, verified.out);
    assert.match(verified.out, /Verify return code: 0 \(ok\)/);
    assert.deepEqual(await lintWith('good.crt'), []);
  });

  it('ending in 10 days: still verifies today, MH6013 warns (medium, within its 30 days)', async (t) => {
    if (!ready(t, `starts sendmail -bd on 127.0.0.1:${STARTTLS_PORT}`)) return;
    const { verified } = await judge(t, 'soon.crt');
    assert.equal(verified.status, 0, verified.out);
    const hits = await lintWith('soon.crt');
    assert.equal(hits.length, 1, hits.join('\n'));
    assert.match(hits[0]!, /^medium ServerCertFile \/etc\/mail\/tls\/server\.crt expires on \S+, in (10|11) days/);
  });
});

describe('MH6016 auth-secrets-permissions: what the real sendmail does with authinfo and DefaultAuthInfo at each mode', () => {
  /** lint --root on a tree holding `files` (path → mode, group id) and this cf; MH6016's messages. */
  async function lintTree(cfText: string, files: Record<string, { text: string; mode: number; gid?: number }>): Promise<string[]> {
    const root = tempDir('mh-judged-root-');
    try {
      mkdirSync(join(root, 'etc/mail'), { recursive: true });
      writeFileSync(join(root, 'etc/group'), 'root:x:0:\nstaff:x:50:\n');
      writeFileSync(join(root, 'etc/mail/sendmail.cf'), cfText);
      for (const [path, f] of Object.entries(files)) {
        writeFileSync(join(root, path), f.text);
        chmodSync(join(root, path), f.mode);
        if (f.gid !== undefined) chownSync(join(root, path), 0, f.gid);
      }
      const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, profile: 'debian', select: ['MH6016'] });
      return report.findings.filter((f) => f.ruleId === 'MH6016' && !f.suppressed).map((f) => f.message);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }

  it('the authinfo map: sendmail -bt hands out its password whatever the mode; MH6016 reports every mode but 0600', async (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC) || !needsRoot(t, 'sendmail -C -bt reads the map as root')) return;
    const dir = tempDir('mh-judged-map-');
    try {
      chmodSync(dir, 0o755);
      const line = 'AuthInfo:smtp.example.net "U:relayuser" "P:secret"\n';
      writeFileSync(join(dir, 'authinfo'), line);
      assert.equal(sh([MAKEMAP, 'hash', join(dir, 'authinfo')], { input: line }).status, 0);
      const cf = join(dir, 'test.cf');
      writeFileSync(cf, `${debianCf()}Kauthinfo hash -o ${dir}/authinfo\n`);
      for (const mode of [0o600, 0o640, 0o644, 0o660, 0o666]) {
        chmodSync(join(dir, 'authinfo.db'), mode);
        const r = sh([SENDMAIL, '-C', cf, '-bt'], { input: '/map authinfo AuthInfo:smtp.example.net\n' });
        // Measured: sendmail applies no mode check to a map it reads; the rule is the only guard.
        assert.match(r.out, /returns "U:relayuser" "P:secret"/, `mode ${mode.toString(8)}: ${r.out}`);
        const found = await lintTree('V10/Berkeley\nKauthinfo hash -o /etc/mail/authinfo\n', { 'etc/mail/authinfo.db': { text: 'db', mode, gid: 50 } });
        if (mode === 0o600) assert.deepEqual(found, [], `mode 0600`);
        else {
          assert.equal(found.length, 1, `mode ${mode.toString(8)}: ${found.join(' | ')}`);
          assert.match(found[0]!, new RegExp(`authinfo\\.db, the authinfo map, .* has mode 0${mode.toString(8)}`));
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  /**
   * A fake relay on 127.0.0.2 (an address of lo that is not in sendmail's class w) offering AUTH PLAIN:
   * it records what the client says, accepts AUTH, and defers MAIL with 451, so the message stays in the
   * test's own queue (nothing is delivered or bounced).
   */
  async function relaySession(cfFor: (port: number) => string): Promise<{ heard: string[]; client: string }> {
    const heard: string[] = [];
    const server = createServer((c) => {
      c.write('220 relay.example ESMTP\r\n');
      let buf = '';
      c.on('error', () => {});
      c.on('data', (d) => {
        buf += d.toString('latin1');
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).replace(/\r$/, '');
          buf = buf.slice(i + 1);
          heard.push(line);
          if (/^EHLO /i.test(line)) c.write('250-relay.example\r\n250-AUTH PLAIN\r\n250 OK\r\n');
          else if (/^AUTH /i.test(line)) c.write('235 2.7.0 accepted\r\n');
          else if (/^MAIL /i.test(line)) c.write('451 4.3.0 the test stops here\r\n');
          else if (/^QUIT/i.test(line)) c.end('221 bye\r\n');
          else c.write('250 ok\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.2', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const dir = tempDir('mh-judged-client-');
      try {
        mkdirSync(join(dir, 'q'), { mode: 0o700 });
        mkdirSync(join(dir, 'hs'), { mode: 0o700 });
        writeFileSync(join(dir, 'test.cf'), cfFor(port).replace(/^O QueueDirectory=.*$/m, `O QueueDirectory=${dir}/q`).replace(/^O HostStatusDirectory=.*$/m, `O HostStatusDirectory=${dir}/hs`));
        const client = await runAsync(SENDMAIL, ['-C', join(dir, 'test.cf'), '-odi', '-v', 'user@[127.0.0.2]'], 'Subject: judged\n\nhello\n');
        return { heard, client };
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } finally {
      server.close();
    }
  }

  /** PLAIN's initial response for relayuser/secret, as sendmail sends it. */
  const plain = Buffer.from('relayuser\0relayuser\0secret').toString('base64');

  // sendmail reads DefaultAuthInfo only when the cf has no authinfo ruleset (Debian's cf has one, built by
  // FEATURE(`access_db'), so there the file is never read): the test's cf renames it away.
  for (const c of [
    { mode: 0o600, dbs: true, used: true, why: '' },
    { mode: 0o640, dbs: true, used: true, why: '' },
    { mode: 0o640, dbs: false, used: false, why: 'Group readable file' },
    { mode: 0o604, dbs: true, used: false, why: 'World readable file' },
    { mode: 0o620, dbs: true, used: false, why: 'Group writable file' },
  ]) {
    const name = `DefaultAuthInfo at 0${c.mode.toString(8)}${c.dbs ? " (Debian's DontBlameSendmail, with GroupReadableDefaultAuthInfoFile)" : ' without GroupReadableDefaultAuthInfoFile'}`;
    it(`${name}: ${c.used ? 'sendmail sends its password' : 'sendmail refuses the file and defers the mail'}; MH6016 ${c.mode === 0o600 ? 'is silent' : 'reports it'}`, async (t) => {
      if (!needs(t, SENDMAIL, M4, DEBIAN_MC) || !needsRoot(t, 'sendmail -C as a client reads DefaultAuthInfo as root')) return;
      const dir = tempDir('mh-judged-dai-');
      try {
        chmodSync(dir, 0o755);
        const file = join(dir, 'default-auth-info');
        // user id, authorization id, password, realm, mechanisms: one a line.
        writeFileSync(file, 'relayuser\nrelayuser\nsecret\nexample\nPLAIN\n');
        chmodSync(file, c.mode);
        let cf = debianCf().replace(/^Sauthinfo\b/m, 'Sauthinfo_unused');
        assert.notEqual(cf, debianCf(), "Debian's cf has an authinfo ruleset");
        if (!c.dbs) cf = cf.replace(/^(O DontBlameSendmail=.*),GroupReadableDefaultAuthInfoFile\b/m, '$1');
        const { heard, client } = await relaySession((port) => `${cf.replace(/^(\s+A=TCP \$h)$/gm, `$1 ${port}`)}O DefaultAuthInfo=${file}\nO AuthMechanisms=PLAIN\n`);
        t.diagnostic(`${heard.join('\n')}\n${client}`);
        assert.ok(heard.some((l) => /^EHLO /.test(l)), 'sendmail reached the fake relay');
        if (c.used) assert.ok(heard.includes(`AUTH PLAIN ${plain}`), heard.join('\n'));
        else {
          assert.ok(!heard.some((l) => /^AUTH /.test(l)), heard.join('\n'));
          assert.match(client, /Deferred: Temporary AUTH failure/);
        }
        const found = await lintTree('V10/Berkeley\nO DefaultAuthInfo=/etc/mail/default-auth-info\n', {
          'etc/mail/default-auth-info': { text: 'relayuser\nrelayuser\nsecret\n', mode: c.mode, gid: 50 },
        });
        if (c.mode === 0o600) assert.deepEqual(found, []);
        else {
          assert.equal(found.length, 1, found.join(' | '));
          assert.match(found[0]!, new RegExp(`default-auth-info, the DefaultAuthInfo file, .* has mode 0${c.mode.toString(8)}: `));
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
