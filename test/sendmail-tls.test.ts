import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { lint } from '../src/lint/request.js';
import { WEAK_CLASSES, weakCiphers, type WeakClass } from '../src/model/cipher-string.js';
import { rules } from '../rules/index.js';
import { lintText } from '../src/lint/text.js';
import { debianCf, needs, needsRoot, SENDMAIL, sendmailReads, tempDir } from './helpers/real.js';
import { liveEnabled } from './helpers/live.js';
import { smtpSession } from './helpers/smtp-bs.js';

// The rules of rules/sendmail-tls and the host rules MH6012/MH6013, judged by the real sendmail 8.17.1.9
// with certificates made here by openssl: does EHLO offer STARTTLS, which protocols does the handshake accept.

const OPENSSL = '/usr/bin/openssl';

/** Runs a program without blocking the event loop (the SMTP bridge below lives in this process). */
function run(cmd: string, args: string[], input = ''): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    child.stdin.end(input);
  });
}

/** A CA, a server certificate signed by it, and a hashed CA directory, made with openssl in `dir`. */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]) => {
    const r = spawnSync(OPENSSL, args, { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=mailharden test CA');
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=localhost');
  ssl('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '30');
  chmodSync(join(dir, 'server.key'), 0o600);
  mkdirSync(join(dir, 'certs'));
  copyFileSync(join(dir, 'ca.pem'), join(dir, 'certs', 'ca.pem'));
  ssl('rehash', join(dir, 'certs'));
}

/** The four options STARTTLS needs, for certificates under `dir`. */
function tlsOptions(dir: string, key = join(dir, 'server.key')): Record<string, string> {
  return { ServerCertFile: join(dir, 'server.pem'), ServerKeyFile: key, CACertFile: join(dir, 'ca.pem'), CACertPath: join(dir, 'certs') };
}

/**
 * Debian's stock cf with these options (a value of undefined leaves the option out); the host status
 * directory is moved to `dir`, since sendmail prints a warning on stdout where /var/lib/sendmail is not set up.
 */
function cfWith(dir: string, options: Record<string, string | undefined>): string {
  const lines = Object.entries(options)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `O ${k}=${v}`);
  return `${debianCf()}\nO HostStatusDirectory=${dir}\n${lines.join('\n')}\n`;
}

/** Whether the first EHLO reply of `sendmail -bs` on this cf offers STARTTLS. */
async function offersStarttls(cf: string): Promise<boolean> {
  const exchanges = await smtpSession(cf, ['EHLO client.example.com', 'QUIT']);
  return exchanges[1]!.lines.some((l) => /^250[- ]STARTTLS$/.test(l));
}

const findings = (cf: string, id: string) => lintText(cf, 'sendmail-cf', rules).filter((f) => f.ruleId === id && !f.suppressed);

/** The real programs and root (`-bs` with a qualified host name runs as root here). */
function ready(t: TestContext): boolean {
  return needs(t, SENDMAIL, OPENSSL) && needsRoot(t, 'sendmail -bs reads the certificates as root');
}

let dir = '';
before(() => {
  if (process.getuid?.() !== 0) return;
  dir = tempDir('mh-tls-');
  chmodSync(dir, 0o755);
  makeCertificates(dir);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('MH1070 starttls-incomplete: judged by EHLO of the real sendmail', () => {
  it('all four options: STARTTLS offered and nothing reported', async (t) => {
    if (!ready(t)) return;
    const cf = cfWith(dir, tlsOptions(dir));
    assert.equal(await offersStarttls(cf), true);
    assert.deepEqual(findings(cf, 'MH1070'), []);
  });
  for (const left of ['CACertPath', 'CACertFile', 'ServerKeyFile']) {
    it(`without ${left}: no STARTTLS, and MH1070 says so`, async (t) => {
      if (!ready(t)) return;
      const cf = cfWith(dir, { ...tlsOptions(dir), [left]: undefined });
      assert.equal(await offersStarttls(cf), false);
      const hits = findings(cf, 'MH1070');
      assert.equal(hits.length, 1);
      assert.match(hits[0]!.message, new RegExp(`${left} is not`));
    });
  }
});

describe('MH6012 tls-file-unsafe: the host rule agrees with the real sendmail', () => {
  /** Builds a root holding the certificates and a cf naming them; returns STARTTLS offered? and MH6012 reported? */
  async function judge(setup: { keyMode?: number; dbs?: string; dirMode?: number; noCert?: boolean }): Promise<{ offered: boolean; reported: string[] }> {
    const root = tempDir('mh-tls-root-');
    chmodSync(root, 0o755);
    const tls = join(root, 'etc/mail/tls');
    mkdirSync(tls, { recursive: true });
    for (const d of [join(root, 'etc'), join(root, 'etc/mail')]) chmodSync(d, 0o755);
    chmodSync(tls, setup.dirMode ?? 0o755);
    for (const f of ['server.pem', 'server.key', 'ca.pem']) if (!(setup.noCert && f === 'server.pem')) copyFileSync(join(dir, f), join(tls, f));
    chmodSync(join(tls, 'server.key'), setup.keyMode ?? 0o600);
    mkdirSync(join(root, 'etc/ssl/certs'), { recursive: true });
    const inTree = { ...tlsOptions('/etc/mail/tls'), CACertPath: '/etc/ssl/certs', DontBlameSendmail: setup.dbs };
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), cfWith('/var/lib/sendmail', inTree));
    // sendmail reads the same files through their host paths; the CA directory is the one made by openssl.
    const offered = await offersStarttls(cfWith(dir, { ...tlsOptions(tls), CACertPath: join(dir, 'certs'), DontBlameSendmail: setup.dbs }));
    const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, profile: 'debian' });
    const reported = report.findings.filter((f) => f.ruleId === 'MH6012' && !f.suppressed).map((f) => f.message);
    rmSync(root, { recursive: true, force: true });
    return { offered, reported };
  }
  // Debian's cf sets its own DontBlameSendmail; a case that sets one keeps Debian's TrustStickyBit (the root is under sticky /tmp).
  const cases: { name: string; setup: Parameters<typeof judge>[0] }[] = [
    { name: 'key 0600', setup: {} },
    { name: 'key 0640', setup: { keyMode: 0o640 } },
    { name: 'key 0640 with GroupReadableKeyFile', setup: { keyMode: 0o640, dbs: 'TrustStickyBit,GroupReadableKeyFile' } },
    { name: 'key 0604 with GroupReadableKeyFile', setup: { keyMode: 0o604, dbs: 'TrustStickyBit,GroupReadableKeyFile' } },
    { name: 'certificate missing', setup: { noCert: true } },
    { name: 'directory 0775', setup: { dirMode: 0o775 } },
  ];
  for (const c of cases) {
    it(`${c.name}: reported exactly when the real sendmail offers no STARTTLS`, async (t) => {
      if (!ready(t)) return;
      const { offered, reported } = await judge(c.setup);
      assert.equal(reported.length > 0, !offered, `offered=${offered}, reported: ${reported.join(' | ')}`);
    });
  }
});

