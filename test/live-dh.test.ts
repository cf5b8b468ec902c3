import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { test } from 'node:test';
import { caAndServer, OPENSSL, sh } from './helpers/certs.js';
import { run } from './helpers/cli.js';
import { Daemon, liveEnabled } from './helpers/live.js';
import { debianCf, debianMc, DEBIAN_MC, MAKEMAP, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';

/**
 * tls.dhParameters.generate proven on the real daemon: apply writes a 3072-bit group (RFC 3526 MODP
 * group 15) and points DHParameters at it, and sendmail, started on that cf on a loopback port of its
 * own, uses it: a DHE handshake shows "Server Temp Key: DH, 3072 bits" to openssl s_client, where
 * sendmail's own group (DHParameters=i, the control) shows 2048. Live-gated like test/live-tls.test.ts;
 * only the daemon it started is stopped.
 */

const PORT = 2527;

/** The DH key the server sends in a TLS 1.2 handshake limited to DHE ciphers. */
function serverTempKey(): string {
  const r = sh(['/bin/sh', '-c', `(sleep 2; printf 'QUIT\\r\\n') | ${OPENSSL} s_client -crlf -starttls smtp -connect 127.0.0.1:${PORT} -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384' 2>&1`]);
  return /^Server Temp Key: (.*)$/m.exec(r.out)?.[1] ?? `(none) ${r.out.slice(0, 2000)}`;
}

test('live: sendmail uses the DH parameters file apply generated', { timeout: 120_000 }, async (t) => {
  if (!liveEnabled(t, `applies a policy with a generated DH file to a copy of Debian's cf and starts sendmail on 127.0.0.1:${PORT}`)) return;
  if (!needsRoot(t, 'sendmail -bd and the key owner need root') || !needs(t, SENDMAIL, OPENSSL, MAKEMAP, DEBIAN_MC)) return;
  const work = tempDir('mh-live-dh-');
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
    writeFileSync(`${mail}/access`, '# the live DH test\n');
    assert.equal(sh([MAKEMAP, 'hash', `${mail}/access`], '# the live DH test\n').status, 0);
    writeFileSync(`${mail}/sendmail.mc`, debianMc());
    writeFileSync(`${mail}/sendmail.cf`, debianCf().replace(/^Kaccess hash -T<TMPF> \/etc\/mail\/access$/m, `Kaccess hash -T<TMPF> ${mail}/access`));
    const tlsKeys = `  certFile: ${tls}/server.crt\n  keyFile: ${key}\n  caFile: ${tls}/ca.crt\n  caPath: ${tls}\n  minProtocol: TLSv1.2\n`;
    const policy = (dh: string): string => `version: 1\npaths: { mailDir: ${mail} }\ntls:\n${tlsKeys}  dhParameters: ${dh}\n`;

    // The control: sendmail's own 2048-bit group.
    writeFileSync(`${work}/policy.yaml`, policy('2048'));
    let applied = run(['apply', '--backup-dir', `${work}/backups`, `${work}/policy.yaml`]);
    log.push(applied.stdout, applied.stderr);
    assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    daemon.start();
    const builtIn = serverTempKey();
    log.push(`# DHParameters=i: ${builtIn}`);
    assert.equal(builtIn, 'DH, 2048 bits');

    writeFileSync(`${work}/policy.yaml`, policy(`{ generate: ${tls}/dh.pem, bits: 3072 }`));
    applied = run(['apply', '--backup-dir', `${work}/backups`, `${work}/policy.yaml`]);
    log.push(applied.stdout, applied.stderr);
    assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    assert.match(applied.stdout, /Applied and verified/);
    assert.equal(sh(['stat', '-c', '%u %a', `${tls}/dh.pem`]).out.trim(), '0 644');
    assert.match(sh([OPENSSL, 'dhparam', '-in', `${tls}/dh.pem`, '-check', '-noout']).out, /DH parameters appear to be ok/);
    assert.match(readFileSync(`${mail}/sendmail.cf`, 'utf8'), new RegExp(`^O DHParameters=${tls}/dh\\.pem$`, 'm'));
    daemon.restart();
    const generated = serverTempKey();
    log.push(`# DHParameters=${tls}/dh.pem: ${generated}`);
    assert.equal(generated, 'DH, 3072 bits', 'sendmail reads the generated file');
    const again = run(['apply', '--dry-run', '--exit-code', '--backup-dir', `${work}/backups`, `${work}/policy.yaml`]);
    assert.equal(again.code, 0, `a second apply changes nothing: ${again.stdout}${again.stderr}`);
  } finally {
    daemon.stop();
    t.diagnostic([...daemon.log, ...log].join('\n'));
    rmSync(work, { recursive: true, force: true });
  }
});
