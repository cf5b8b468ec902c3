import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { probeFindings } from '../src/probe/findings.js';
import { isLoopbackAddress } from '../src/model/address.js';
import { findVersion, parseTranscript } from '../src/probe/transcript.js';
import { rules } from '../rules/index.js';
import { loadProbeFixtures } from './helpers/fixtures.js';
import { runAsync } from './helpers/cli.js';
import { tempDir } from './helpers/real.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const lintTranscript = (text: string, path = 't.smtp') => probeFindings(parseTranscript(text, path), rules);

describe('probe rules on transcripts (fixtures/probe)', () => {
  for (const f of loadProbeFixtures()) {
    it(f.path, () => {
      const findings = lintTranscript(f.text, f.path);
      const actual = new Map<number, string[]>();
      for (const x of findings) actual.set(x.line, [...(actual.get(x.line) ?? []), x.ruleId].sort());
      const show = (m: Map<number, string[]>) => [...m].sort((a, b) => a[0] - b[0]).map(([l, ids]) => `${l}: ${ids.join(',')}`);
      assert.deepEqual(show(actual), show(f.expected), findings.map((x) => `${x.line}:${x.column} ${x.ruleId} ${x.message}`).join('\n'));
    });
  }

  it('a relay accepted from loopback is information: sendmail lets local clients relay', () => {
    const text = ['S: 220 mx.example.test ESMTP', 'C: MAIL FROM:<a@example.org>', 'S: 250 ok', 'C: RCPT TO:<b@example.net>', 'S: 250 2.1.5 Recipient ok', ''].join('\n');
    const find = (target: string) => probeFindings(parseTranscript(text, 't', target), rules, ['MH7005']);
    assert.deepEqual(find('192.0.2.25:25').map((f) => f.severity), ['critical']);
    assert.deepEqual(find('127.0.0.1:2525').map((f) => f.severity), ['info']);
    assert.deepEqual(find('[::1]:25').map((f) => f.severity), ['info']);
    // A host name that resolved to loopback: the address in the transcript decides.
    const viaName = probeFindings(parseTranscript(`# mailharden probe of mx.example.test:25 (address 127.0.1.1)\n${text}`, 't', 'mx.example.test:25'), rules, ['MH7005']);
    assert.deepEqual(viaName.map((f) => f.severity), ['info']);
  });

  it('a relay test refused because of the sender proves nothing, and says so (information)', () => {
    const mailRefused = ['S: 220 mx ESMTP', 'C: MAIL FROM:<a@example.org>', 'S: 553 5.1.8 <a@example.org>... Domain of sender address a@example.org does not exist', 'C: RSET', 'S: 250 ok', ''].join('\n');
    assert.deepEqual(probeFindings(parseTranscript(mailRefused, 't', '192.0.2.25:25'), rules, ['MH7005']).map((f) => [f.severity, f.line]), [['info', 3]]);
    const relayDenied = ['S: 220 mx ESMTP', 'C: MAIL FROM:<a@example.org>', 'S: 250 ok', 'C: RCPT TO:<b@example.net>', 'S: 550 5.7.1 <b@example.net>... Relaying denied', ''].join('\n');
    assert.deepEqual(probeFindings(parseTranscript(relayDenied, 't', '192.0.2.25:25'), rules, ['MH7005']), []);
  });

  it('a 530 to MAIL FROM (a submission port wanting AUTH) reads as relay refused, not as advice about DNS (issue 15)', () => {
    // What Debian's sendmail answered on a daemon port with M=Ea (fixtures/probe/submission-auth-required.smtp).
    const auth = ['S: 220 mx ESMTP', 'C: MAIL FROM:<a@example.org>', 'S: 530 5.7.0 Authentication required', 'C: RSET', 'S: 250 ok', ''].join('\n');
    const [f, ...rest] = probeFindings(parseTranscript(auth, 't', '192.0.2.25:587'), rules, ['MH7005']);
    assert.deepEqual(rest, []);
    assert.equal(f?.severity, 'info');
    assert.match(f!.message, /^relay refused: the server wants AUTH before it takes mail \(MAIL FROM:<a@example.org> was answered "530 5\.7\.0 Authentication required"\)/);
    assert.doesNotMatch(`${f!.message} ${f!.fix}`, /resolve|DNS|domain/i);
    assert.match(f!.fix, /MH7006/);
    // RFC 3207's 530 asks for TLS first: the relay is not tested (the probe tries the relay in clear only).
    const tls = auth.replace('530 5.7.0 Authentication required', '530 5.7.0 Must issue a STARTTLS command first');
    assert.match(probeFindings(parseTranscript(tls, 't', '192.0.2.25:25'), rules, ['MH7005'])[0]!.message, /^relay not tested: the server wants STARTTLS/);
    // And at RCPT.
    const rcpt = ['S: 220 mx ESMTP', 'C: MAIL FROM:<a@example.org>', 'S: 250 ok', 'C: RCPT TO:<b@example.net>', 'S: 530 5.7.0 Authentication required', ''].join('\n');
    assert.match(probeFindings(parseTranscript(rcpt, 't', '192.0.2.25:25'), rules, ['MH7005'])[0]!.message, /^relay refused: the server wants AUTH/);
  });

  it('one loopback test for probe targets, daemon addresses and names (src/model/address.ts)', () => {
    for (const a of ['127.0.0.1', '127.1', '127.255.0.9', '::1', '0:0:0:0:0:0:0:1', '[::1]', '::FFFF:127.0.0.2', 'localhost', 'ip6-localhost']) assert.ok(isLoopbackAddress(a), a);
    for (const a of ['128.0.0.1', '10.0.0.1', '::2', '1::1', '::', 'example.com', '127.0.0.1.example.com', '']) assert.ok(!isLoopbackAddress(a), a);
  });

  it('finds versions, not status codes or addresses', () => {
    assert.equal(findVersion('214-2.0.0 This is sendmail version 8.17.1.9')?.text, 'sendmail version 8.17.1.9');
    assert.equal(findVersion('220 mx ESMTP Sendmail 8.17.1.9/8.17.1.9/Debian-2+deb12u2; Thu')?.text, 'Sendmail 8.17.1.9/8.17.1.9/Debian-2+deb12u2');
    assert.equal(findVersion('502 5.3.0 Sendmail 8.17.1.9 -- HELP not implemented')?.text, 'Sendmail 8.17.1.9');
    assert.equal(findVersion('220 mx.example.test ESMTP Postfix (3.7.11)')?.text, '3.7.11');
    // qmail-smtpd sends smtpgreeting as it is, then " ESMTP" (measured with notqmail under tcpserver: test/live-qmail.test.ts).
    assert.equal(findVersion('220 mx.example.com notqmail 1.09 ESMTP')?.text, 'notqmail 1.09');
    assert.equal(findVersion('220 mx.example.com s/qmail 4.2.29a ESMTP')?.text, 's/qmail 4.2.29a');
    assert.equal(findVersion('220 mx.example.com netqmail-1.06 ESMTP')?.text, 'netqmail-1.06');
    assert.equal(findVersion('250-mx Hello localhost [127.0.0.1], pleased to meet you'), undefined);
    assert.equal(findVersion('250 2.1.5 root <root@mx.example.test>'), undefined);
    assert.equal(findVersion('220 mx.example.test ESMTP'), undefined);
    assert.equal(findVersion('220 192.0.2.10 ESMTP ready'), undefined, 'an address');
    assert.equal(findVersion('220 mx ESMTP ready at 10.01.2024'), undefined, 'a date');
    assert.equal(findVersion('220 mx ESMTP Exim-4.96 Thu, 26 Nov 2026')?.text, 'Exim-4.96');
  });
});

