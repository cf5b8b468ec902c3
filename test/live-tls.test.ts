import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { posix } from 'node:path';
import { test } from 'node:test';
import { caAndServer, OPENSSL, sh } from './helpers/certs.js';
import { run } from './helpers/cli.js';
import { Daemon, liveEnabled } from './helpers/live.js';
import { debianCf, debianMc, DEBIAN_MC, MAKEMAP, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';

/**
 * The proof of issue 18 (measured with sendmail 8.17.1.9 and OpenSSL 3.0): a CA and a server certificate made by openssl, a TLS+AUTH+greet_pause policy
 * applied (on `/`, with paths.mailDir a directory of the test's own: /etc is not touched) to Debian's
 * stock cf and .mc, the real daemon started on that cf on a loopback port of its own (`-C`,
 * DaemonPortOptions, PidFile), and what it offers read with openssl s_client and the probe. Its access
 * map is an empty one of the test's (the host's would answer GreetPause:127 0 for loopback clients).
 * Live-gated like test/live-apply.test.ts; only the daemon it started is stopped.
 */

const PORT = 2525;

/** openssl s_client -starttls smtp: what the server answers after STARTTLS (EHLO sent after a pause longer than greet_pause). */
function sClient(extra: string[]): { status: number; out: string } {
  return sh(['/bin/sh', '-c', `(sleep 3; printf 'EHLO probe.example\\r\\n'; sleep 1; printf 'QUIT\\r\\n') | ${OPENSSL} s_client -crlf -starttls smtp -connect 127.0.0.1:${PORT} ${extra.join(' ')} 2>&1`]);
}

/** A plain session: `early` sends EHLO right after connecting (an early talker), else after the greeting. */
function plain(early: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port: PORT });
    let text = '';
    let quit = false;
    socket.setTimeout(20_000, () => socket.destroy(new Error(`no end of session: ${text}`)));
    socket.on('error', reject);
    socket.on('connect', () => void (early && socket.write('EHLO early.example\r\n')));
    socket.on('data', (d) => {
      text += d.toString('latin1');
      if (!early && /^220 /m.test(text) && !text.includes('#sent')) {
        text += '#sent\n';
        socket.write('EHLO probe.example\r\n');
      }
      // The early talker's session too: sendmail keeps it open (answering 5xx) until the client quits.
      // An early talker is judged by the greeting alone: the session is dropped once it is read.
      if (early && /^(220|554) .*\n/m.test(text)) socket.destroy();
      else if (!quit && /^250 /m.test(text)) {
        quit = true;
        socket.end('QUIT\r\n');
      }
    });
    socket.on('close', () => resolve(text));
  });
}

