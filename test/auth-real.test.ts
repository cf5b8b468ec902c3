import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { lintText } from '../src/lint/text.js';
import { SourceFile } from '../src/core/source.js';
import { parseAs } from '../src/parsers/documents.js';
import { authConfig, offeredBeforeTls } from '../src/model/sendmail-auth.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';
import { smtpSession } from './helpers/smtp-bs.js';

/** The rules this file judges against the real sendmail, and what each reports on a cf. */
const idsOn = (cf: string, id: string) => lintText(cf, 'sendmail-cf', rules, { path: 'test.cf' }).filter((f) => f.ruleId === id);

/** The mechanisms of the `250-AUTH` line of an EHLO reply ([] when there is none). */
async function ehloAuth(cf: string): Promise<string[]> {
  const s = await smtpSession(cf, ['EHLO client.example', 'QUIT']);
  const line = s.find((x) => x.command.startsWith('EHLO'))!.lines.find((l) => /^250[- ]AUTH /.test(l));
  return line ? line.replace(/^250[- ]AUTH /, '').trim().split(/\s+/).sort() : [];
}

/** Lines for a cf that keep the session's mail in a queue of the test's own and never deliver it. */
function ownQueue(): { lines: string; done: () => void } {
  const dir = tempDir('mh-queue-');
  mkdirSync(join(dir, 'q'), { mode: 0o700 });
  return { lines: `O QueueDirectory=${join(dir, 'q')}\nO DeliveryMode=queue\n`, done: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Talks to `sendmail -C cf -bs` as a client that does not wait for replies: after the greeting it writes
 * each chunk in turn, 400 ms apart (raw bytes: bare LFs stay bare), and returns everything sendmail said.
 */
async function rawSession(cfText: string, chunks: string[]): Promise<string> {
  const dir = tempDir('mh-raw-');
  const cf = join(dir, 'test.cf');
  writeFileSync(cf, cfText, { mode: 0o644 });
  const child = spawn(SENDMAIL, ['-C', cf, '-bs'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const greeted = new Promise<void>((resolve) => {
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (c: string) => {
      out += c;
      if (/^220 /m.test(out)) resolve();
    });
  });
  try {
    await Promise.race([greeted, closed]);
    for (const chunk of chunks) {
      if (child.stdin.writable) child.stdin.write(chunk);
      await new Promise((r) => setTimeout(r, 400));
    }
    child.stdin.end();
    await closed;
  } finally {
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

/** `sendmail -C cf -bt` with a client address: what Basic_check_rcpt returns for a recipient. */
function basicCheckRcpt(cfText: string, clientAddr: string, rcpt: string): string {
  const dir = tempDir('mh-bt-');
  const cf = join(dir, 'test.cf');
  writeFileSync(cf, cfText, { mode: 0o644 });
  const input = `.D{client_addr}${clientAddr}\n.D{client_name}client.example.net\nBasic_check_rcpt <${rcpt}>\n`;
  const r = spawnSync(SENDMAIL, ['-C', cf, '-bt'], { input, encoding: 'utf8', timeout: 30_000 });
  rmSync(dir, { recursive: true, force: true });
  return /Basic_check_rcpt +returns: (.*)$/m.exec(r.stdout)?.[1]?.trim() ?? `(no answer: ${r.stdout.slice(-300)})`;
}

const ALL_MECHS = 'O AuthMechanisms=PLAIN LOGIN CRAM-MD5 DIGEST-MD5 ANONYMOUS';

describe('AUTH before STARTTLS: the model and the rules against the real sendmail -bs', () => {
  it("the model's mechanisms before TLS are what EHLO offers, for AuthOptions written in several ways", async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    // What the SASL library offers at all here: the comparison is limited to it (no GSSAPI plugin on Debian's CI).
    const available = new Set(await ehloAuth(`${debianCf()}\n${ALL_MECHS}\n`));
    assert.ok(available.has('PLAIN') && available.has('CRAM-MD5'), `libsasl2-modules offers PLAIN and CRAM-MD5 (got ${[...available].join(' ')})`);
    for (const mechanisms of [ALL_MECHS, '']) {
      for (const options of ['', 'A p y', 'A, p, y', 'A,p,y', 'A  p y', 'py', 'p, y', 'd', 'A p y d']) {
        const cf = `${debianCf()}\n${mechanisms}\n${options ? `O AuthOptions=${options}` : ''}\n`;
        const model = parseAs('sendmail-cf', new SourceFile('test.cf', cf)).sendmail;
        const predicted = offeredBeforeTls(authConfig(model)).filter((m) => available.has(m)).sort();
        assert.deepEqual(await ehloAuth(cf), predicted, `AuthMechanisms ${mechanisms || '(unset)'}, AuthOptions=${options || '(unset)'}`);
      }
    }
  });

  it("MH1080: Debian's stock cf offers DIGEST-MD5 and CRAM-MD5 before TLS and is reported; with d it offers no AUTH and is not", async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    assert.equal(idsOn(debianCf(), 'MH1080').length, 1);
    const fixed = `${debianCf()}\nO AuthOptions=A p y d\n`;
    assert.equal(idsOn(fixed, 'MH1080').length, 0);
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    assert.deepEqual(await ehloAuth(debianCf()), ['CRAM-MD5', 'DIGEST-MD5']);
    assert.deepEqual(await ehloAuth(fixed), []);
  });

  it('MH1081: ANONYMOUS without y authenticates anyone and is reported; with y it is neither offered nor reported', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const open = `${debianCf()}\n${ALL_MECHS}\nO AuthOptions=A p\n`;
    const closed = `${debianCf()}\n${ALL_MECHS}\nO AuthOptions=A p y\n`;
    assert.equal(idsOn(open, 'MH1081').length, 1);
    assert.equal(idsOn(closed, 'MH1081').length, 0);
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    const s = await smtpSession(open, ['EHLO client.example', 'AUTH ANONYMOUS dGVzdA==', 'QUIT']);
    assert.equal(s.find((x) => x.command.startsWith('AUTH'))!.code, 235);
    assert.ok(!(await ehloAuth(closed)).includes('ANONYMOUS'));
  });
});

describe('MH1092: class R entries against sendmail -bt', () => {
  it('a one-label entry relays to its whole top-level domain and a one-octet entry for its /8; lint reports both, and nothing on the stock cf', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const broad = `${debianCf()}\nCR com\nCR 10\n`;
    const found = idsOn(broad, 'MH1092').map((f) => f.message);
    assert.equal(found.length, 2, found.join('\n'));
    assert.equal(idsOn(debianCf(), 'MH1092').length, 0);
    assert.equal(basicCheckRcpt(broad, '192.0.2.1', 'user@example.com'), 'RELAY');
    assert.equal(basicCheckRcpt(broad, '10.1.2.3', 'user@example.org'), 'RELAY');
    assert.match(basicCheckRcpt(debianCf(), '192.0.2.1', 'user@example.com'), /Relaying denied/);
    assert.match(basicCheckRcpt(debianCf(), '10.1.2.3', 'user@example.org'), /Relaying denied/);
    // What lint leaves alone relays no further than it says: a full domain, a /16.
    const narrow = `${debianCf()}\nCR example.com 10.1\n`;
    assert.equal(idsOn(narrow, 'MH1092').length, 0);
    assert.match(basicCheckRcpt(narrow, '192.0.2.1', 'user@other.com'), /Relaying denied/);
    assert.match(basicCheckRcpt(narrow, '10.2.0.1', 'user@example.org'), /Relaying denied/);
  });
});

describe('MH1090: srv_features against SMTP smuggling, with the real sendmail -bs', () => {
  /** Debian's cf built by m4 with a LOCAL_SRV_FEATURES answer for every client, in a queue of the test's own. */
  const withFeatures = (flags: string, queue: string): string => {
    const built = m4Build(`${debianMc()}\nLOCAL_SRV_FEATURES\nR$*\t$# ${flags}\n`);
    assert.equal(built.status, 0, built.stderr);
    return `${built.stdout}\n${queue}`;
  };
  const smuggle = ['EHLO client.example\r\n', 'MAIL FROM:<root>\r\n', 'RCPT TO:<root>\r\n', 'DATA\r\n', 'Subject: t\r\n\r\nline1\n.\r\nMAIL FROM:<root>\r\n', '\r\n.\r\n', 'QUIT\r\n'];

  it('with "G O" <LF>.<CR><LF> ends the message and the next line is a command: reported; "G" alone and no answer are not', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const queue = ownQueue();
    try {
      const open = withFeatures('G O', queue.lines);
      const bareLf = withFeatures('G', queue.lines);
      assert.equal(idsOn(open, 'MH1090').length, 1);
      assert.equal(idsOn(bareLf, 'MH1090').length, 0);
      assert.equal(idsOn(debianCf(), 'MH1090').length, 0);
      if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
      // Smuggled: the message ends at <LF>.<CR><LF>, and the MAIL after it is answered as a command.
      const smuggled = await rawSession(open, smuggle);
      assert.match(smuggled, /250 2\.0\.0 \S+ Message accepted for delivery\r?\n250 2\.1\.0 <root>\.\.\. Sender ok/, smuggled);
      // G lets the bare LF through as text: the message ends only at <CR><LF>.<CR><LF>.
      const kept = await rawSession(bareLf, smuggle);
      assert.match(kept, /Message accepted for delivery\r?\n221 /, kept);
      // Without srv_features flags this build refuses the bare LF outright.
      const stock = await rawSession(`${debianCf()}\n${queue.lines}`, smuggle);
      assert.match(stock, /421 4\.5\.0 Bare linefeed \(LF\) not allowed/, stock);
    } finally {
      queue.done();
    }
  });

  it('with "F" commands sent before the EHLO reply are served: reported; without it sendmail refuses them', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const queue = ownQueue();
    try {
      const stuffing = withFeatures('F', queue.lines);
      assert.equal(idsOn(stuffing, 'MH1090').length, 1);
      if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
      const pipelined = ['EHLO client.example\r\nMAIL FROM:<root>\r\n', 'QUIT\r\n'];
      assert.match(await rawSession(stuffing, pipelined), /250 2\.1\.0 <root>\.\.\. Sender ok/);
      assert.match(await rawSession(`${debianCf()}\n${queue.lines}`, pipelined), /554 5\.5\.0 SMTP protocol error/);
    } finally {
      queue.done();
    }
  });
});

