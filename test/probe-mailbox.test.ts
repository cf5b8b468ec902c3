import assert from 'node:assert/strict';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { runAsync } from './helpers/cli.js';
import { Dovecot, DOVECOT, DOVECOT_ADDRESS, type DovecotSetup } from './helpers/dovecot.js';
import { makeCa, makeCert, OPENSSL } from './helpers/probe-servers.js';
import { needs, needsRoot, tempDir } from './helpers/real.js';

// `mailharden probe pop3://… imap://… pop3s://… imaps://…` against Debian's dovecot, run here from a
// configuration of its own in a temporary directory, on 127.0.0.2 (the probe comes from 127.0.0.1:
// dovecot counts a client on its own address as secure). Three servers: insecure (plain-text logins
// in clear, APOP, TLS 1.0 allowed, the default greeting), hardened (ssl = required, a plain greeting)
// and one without TLS. Each POP3/IMAP rule fires on one and is silent on another. Nothing on the
// system changes, so this is an ordinary test that needs the binaries (and fails in CI without them).

interface JsonFinding {
  ruleId: string;
  severity: string;
  message: string;
}

const MAILBOX_RULES = ['MH7009', 'MH7010', 'MH7011', 'MH7012', 'MH7013', 'MH7014', 'MH7015', 'MH7016', 'MH7017', 'MH7018', 'MH7019'];

let dir = '';
let ca = '';
const servers = new Map<string, Dovecot>();

function ready(t: TestContext): boolean {
  return needs(t, DOVECOT, OPENSSL) && needsRoot(t, 'dovecot runs its login processes as dovenull') && servers.size === 3;
}

const setups: Record<string, (cert: { cert: string; key: string }) => DovecotSetup> = {
  insecure: (cert) => ({ ssl: 'yes', plaintextInClear: true, mechanisms: 'plain login apop', minProtocol: 'TLSv1', cert }),
  hardened: (cert) => ({ ssl: 'required', plaintextInClear: false, mechanisms: 'plain login', greeting: 'ready.', cert }),
  notls: () => ({ ssl: 'no', plaintextInClear: true, mechanisms: 'plain login' }),
};

before(async () => {
  // Without the binaries or root, each test says why through needs() and needsRoot().
  if (process.getuid?.() !== 0 || !existsSync(DOVECOT) || !existsSync(OPENSSL)) return;
  dir = tempDir('mh-probe-dovecot-');
  makeCa(dir);
  ca = join(dir, 'ca.pem');
  const cert = makeCert(dir, { name: 'dovecot', cn: 'localhost', san: `IP:${DOVECOT_ADDRESS}` });
  for (const [name, setup] of Object.entries(setups)) {
    const d = new Dovecot(dir, setup(cert));
    await d.start();
    servers.set(name, d);
  }
});