/**
 * `sendmail -bs` behind a loopback socket: each connection gets its own sendmail, talking over pipes
 * (sendmail runs TLS over its standard input and output as well), so openssl s_client can do the handshake.
 */
async function withServer<T>(cf: string, body: (port: number) => Promise<T>): Promise<T> {
  const cfPath = join(dir, `bridge-${process.hrtime.bigint()}.cf`);
  writeFileSync(cfPath, cf, { mode: 0o644 });
  const server = createServer((sock) => {
    const child = spawn(SENDMAIL, ['-C', cfPath, '-bs'], { stdio: ['pipe', 'pipe', 'ignore'] });
    sock.pipe(child.stdin);
    child.stdout.pipe(sock);
    sock.on('error', () => child.kill());
    child.stdin.on('error', () => sock.destroy());
    child.on('close', () => sock.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    return await body((server.address() as AddressInfo).port);
  } finally {
    server.close();
  }
}

/** Whether a STARTTLS handshake with this protocol option (`-tls1_1`) completes; the client allows everything. */
async function handshake(port: number, protocol: string, cipher = 'ALL@SECLEVEL=0'): Promise<string> {
  const out = await run(OPENSSL, ['s_client', '-starttls', 'smtp', '-connect', `127.0.0.1:${port}`, protocol, '-cipher', cipher, '-CAfile', join(dir, 'ca.pem')], 'QUIT\n');
  const m = /^New, (\S+), Cipher is (\S+)/m.exec(out);
  return m && m[2] !== '(NONE)' ? m[1]!.replace(/,$/, '') : 'refused';
}

describe('MH1072 legacy-tls-allowed: TLS 1.0 and 1.1 handshakes with the real sendmail and openssl s_client', () => {
  const cases: { name: string; options: Record<string, string>; legacy: boolean }[] = [
    { name: 'no SSL options (OpenSSL 3.0 refuses TLS 1.0/1.1 at security level 1 and above)', options: {}, legacy: false },
    { name: 'the flags cleared alone (the library still refuses)', options: { ServerSSLOptions: '-SSL_OP_NO_TLSv1 -SSL_OP_NO_TLSv1_1' }, legacy: false },
    { name: '@SECLEVEL=0', options: { CipherList: 'DEFAULT:@SECLEVEL=0' }, legacy: true },
    { name: '@SECLEVEL=0 and only +SSL_OP_NO_TLSv1', options: { CipherList: 'DEFAULT:@SECLEVEL=0', ServerSSLOptions: '+SSL_OP_NO_TLSv1' }, legacy: true },
    { name: '@SECLEVEL=0 with both flags set', options: { CipherList: 'DEFAULT:@SECLEVEL=0', ServerSSLOptions: '+SSL_OP_NO_TLSv1 +SSL_OP_NO_TLSv1_1' }, legacy: false },
  ];
  for (const c of cases) {
    it(`${c.name}: TLS 1.1 ${c.legacy ? 'accepted, and reported' : 'refused'}`, async (t) => {
      if (!ready(t)) return;
      const cf = cfWith(dir, { ...tlsOptions(dir), ...c.options });
      const got = await withServer(cf, async (port) => [await handshake(port, '-tls1_1'), await handshake(port, '-tls1_2')]);
      assert.equal(got[1], 'TLSv1.2', 'TLS 1.2 always works');
      assert.equal(got[0] !== 'refused', c.legacy, `TLS 1.1 handshake: ${got[0]}`);
      // The medium finding (not the low one about cleared flags) is there exactly when TLS 1.1 gets through.
      const medium = findings(cf, 'MH1072').filter((f) => f.severity === 'medium');
      assert.equal(medium.length > 0, c.legacy);
    });
  }
});

describe('MH1073 weak-dh-parameters: what the real sendmail does with the built-in groups', () => {
  it('DHParameters=2 gives a 2048-bit DHE key; 5 and 1 give no DHE suite at all, and are reported', async (t) => {
    if (!ready(t)) return;
    for (const [value, dhe, reported] of [['2', true, false], ['5', false, true], ['1', false, true]] as const) {
      const cf = cfWith(dir, { ...tlsOptions(dir), CipherList: 'ALL:@SECLEVEL=0', DHParameters: value });
      const got = await withServer(cf, (port) => handshake(port, '-tls1_2', 'DHE-RSA-AES128-SHA@SECLEVEL=0'));
      assert.equal(got !== 'refused', dhe, `DHParameters=${value}: ${got}`);
      assert.equal(findings(cf, 'MH1073').length > 0, reported);
    }
  });
});

describe('MH1071 weak-cipher-list: never says clean where openssl ciphers -v lists a weak suite', () => {
  /** The weak kinds `openssl ciphers -v` shows for a cipher string (only aNULL, eNULL and MD5 exist in OpenSSL 3.0). */
  function opensslClasses(list: string): Set<WeakClass> {
    const r = spawnSync(OPENSSL, ['ciphers', '-v', list], { encoding: 'utf8' });
    const out = new Set<WeakClass>();
    for (const line of r.status === 0 ? r.stdout.split('\n') : []) {
      if (/Au=None/.test(line)) out.add('aNULL');
      if (/Enc=None/.test(line)) out.add('eNULL');
      if (/Mac=MD5/.test(line)) out.add('MD5');
      if (/Enc=RC4/.test(line)) out.add('RC4');
      if (/Enc=3DES/.test(line)) out.add('3DES');
      if (/Enc=DES\(/.test(line)) out.add('DES');
    }
    return out;
  }
  const strings = [
    'ALL', 'DEFAULT', 'HIGH', 'HIGH:!aNULL', 'HIGH:!aNULL:!eNULL:!MD5', 'ALL:!aNULL', 'ALL:-aNULL:ADH', 'ALL:!ADH', 'AES', 'AES:!aNULL',
    'ECDHE', 'kEECDH', 'aNULL', 'eNULL', 'NULL', 'MD5', 'COMPLEMENTOFALL', 'COMPLEMENTOFDEFAULT', 'RSA', 'kRSA', 'aRSA', 'SHA1', 'SHA256',
    'kEDH', 'EDH', 'DHE', 'AECDH', 'ADH', 'CAMELLIA', 'AESGCM', 'CHACHA20', 'ECDHE+AESGCM', 'RSA+AESGCM', 'TLSv1.2', 'PSK', 'SSLv3',
    'DEFAULT:ADH-AES256-GCM-SHA384', 'HIGH:!aNULL:+SHA1', 'HIGH:!aNULL:-MD5:NULL-MD5', 'ECDHE-ECDSA-NULL-SHA', 'EECDH+aRSA', 'ALL:@SECLEVEL=0',
  ];
  for (const list of strings) {
    it(`"${list}"`, (t) => {
      if (!needs(t, OPENSSL)) return;
      const real = opensslClasses(list);
      const ours = weakCiphers(list);
      for (const c of real) assert.ok(ours.has(c), `openssl lists ${c} suites for "${list}", the rule does not see them`);
    });
  }
  it('the common safe strings are clean for the kinds this OpenSSL has', (t) => {
    if (!needs(t, OPENSSL)) return;
    for (const list of ['DEFAULT', 'HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES', 'ECDHE+AESGCM:CHACHA20', 'HIGH:!aNULL:!MD5']) {
      assert.deepEqual(opensslClasses(list).size, 0, list);
      assert.deepEqual([...weakCiphers(list).keys()].filter((c) => (WEAK_CLASSES as readonly string[]).includes(c)), [], list);
    }
  });
});

describe('MH1074 tls-fallback-to-clear: sendmail reads the option', () => {
  it('sendmail -d37.1 sets TLSFallbacktoClear from the cf line the rule reports', (t) => {
    if (!needs(t, SENDMAIL)) return;
    const cf = `${debianCf()}\nO TLSFallbacktoClear=True\n`;
    assert.ok(sendmailReads(cf).options.some((o) => o.name === 'TLSFallbacktoClear' && o.value === 'True'));
    assert.equal(findings(cf, 'MH1074').length, 1);
  });
});

describe('MH1075 daemon-without-starttls: the real daemon on loopback', () => {
  it('the daemon with M=S offers no STARTTLS, the one without does; MH1075 reports M=S on a public daemon', async (t) => {
    if (!ready(t) || !liveEnabled(t, 'starts sendmail -bd on two loopback ports')) return;
    const ports = await Promise.all([freePort(), freePort()]);
    const pid = join(dir, 'daemon.pid');
    // Debian's daemons (127.0.0.1:25 and :587) are left out: the test listens only on its own ports.
    const cf = cfWith(dir, { ...tlsOptions(dir), PidFile: pid })
      .split('\n')
      .filter((l) => !l.startsWith('O DaemonPortOptions='))
      .concat([`O DaemonPortOptions=Port=${ports[0]}, Addr=127.0.0.1, Name=NoTLS, M=S`, `O DaemonPortOptions=Port=${ports[1]}, Addr=127.0.0.1, Name=TLS`, ''])
      .join('\n');
    const cfPath = join(dir, 'daemon.cf');
    writeFileSync(cfPath, cf, { mode: 0o644 });
    const r = spawnSync(SENDMAIL, ['-C', cfPath, '-bd'], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(r.status, 0, r.stderr);
    // The daemon writes its pid file once it has forked and bound its sockets.
    for (let i = 0; i < 100 && !existsSync(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    const daemon = Number(readFileSync(pid, 'utf8').split('\n')[0]);
    try {
      const ehlo = async (port: number) => /^250-STARTTLS\r?$/m.test(await smtpOver(port));
      assert.equal(await ehlo(ports[0]!), false);
      assert.equal(await ehlo(ports[1]!), true);
    } finally {
      process.kill(daemon, 'SIGTERM');
    }
    // The same modifiers on a daemon other hosts reach are MH1075's finding.
    const pub = `${debianCf()}\nO DaemonPortOptions=Port=smtp, Name=MTA, M=S\n`;
    assert.equal(findings(pub, 'MH1075').length, 1);
  });
});

/** A port nobody listens on now. */
function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The EHLO reply of a daemon, read after its greeting (greet_pause refuses a client that talks first). */
function smtpOver(port: number): Promise<string> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    let text = '';
    let sent = false;
    const timer = setTimeout(() => sock.destroy(), 15_000);
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      text += d;
      if (!sent && /^220 /m.test(text)) {
        sent = true;
        sock.write('EHLO client.example.com\r\n');
      } else if (sent && /^250 /m.test(text)) {
        sock.end('QUIT\r\n');
      }
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
    sock.on('error', () => undefined);
  });
}
