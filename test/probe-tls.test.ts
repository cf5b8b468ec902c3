import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { runAsync } from './helpers/cli.js';
import { injectableServer, makeCa, makeCert, OPENSSL, sendmailServer, tlsCf, tlsFront } from './helpers/probe-servers.js';
import { needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';

// The probe's STARTTLS part judged against the real sendmail 8.17.1.9 (`sendmail -bs` behind a loopback
// socket, STARTTLS on certificates made here by openssl): each TLS rule fires on one server and is
// silent on another. Nothing on the system is started or changed.

const TLS_RULES = ['MH7009', 'MH7010', 'MH7011', 'MH7012', 'MH7013'];

interface JsonFinding {
  ruleId: string;
  severity: string;
  message: string;
  line: number;
}

/** `mailharden probe` as users run it, JSON out; the findings of the TLS rules, and the transcript. */
async function probeTls(target: string, args: string[] = []): Promise<{ code: number | null; found: JsonFinding[]; transcript: string; stderr: string }> {
  const work = tempDir('mh-probe-tls-');
  const file = join(work, 'session.smtp');
  const r = await runAsync(['probe', target, '-f', 'json', '--timeout', '15', '--transcript', file, ...args]);
  let found: JsonFinding[] = [];
  if (r.stdout.trim()) found = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.filter((f) => TLS_RULES.includes(f.ruleId));
  let transcript = '';
  try {
    transcript = readFileSync(file, 'utf8');
  } catch {
    // No transcript: the probe failed, and stderr says why.
  }
  rmSync(work, { recursive: true, force: true });
  return { code: r.code, found, transcript, stderr: r.stderr };
}

const ids = (found: JsonFinding[]): string[] => found.map((f) => f.ruleId).sort();

function ready(t: TestContext): boolean {
  return needs(t, SENDMAIL, OPENSSL) && needsRoot(t, 'sendmail -bs reads the certificates as root');
}

let dir = '';
before(() => {
  if (process.getuid?.() !== 0) return;
  dir = tempDir('mh-probe-tls-');
  makeCa(dir);
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('probe STARTTLS against the real sendmail: certificates made by openssl', () => {
  const servers: { close: () => Promise<void> }[] = [];
  after(async () => {
    for (const s of servers) await s.close();
  });
  const serve = async (cert: Parameters<typeof makeCert>[1], extra: Record<string, string> = {}) => {
    const s = await sendmailServer(dir, tlsCf(dir, makeCert(dir, cert), extra));
    servers.push(s);
    return s.port;
  };

  it('a good certificate (from the CA given with --ca, naming 127.0.0.1): no TLS finding; STARTTLS, EHLO again, TLS 1.0 and 1.1 refused', async (t) => {
    if (!ready(t)) return;
    const port = await serve({ name: 'good', cn: 'localhost', san: 'DNS:localhost,IP:127.0.0.1' });
    const r = await probeTls(`127.0.0.1:${port}`, ['--ca', join(dir, 'ca.pem')]);
    assert.deepEqual(ids(r.found), [], r.transcript);
    assert.match(r.transcript, /^C: STARTTLS\nS: 220 2\.0\.0 Ready to start TLS\nT: handshake TLSv1\.3 \S+\n/m);
    assert.match(r.transcript, /^T: verify ok$/m);
    // RFC 3207: EHLO again inside TLS; sendmail no longer offers STARTTLS there.
    const afterTls = r.transcript.split('T: time ')[1]!;
    assert.match(afterTls, /^C: EHLO probe\.mailharden\.invalid$/m);
    assert.doesNotMatch(afterTls.split('# connection 2')[0]!, /STARTTLS/);
    assert.match(r.transcript, /^T: try TLSv1 refused /m);
    assert.match(r.transcript, /^T: try TLSv1\.1 refused /m);
    // Without --ca nobody vouches for the test CA.
    const untrusted = await probeTls(`127.0.0.1:${port}`);
    assert.deepEqual(untrusted.found.map((f) => [f.ruleId, f.severity]), [['MH7011', 'medium']]);
    assert.match(untrusted.found[0]!.message, /not issued by a trusted CA \(issuer CN=mailharden probe test CA\): OpenSSL says SELF_SIGNED_CERT_IN_CHAIN/); // sendmail sends its CACertFile along
    // A name the certificate does not carry: the name probed is the one judged (localhost resolves to loopback).
    const byName = await probeTls(`localhost:${port}`, ['--ca', join(dir, 'ca.pem')]);
    assert.deepEqual(ids(byName.found), [], byName.transcript);
  });

  it('a self-signed certificate for another name, with @SECLEVEL=0: MH7010, MH7011 and MH7013 for TLS 1.0 and 1.1', async (t) => {
    if (!ready(t)) return;
    const port = await serve({ name: 'self', cn: 'mx.example.test', selfSigned: true }, { CipherList: 'DEFAULT:@SECLEVEL=0' });
    const r = await probeTls(`127.0.0.1:${port}`, ['--ca', join(dir, 'ca.pem')]);
    assert.equal(r.code, 1);
    assert.deepEqual(r.found.map((f) => [f.ruleId, f.severity]).sort(), [['MH7010', 'medium'], ['MH7011', 'medium'], ['MH7013', 'medium'], ['MH7013', 'medium']], r.transcript);
    const by = (id: string) => r.found.filter((f) => f.ruleId === id).map((f) => f.message);
    assert.match(by('MH7010')[0]!, /does not name 127\.0\.0\.1: the address 127\.0\.0\.1 is not among its names \(\(none\)\)/);
    assert.match(by('MH7011')[0]!, /self-signed \(CN=mx\.example\.test\): OpenSSL says DEPTH_ZERO_SELF_SIGNED_CERT/);
    assert.deepEqual(by('MH7013').map((m) => /only (TLSv1(?:\.1)?) succeeded/.exec(m)?.[1]), ['TLSv1', 'TLSv1.1']);
  });

  it('an expired and a not yet valid certificate (openssl ca -startdate/-enddate): MH7009, high', async (t) => {
    if (!ready(t)) return;
    const expired = await serve({ name: 'expired', cn: 'localhost', san: 'IP:127.0.0.1', start: '20200101000000Z', end: '20210101000000Z' });
    const r = await probeTls(`127.0.0.1:${expired}`, ['--ca', join(dir, 'ca.pem')]);
    assert.deepEqual(r.found.map((f) => [f.ruleId, f.severity]), [['MH7009', 'high']], r.transcript);
    assert.match(r.found[0]!.message, /^the TLS certificate expired on 2021-01-01T00:00:00\.000Z \(the probe ran at 20\d\d-/);
    assert.match(r.transcript, /^T: verify CERT_HAS_EXPIRED$/m);
    const early = await serve({ name: 'early', cn: 'localhost', san: 'IP:127.0.0.1', start: '20900101000000Z', end: '20910101000000Z' });
    const e = await probeTls(`127.0.0.1:${early}`, ['--ca', join(dir, 'ca.pem')]);
    assert.deepEqual(e.found.map((f) => [f.ruleId, f.severity]), [['MH7009', 'high']], e.transcript);
    assert.match(e.found[0]!.message, /^the TLS certificate is not valid before 2090-01-01T00:00:00\.000Z/);
  });

  it('the AUTH acceptance test (no secret: AUTH PLAIN, then * when asked): sendmail with AuthOptions=p refuses what it hides, MH7020 silent', async (t) => {
    if (!ready(t)) return;
    const mechanisms = { AuthMechanisms: 'PLAIN LOGIN CRAM-MD5' };
    const cert = { name: 'auth', cn: 'localhost', san: 'IP:127.0.0.1' };
    const run = async (extra: Record<string, string>) => {
      const port = await serve(cert, { ...mechanisms, ...extra });
      const file = join(dir, `auth-${port}.smtp`);
      const r = await runAsync(['probe', `127.0.0.1:${port}`, '-f', 'json', '--timeout', '15', '--transcript', file, '--ca', join(dir, 'ca.pem')]);
      return { ids: (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.map((f) => f.ruleId), transcript: readFileSync(file, 'utf8') };
    };
    const hidden = await run({ AuthOptions: 'p' });
    assert.match(hidden.transcript, /^C: AUTH PLAIN\nS: 504 5\.3\.3 AUTH mechanism PLAIN not available$/m);
    assert.ok(!hidden.ids.includes('MH7020') && !hidden.ids.includes('MH7006'), hidden.ids.join(' '));
    // Inside TLS sendmail offers them (EHLO again after STARTTLS).
    assert.match(hidden.transcript.split('T: time')[1]!, /^S: 250-AUTH PLAIN LOGIN CRAM-MD5$/m);
    const open = await run({});
    assert.match(open.transcript, /^C: AUTH PLAIN\nS: 334 \nC: \*\nS: 501 5\.0\.0 AUTH aborted$/m);
    // Offered and taken in clear: MH7006's; nothing hidden, so not MH7020's.
    assert.ok(open.ids.includes('MH7006') && !open.ids.includes('MH7020'), open.ids.join(' '));
  });

  it('sendmail will not load a 1024-bit key at OpenSSL 3\'s default level: it offers no STARTTLS (MH7008), and the probe does not guess', async (t) => {
    if (!ready(t)) return;
    const port = await serve({ name: 'weak-sendmail', cn: 'localhost', san: 'IP:127.0.0.1', bits: 1024 }, { CipherList: 'DEFAULT:@SECLEVEL=0' });
    const r = await runAsync(['probe', `127.0.0.1:${port}`, '-f', 'json', '--timeout', '15']);
    const all = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.map((f) => f.ruleId);
    assert.ok(all.includes('MH7008'), all.join(' '));
    assert.deepEqual(all.filter((id) => TLS_RULES.includes(id)), []);
  });
});

describe('probe TLS where sendmail needs a front: a 1024-bit key, implicit TLS (smtps://)', () => {
  it('a 1024-bit RSA key made by openssl: MH7012, high; a 2048-bit one: silent', async (t) => {
    if (!ready(t)) return;
    const cf = tlsCf(dir, undefined);
    for (const [bits, want] of [[1024, [['MH7012', 'high']]], [2048, []]] as const) {
      const front = await tlsFront(dir, cf, makeCert(dir, { name: `front-${bits}`, cn: 'localhost', san: 'IP:127.0.0.1', bits }), true);
      try {
        const r = await probeTls(`127.0.0.1:${front.port}`, ['--ca', join(dir, 'ca.pem')]);
        assert.deepEqual(r.found.map((f) => [f.ruleId, f.severity]), want, `${r.stderr}${r.transcript}`);
        if (bits === 1024) assert.match(r.found[0]!.message, /RSA key has 1024 bits \(at least 2048 are needed\)/);
        assert.match(r.transcript, new RegExp(`^T: key RSA ${bits}$`, 'm'));
      } finally {
        front.close();
      }
    }
  });

  it('smtps:// speaks TLS first, then reads the greeting inside it: no MH7008, no MH7006 on that EHLO', async (t) => {
    if (!ready(t)) return;
    const front = await tlsFront(dir, tlsCf(dir, undefined), makeCert(dir, { name: 'implicit', cn: 'localhost', san: 'IP:127.0.0.1' }), false);
    try {
      const r = await runAsync(['probe', `smtps://127.0.0.1:${front.port}`, '-f', 'json', '--timeout', '15', '--ca', join(dir, 'ca.pem')]);
      const all = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.map((f) => f.ruleId);
      assert.ok(!all.includes('MH7008'), all.join(' '));
      assert.ok(!all.some((id) => TLS_RULES.includes(id)), all.join(' '));
      // Sendmail's own lines came through the TLS front (its version shows in the greeting: MH7001).
      assert.ok(all.includes('MH7001'), all.join(' '));
    } finally {
      front.close();
    }
  });
});

describe('the STARTTLS command-injection test (CVE-2011-0411), opt-in: --starttls-injection', () => {
  it('the real sendmail 8.17 drops what it read in clear: MH7021 silent; without the flag the test is not run', async (t) => {
    if (!ready(t)) return;
    const s = await sendmailServer(dir, tlsCf(dir, makeCert(dir, { name: 'inject-sendmail', cn: 'localhost', san: 'IP:127.0.0.1' })));
    try {
      const r = await probeTls(`127.0.0.1:${s.port}`, ['--ca', join(dir, 'ca.pem'), '--starttls-injection']);
      const part = r.transcript.split(/^# connection \d+: STARTTLS command injection/m)[1] ?? '';
      assert.match(part, /^C: STARTTLS\nS: 220 2\.0\.0 Ready to start TLS\nT: handshake \S+ \S+\nT: injected RSET\nC: RSET\n?$/m, r.transcript);
      assert.doesNotMatch(part, /^S: 250 2\.0\.0 Reset state/m);
      const plain = await probeTls(`127.0.0.1:${s.port}`, ['--ca', join(dir, 'ca.pem')]);
      assert.doesNotMatch(plain.transcript, /injection|T: injected/);
    } finally {
      await s.close();
    }
  });

  it('a server that runs the injected RSET inside TLS (node:tls, the bug on purpose): MH7021, high', async (t) => {
    if (!ready(t)) return;
    const s = await injectableServer(makeCert(dir, { name: 'injectable', cn: 'localhost', san: 'IP:127.0.0.1' }));
    try {
      const r = await runAsync(['probe', `127.0.0.1:${s.port}`, '-f', 'json', '--timeout', '5', '--ca', join(dir, 'ca.pem'), '--starttls-injection']);
      const found = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings.filter((f) => f.ruleId === 'MH7021');
      assert.deepEqual(found.map((f) => [f.severity, f.message]), [['high', 'the RSET sent in clear with STARTTLS was answered inside TLS: "250 2.0.0 Reset state"; a man in the middle can add commands to the encrypted session']], r.stderr);
    } finally {
      s.close();
    }
  });
});