after(async () => {
  for (const d of servers.values()) await d.stopped();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function probe(url: string): Promise<{ code: number | null; found: JsonFinding[]; transcript: string }> {
  const file = join(dir, `session-${process.hrtime.bigint()}.txt`);
  const r = await runAsync(['probe', url, '-f', 'json', '--timeout', '15', '--ca', ca, '--transcript', file]);
  assert.ok(r.stdout.trim(), `${url}: ${r.stderr}`);
  const found = (JSON.parse(r.stdout) as { findings: JsonFinding[] }).findings;
  for (const f of found) assert.ok(MAILBOX_RULES.includes(f.ruleId), `${url}: an SMTP rule on a mailbox transcript: ${f.ruleId} ${f.message}`);
  return { code: r.code, found, transcript: readFileSync(file, 'utf8') };
}

const sorted = (found: JsonFinding[]) => found.map((f) => f.ruleId).sort();

describe('probe POP3 and IMAP against Debian\'s dovecot (insecure, hardened, without TLS)', () => {
  it('insecure POP3: greeting names Dovecot, APOP offered, SASL PLAIN LOGIN and USER in clear, TLS 1.0 and 1.1 accepted', async (t) => {
    if (!ready(t)) return;
    const r = await probe(`pop3://${DOVECOT_ADDRESS}:${servers.get('insecure')!.pop3}`);
    assert.equal(r.code, 1);
    assert.deepEqual(sorted(r.found), ['MH7013', 'MH7013', 'MH7014', 'MH7015', 'MH7016', 'MH7017'], r.transcript);
    const by = (id: string) => r.found.find((f) => f.ruleId === id)!.message;
    assert.match(by('MH7014'), /names the server software "Dovecot \(Debian\)"/);
    assert.match(by('MH7015'), /^USER was answered "\+OK" without TLS/);
    assert.match(by('MH7016'), /APOP timestamp "<[^>]+@[^>]+>"/);
    assert.match(by('MH7017'), /POP3 offers SASL PLAIN and SASL LOGIN before TLS: "SASL PLAIN LOGIN"/);
    // Never a password: the only login command sent is USER of a name that does not exist.
    assert.deepEqual(r.transcript.split('\n').filter((l) => /^C: (USER|PASS|APOP|AUTH)/.test(l)), ['C: USER mailharden-probe-no-such-user']);
    // STLS, the certificate, CAPA again inside TLS.
    assert.match(r.transcript, /^C: STLS\nS: \+OK Begin TLS negotiation now\.\nT: handshake /m);
    assert.match(r.transcript, /^T: verify ok$/m);
  });

  it('insecure IMAP: AUTH=PLAIN and no LOGINDISABLED before STARTTLS', async (t) => {
    if (!ready(t)) return;
    const r = await probe(`imap://${DOVECOT_ADDRESS}:${servers.get('insecure')!.imap}`);
    assert.deepEqual(sorted(r.found), ['MH7013', 'MH7013', 'MH7014', 'MH7017', 'MH7018'], r.transcript);
    assert.match(r.transcript, /^C: a\d+ STARTTLS\nS: a\d+ OK Begin TLS negotiation now\.\nT: handshake /m);
  });

  it('hardened POP3 and IMAP, and pop3s/imaps: nothing to report', async (t) => {
    if (!ready(t)) return;
    const d = servers.get('hardened')!;
    for (const url of [`pop3://${DOVECOT_ADDRESS}:${d.pop3}`, `imap://${DOVECOT_ADDRESS}:${d.imap}`, `pop3s://${DOVECOT_ADDRESS}:${d.pop3s}`, `imaps://${DOVECOT_ADDRESS}:${d.imaps}`]) {
      const r = await probe(url);
      assert.equal(r.code, 0, url);
      assert.deepEqual(sorted(r.found), [], `${url}\n${r.transcript}`);
    }
    // What made it silent, in the server's words.
    const pop3 = await probe(`pop3://${DOVECOT_ADDRESS}:${d.pop3}`);
    assert.match(pop3.transcript, /^S: -ERR \[AUTH\] Plaintext authentication disallowed on non-secure \(SSL\/TLS\) connections\.$/m);
    const imap = await probe(`imap://${DOVECOT_ADDRESS}:${d.imap}`);
    assert.match(imap.transcript, /^S: \* CAPABILITY .*\bSTARTTLS LOGINDISABLED$/m);
    assert.match(imap.transcript, /^T: try TLSv1 refused /m);
  });

  it('implicit TLS on the insecure server (pop3s://): the TLS rules still judge it, the clear-text rules have nothing to say', async (t) => {
    if (!ready(t)) return;
    const r = await probe(`pop3s://${DOVECOT_ADDRESS}:${servers.get('insecure')!.pop3s}`);
    assert.match(r.transcript, /^# mailharden probe of pop3s:\/\/127\.0\.0\.2:\d+ .*\nT: handshake /);
    // USER inside TLS is no finding; the greeting's name and APOP stay findings.
    assert.deepEqual(sorted(r.found), ['MH7013', 'MH7013', 'MH7014', 'MH7016'], r.transcript);
  });

  it('a server without TLS: MH7019 for POP3 and IMAP, with the plain-text findings', async (t) => {
    if (!ready(t)) return;
    const d = servers.get('notls')!;
    const pop3 = await probe(`pop3://${DOVECOT_ADDRESS}:${d.pop3}`);
    assert.deepEqual(sorted(pop3.found), ['MH7014', 'MH7015', 'MH7017', 'MH7019'], pop3.transcript);
    const imap = await probe(`imap://${DOVECOT_ADDRESS}:${d.imap}`);
    assert.deepEqual(sorted(imap.found), ['MH7014', 'MH7017', 'MH7018', 'MH7019'], imap.transcript);
    assert.match(imap.found.find((f) => f.ruleId === 'MH7019')!.message, /^IMAP offers no STARTTLS/);
  });
});