/** A fake server on loopback that runs `behave` on each connection; returns its port and a closer. */
async function fakeServer(behave: (s: Socket) => void): Promise<{ port: number; close: () => void }> {
  const server: Server = createServer(behave);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { port, close: () => server.close() };
}


/** Answers each command line with the reply `answer` gives (undefined: say nothing). */
function scripted(greeting: string, answer: (command: string) => string | undefined): (s: Socket) => void {
  return (s) => {
    s.write(greeting);
    let buf = '';
    s.on('data', (d) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).replace(/\r$/, '');
        buf = buf.slice(nl + 1);
        const reply = answer(line);
        if (reply !== undefined) s.write(reply);
        if (/^QUIT/i.test(line)) s.end();
      }
    });
    s.on('error', () => {});
  };
}

describe('mailharden probe against misbehaving servers: one line on stderr, exit 3, never a hang', () => {
  const cases: [string, (s: Socket) => void, RegExp][] = [
    ['closes at once', (s) => s.end(), /closed the connection instead of its reply to the connection/],
    ['sends garbage', (s) => s.write('HTTP/1.1 400 Bad Request\r\n\r\n'), /not an SMTP reply to the connection \(greeting\): "HTTP\/1.1 400 Bad Request"/],
    ['never answers', () => {}, /no reply to the connection \(greeting\) within 1 s/],
    ['never ends a multi-line reply', (s) => {
      const timer = setInterval(() => s.write('220-still greeting you\r\n'), 1);
      s.on('close', () => clearInterval(timer));
      s.on('error', () => clearInterval(timer));
    }, /the reply to the connection \(greeting\) does not end \(201 lines/],
    ['sends one endless line', (s) => {
      const chunk = 'x'.repeat(65536);
      const timer = setInterval(() => s.write(chunk), 1);
      s.on('close', () => clearInterval(timer));
      s.on('error', () => clearInterval(timer));
    }, /not an SMTP reply|a reply line of more than/],
    ['hangs up after EHLO', scripted('220 mx ESMTP\r\n', (c) => (c.startsWith('EHLO') ? undefined : '250 ok\r\n')), /no reply to EHLO within 1 s/],
    // Two greetings: every later reply would be one late, and a relay accepted could pass for refused.
    ['sends lines nobody asked for', scripted('220 mx ESMTP\r\n220 mx welcome\r\n', () => '250 ok\r\n'), /the server sent lines nobody asked for before EHLO: "220 mx welcome"/],
    ['refuses the session (554), so nothing can be tested', scripted('554 5.7.1 access denied\r\n', () => '221 bye\r\n'), /the server refused the session: "554 5\.7\.1 access denied"/],
    ['sends a greeting line of 200 KB', (s) => {
      s.on('error', () => {});
      s.write(`220 ${'A'.repeat(200_000)}\r\n`);
    }, /a reply line of more than 8192 bytes to the connection \(greeting\)/],
  ];
  for (const [name, behave, message] of cases) {
    it(name, async () => {
      const server = await fakeServer(behave);
      try {
        const r = await runAsync(['probe', `127.0.0.1:${server.port}`, '--timeout', '1']);
        assert.equal(r.code, 3, `${r.stdout}${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, message);
        assert.ok(r.ms < 8000, `took ${r.ms} ms`);
      } finally {
        server.close();
      }
    });
  }

  it('a refused connection is exit 3; bad arguments are exit 2', async () => {
    const server = await fakeServer((s) => s.end());
    const port = server.port;
    server.close();
    await new Promise((r) => setTimeout(r, 50));
    const refused = await runAsync(['probe', `127.0.0.1:${port}`, '--timeout', '1']);
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /connection refused/);
    for (const args of [['probe', 'mx.example.test:99999'], ['probe', 'bad host'], ['probe', '127.0.0.1', '--helo', 'a\r\nRCPT'], ['probe', '127.0.0.1', '--relay-test', 'a@b,c@d>\r\nDATA'], ['probe', '127.0.0.1', '--user', 'root\r\nQUIT']]) {
      const r = await runAsync(args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('talks to a well-behaved fake server: one command at a time, findings through the formatters', async () => {
    let pipelined = false;
    const server = await fakeServer((s) => {
      s.write('220 fake.example.test ESMTP\r\n');
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        const lines = buf.split('\r\n');
        buf = lines.pop()!;
        if (lines.length > 1) pipelined = true;
        for (const c of lines) {
          const verb = c.split(/[ :]/)[0]!.toUpperCase();
          const reply: Record<string, string> = {
            EHLO: '250-fake.example.test\r\n250-AUTH PLAIN\r\n250 HELP\r\n',
            HELP: '214-2.0.0 fake server 1.2.3\r\n214 2.0.0 End\r\n',
            VRFY: '252 2.5.2 Cannot VRFY user\r\n',
            EXPN: '050 thinking\r\n250 2.1.5 <root@fake>\r\n',
            MAIL: '250 2.1.0 ok\r\n',
            RCPT: '550 5.7.1 Relaying denied\r\n',
            RSET: '250 ok\r\n',
            QUIT: '221 bye\r\n',
          };
          s.write(reply[verb] ?? '500 what\r\n');
          if (verb === 'QUIT') s.end();
        }
      });
    });
    try {
      const r = await runAsync(['probe', `127.0.0.1:${server.port}`, '-f', 'compact', '--timeout', '2']);
      assert.equal(r.code, 1, r.stderr);
      assert.equal(pipelined, false, 'the client waited for each reply');
      const ids = r.stdout.trim().split('\n').map((l) => /\[(MH\d{4})\]$/.exec(l)?.[1]);
      assert.deepEqual(ids, ['MH7008', 'MH7006', 'MH7002', 'MH7004']);
      // The server is named apart from the transcript position (issue 15: not smtp://127.0.0.1:PORT:13:4).
      assert.match(r.stdout, new RegExp(`^smtp://127\\.0\\.0\\.1:${server.port} \\(transcript \\d+:\\d+\\): medium: EXPN root was answered 250`, 'm'));
      // With --transcript FILE the findings point at lines of FILE.
      const file = join(tempDir('mh-probe-'), 'session.smtp');
      const saved = await runAsync(['probe', `127.0.0.1:${server.port}`, '-f', 'compact', '--timeout', '2', '--transcript', file]);
      const at = new RegExp(`^${file.replace(/[.]/g, '\\.')}:(\\d+):4: medium: EXPN root was answered 250`, 'm').exec(saved.stdout);
      assert.ok(at, saved.stdout);
      assert.match(readFileSync(file, 'utf8').split('\n')[Number(at[1]) - 1]!, /^S: 250 2\.1\.5 <root@fake>$/);
    } finally {
      server.close();
    }
  });
});

describe('the certificate name check (RFC 6125), as MH7010 asks it', () => {
  it('names, wildcards, addresses, and the CN only without DNS names', async () => {
    const { nameMismatch } = await import('../src/probe/certificate.js');
    assert.equal(nameMismatch('mx.example.test', 'CN=other', 'DNS:mx.example.test'), undefined);
    assert.equal(nameMismatch('MX.Example.Test', 'CN=other', 'DNS:mx.example.test'), undefined);
    assert.equal(nameMismatch('mx.example.test', 'CN=x', 'DNS:*.example.test'), undefined);
    assert.match(nameMismatch('a.mx.example.test', 'CN=x', 'DNS:*.example.test') ?? '', /not among its names/, 'a wildcard covers one label');
    assert.match(nameMismatch('example.test', 'CN=x', 'DNS:*.example.test') ?? '', /not among its names/);
    assert.match(nameMismatch('mx.example.test', 'CN=mx.example.test', 'DNS:other.example.test') ?? '', /not among its names/, 'the CN does not count beside DNS names');
    assert.equal(nameMismatch('mx.example.test', 'CN=mx.example.test', '(none)'), undefined);
    assert.equal(nameMismatch('127.0.0.1', 'CN=localhost', 'DNS:localhost, IP Address:127.0.0.1'), undefined);
    assert.match(nameMismatch('127.0.0.1', 'CN=127.0.0.1', '(none)') ?? '', /the address 127\.0\.0\.1 is not among/, 'an address needs an IP entry');
    assert.equal(nameMismatch('[::1]', 'CN=x', 'IP Address:::1'), undefined);
  });
});

describe('the AUTH acceptance test (RFC 4954 §4: AUTH without a secret, cancelled with *)', () => {
  it('a server that hides PLAIN in EHLO but answers 334 to it: MH7020; the probe sends * and nothing else', async () => {
    const sent: string[] = [];
    const server = await fakeServer(scripted('220 fake.example.test ESMTP\r\n', (c) => {
      sent.push(c);
      const verb = c.split(/[ :]/)[0]!.toUpperCase();
      if (verb === 'EHLO') return '250-fake.example.test\r\n250 AUTH CRAM-MD5\r\n';
      if (c === 'AUTH PLAIN') return '334 \r\n';
      if (c === 'AUTH LOGIN') return '504 5.3.3 AUTH mechanism LOGIN not available\r\n';
      if (c === '*') return '501 5.0.0 AUTH aborted\r\n';
      return verb === 'QUIT' ? '221 bye\r\n' : '250 ok\r\n';
    }));
    try {
      const r = await runAsync(['probe', `127.0.0.1:${server.port}`, '-f', 'json', '--timeout', '2']);
      const found = (JSON.parse(r.stdout) as { findings: { ruleId: string; message: string }[] }).findings.filter((f) => f.ruleId === 'MH7020');
      assert.deepEqual(found.map((f) => f.message), ['AUTH PLAIN was answered "334 " before STARTTLS, though EHLO offers only AUTH CRAM-MD5 there: the server would take the password in clear']);
      assert.deepEqual(sent.filter((c) => /^(AUTH|\*)/.test(c)), ['AUTH PLAIN', '*', 'AUTH LOGIN']);
    } finally {
      server.close();
    }
  });
});

describe('mailharden probe pop3:// and imap:// against misbehaving servers: one line on stderr, exit 3, never a hang', () => {
  const cases: [string, string, (s: Socket) => void, RegExp][] = [
    ['pop3', 'sends something that is not POP3', (s) => s.write('HTTP/1.1 400 Bad Request\r\n'), /not a POP3 reply to the connection \(greeting\): "HTTP\/1\.1 400 Bad Request"/],
    ['pop3', 'refuses the session', scripted('-ERR go away\r\n', () => '-ERR\r\n'), /the server refused the session: "-ERR go away"/],
    ['pop3', 'never ends CAPA', (s) => {
      s.on('error', () => {});
      s.write('+OK ready\r\n');
      s.once('data', () => {
        s.write('+OK\r\n');
        const timer = setInterval(() => s.write('X-CAPABILITY\r\n'), 1);
        s.on('close', () => clearInterval(timer));
      });
    }, /the reply to CAPA does not end \(201 lines/],
    ['imap', 'never tags its CAPABILITY reply', scripted('* OK ready\r\n', (c) => (/CAPABILITY/i.test(c) ? '* CAPABILITY IMAP4rev1\r\n' : undefined)), /no reply to CAPABILITY within 1 s/],
    ['imap', 'greets with a tagged line', scripted('a1 OK hello\r\n', () => undefined), /not an IMAP reply to the connection \(greeting\): "a1 OK hello"/],
  ];
  for (const [scheme, name, behave, message] of cases) {
    it(`${scheme}: ${name}`, async () => {
      const server = await fakeServer(behave);
      try {
        const r = await runAsync(['probe', `${scheme}://127.0.0.1:${server.port}`, '--timeout', '1']);
        assert.equal(r.code, 3, `${r.stdout}${r.stderr}`);
        assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
        assert.match(r.stderr, message);
        assert.ok(r.ms < 8000, `took ${r.ms} ms`);
      } finally {
        server.close();
      }
    });
  }

  it('an unknown scheme is exit 2', async () => {
    const r = await runAsync(['probe', 'http://127.0.0.1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /"http:\/\/": not a scheme the probe speaks/);
  });
});

describe('transcripts with T: lines and connections, read back whatever they hold', () => {
  it('hostile or broken transcripts never throw, and the rules stay linear', () => {
    const pieces = ['S: ', 'C: ', 'T: ', 'T: try ', 'T: handshake', 'T: not-after x', 'T: key RSA -1', 'T: names DNS:', 'T: verify ', '# connection ', '# connection 999999', 'S: * CAPABILITY', 'S: +OK <a@b>', 'C: a1 CAPABILITY', 'C: AUTH PLAIN', 'S: 334 ', '\r', '\x1b[31m', 'T: injected RSET', 'C: RSET', 'S: 250 ok'];
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let n = 0; n < 300; n++) {
      const text = Array.from({ length: 40 }, () => pieces[next() % pieces.length]! + (next() % 3 ? '\n' : '')).join('');
      for (const path of ['t.smtp', 't.pop3', 't.imap']) probeFindings(parseTranscript(text, path), rules);
    }
    // 20,000 T: lines and connections: read in well under a second.
    const big = Array.from({ length: 20_000 }, (_, i) => (i % 2 ? `T: try TLSv1 accepted TLSv1 X` : `# connection ${i}: TLS with TLSv1 only`)).join('\n');
    const start = Date.now();
    const found = probeFindings(parseTranscript(big, 'big.smtp'), rules, ['MH7013']);
    assert.equal(found.length, 10_000);
    assert.ok(Date.now() - start < 3000, `${Date.now() - start} ms`);
  });

  it('the protocol comes from the first line, else from the file name; SMTP rules keep to SMTP', () => {
    assert.equal(parseTranscript('# mailharden probe of imaps://h:993 (address 1.2.3.4)\n', 'x.smtp').protocol, 'imap');
    assert.equal(parseTranscript('S: +OK Dovecot ready.\n', 'x.pop3').protocol, 'pop3');
    assert.equal(parseTranscript('S: 220 x\n', 'x').protocol, 'smtp');
    // A POP3 greeting with a version is MH7014's, not MH7001's.
    const ids = probeFindings(parseTranscript('S: +OK Qpopper 4.1.0 ready\n', 'x.pop3'), rules).map((f) => f.ruleId);
    assert.deepEqual(ids, ['MH7014']);
  });
});