test('live: STARTTLS, AUTH and greet_pause applied by policy, proven on a real sendmail daemon on loopback', { timeout: 120_000 }, async (t) => {
  if (!liveEnabled(t, 'applies a TLS+AUTH policy to a copy of Debian\'s cf and starts sendmail on 127.0.0.1:2525')) return;
  if (!needsRoot(t, 'sendmail -bd and the key owner need root') || !needs(t, SENDMAIL, OPENSSL, MAKEMAP, DEBIAN_MC)) return;
  const work = tempDir('mh-live-tls-');
  chmodSync(work, 0o700);
  const mail = posix.join(work, 'mail');
  const tls = posix.join(work, 'tls');
  mkdirSync(mail);
  mkdirSync(tls);
  const pidFile = posix.join(work, 'run', 'sendmail.pid');
  const log: string[] = [];
  const daemon = new Daemon(SENDMAIL, pidFile, [PORT], ['-C', `${mail}/sendmail.cf`, `-ODaemonPortOptions=Name=MTA-test,Port=${PORT},Addr=127.0.0.1`, `-OPidFile=${pidFile}`]);
  try {
    // The certificates: a CA, and a server certificate it signs.
    const key = caAndServer(tls);
    chmodSync(key, 0o644);
    // Debian's stock cf and .mc, the access map the test's own (empty but for nothing that pauses).
    writeFileSync(`${mail}/access`, '# the live TLS test\n');
    assert.equal(sh([MAKEMAP, 'hash', `${mail}/access`], '# the live TLS test\n').status, 0);
    writeFileSync(`${mail}/sendmail.mc`, debianMc());
    writeFileSync(`${mail}/sendmail.cf`, debianCf().replace(/^Kaccess hash -T<TMPF> \/etc\/mail\/access$/m, `Kaccess hash -T<TMPF> ${mail}/access`));
    writeFileSync(
      `${work}/policy.yaml`,
      `version: 1\npaths: { mailDir: ${mail} }\ntls:\n  certFile: ${tls}/server.crt\n  keyFile: ${key}\n  caFile: ${tls}/ca.crt\n  caPath: ${tls}\n  minProtocol: TLSv1.2\nauth: { require-tls: true, mechanisms: [PLAIN, LOGIN] }\nabuse: { greetPause: 2 }\n`,
    );
    const applied = run(['apply', '--backup-dir', `${work}/backups`, `${work}/policy.yaml`]);
    log.push(applied.stdout, applied.stderr);
    assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    assert.match(applied.stdout, /Applied and verified/);
    assert.equal(sh(['stat', '-c', '%u %a', key]).out.trim(), '0 600', 'the key is root\'s, 0600');

    daemon.start();
    const early = await plain(true);
    log.push('# early talker', early);
    assert.match(early, /^554 /m, 'greet_pause answers an early talker with 554');
    const before = await plain(false);
    log.push('# EHLO before STARTTLS', before);
    assert.match(before, /^250-STARTTLS$/m, 'STARTTLS offered');
    assert.doesNotMatch(before, /^250-AUTH/m, 'no AUTH before STARTTLS');
    const after = sClient([]);
    log.push('# after STARTTLS', after.out);
    assert.match(after.out, /^250-AUTH PLAIN LOGIN$/m, 'AUTH PLAIN (and LOGIN) after STARTTLS');
    for (const old of ['-tls1', '-tls1_1']) {
      // SECLEVEL=0: openssl 3 itself would not offer TLS 1.0/1.1 otherwise; the refusal must be the server's.
      const r = sClient([old, '-cipher', 'DEFAULT@SECLEVEL=0']);
      log.push(`# ${old}`, r.out);
      assert.match(r.out, /alert protocol version/, `${old} refused by the server`);
    }
    assert.match(sClient(['-tls1_2']).out, /New, TLSv1\.2, Cipher is/, 'TLS 1.2 accepted');
    const probe = run(['probe', '127.0.0.1', '--port', String(PORT), '-f', 'json', '--fail-on', 'none', '--timeout', '20', '--transcript', `${work}/probe.smtp`]);
    log.push('# probe', probe.stdout, existsSync(`${work}/probe.smtp`) ? readFileSync(`${work}/probe.smtp`, 'latin1') : '(no transcript)');
    assert.match(readFileSync(`${work}/probe.smtp`, 'latin1'), /STARTTLS/, 'the probe sees STARTTLS offered');

    // The key readable by its group: sendmail logs "unsafe: Group readable file" and offers no STARTTLS.
    chmodSync(key, 0o640);
    daemon.restart();
    const unsafe = await plain(false);
    log.push('# EHLO with the key at 0640', unsafe);
    assert.match(unsafe, /^250 /m);
    assert.doesNotMatch(unsafe, /STARTTLS/, 'no STARTTLS with a group-readable key');
    // lint's host rule MH6012 reads the cf at the layout's place: a tree with the applied cf as its
    // /etc/mail/sendmail.cf and the certificate files at the paths the cf names, modes kept.
    const lintRoot = posix.join(work, 'lint-root');
    mkdirSync(posix.join(lintRoot, 'etc/mail'), { recursive: true });
    mkdirSync(posix.join(lintRoot, tls), { recursive: true });
    copyFileSync(`${mail}/sendmail.cf`, posix.join(lintRoot, 'etc/mail/sendmail.cf'));
    for (const name of ['server.crt', 'server.key', 'ca.crt']) {
      copyFileSync(posix.join(tls, name), posix.join(lintRoot, tls, name));
      chmodSync(posix.join(lintRoot, tls, name), statSync(posix.join(tls, name)).mode & 0o7777);
    }
    const lint = run(['lint', '--root', lintRoot, '--profile', 'debian', '--select', 'MH6012', '-f', 'json', '--fail-on', 'none']);
    log.push('# lint', lint.stdout, lint.stderr);
    const keyFindings = (JSON.parse(lint.stdout) as { findings: { ruleId: string; message: string }[] }).findings.filter((f) => f.ruleId === 'MH6012');
    assert.equal(keyFindings.length, 1, lint.stdout);
    assert.match(keyFindings[0]!.message, /server\.key has mode 0640, readable by group/);

    // What apply's plan notes when tls has no caPath: with the key safe again but no CACertPath, no STARTTLS either.
    chmodSync(key, 0o600);
    const cf = readFileSync(`${mail}/sendmail.cf`, 'utf8');
    writeFileSync(`${mail}/sendmail.cf`, cf.replace(/^O CACertPath=.*\n/m, ''));
    daemon.restart();
    const noPath = await plain(false);
    log.push('# EHLO without CACertPath', noPath);
    assert.match(noPath, /^250 /m);
    assert.doesNotMatch(noPath, /STARTTLS/, 'no STARTTLS without CACertPath');
  } finally {
    daemon.stop();
    t.diagnostic([...daemon.log, ...log].join('\n'));
    rmSync(work, { recursive: true, force: true });
  }
});