describe('MH1093: a milter that is down, with the real sendmail -bs', () => {
  it('without F=T or F=R the message is accepted unfiltered and lint reports it; with F=T the client is told to retry', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const queue = ownQueue();
    try {
      const dir = tempDir('mh-milter-');
      // A socket that nobody listens on: the filter is down.
      const filter = (flags: string) => `${debianCf()}\n${queue.lines}Xtest, S=unix:${join(dir, 'none.sock')}${flags}\nO InputMailFilters=test\n`;
      const open = filter('');
      const held = filter(', F=T');
      assert.equal(idsOn(open, 'MH1093').length, 1);
      assert.equal(idsOn(held, 'MH1093').length, 0);
      if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
      const mail = ['EHLO client.example', 'MAIL FROM:<root>', 'RCPT TO:<root>', 'DATA', 'Subject: t\r\n\r\nhi\r\n.', 'QUIT'];
      const accepted = await smtpSession(open, mail);
      assert.match(accepted.find((x) => x.command.startsWith('Subject'))!.lines.join('\n'), /^250 2\.0\.0 .*Message accepted/m);
      const retry = await smtpSession(held, ['EHLO client.example', 'MAIL FROM:<root>', 'QUIT']);
      assert.match(retry.find((x) => x.command.startsWith('MAIL'))!.lines.join('\n'), /^451 4\.3\.2/m);
      rmSync(dir, { recursive: true, force: true });
    } finally {
      queue.done();
    }
  });
});

describe('MH1094: MaxHeadersLength against the real sendmail -bs', () => {
  it('unset, a 42,000-byte header is refused with 552; with 0 it is accepted, and only that is reported', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const queue = ownQueue();
    try {
      const stock = `${debianCf()}\n${queue.lines}`;
      const off = `${stock}O MaxHeadersLength=0\n`;
      assert.equal(idsOn(stock, 'MH1094').length, 0);
      assert.equal(idsOn(off, 'MH1094').length, 1);
      if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
      const big = `Subject: t\r\nX-Big: ${'a'.repeat(70)}${`\r\n\t${'a'.repeat(70)}`.repeat(600)}\r\n\r\nhi\r\n.`;
      const send = (cf: string) => smtpSession(cf, ['EHLO client.example', 'MAIL FROM:<root>', 'RCPT TO:<root>', 'DATA', big, 'QUIT']);
      const reply = async (cf: string) => (await send(cf)).find((x) => x.command === big)!.lines.join('\n');
      assert.match(await reply(stock), /^552 5\.6\.0 Headers too large/m);
      assert.match(await reply(off), /^250 2\.0\.0 .*Message accepted/m);
    } finally {
      queue.done();
    }
  });
});
