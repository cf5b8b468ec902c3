import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runAsync as cli } from './helpers/cli.js';
import { debianCf, debianMc, M4, needs, needsRoot, SENDMAIL, DEBIAN_MC, tempDir } from './helpers/real.js';

const TCPSERVER = '/usr/bin/tcpserver';
const SMRSH = '/usr/libexec/sendmail/smrsh';

/** A free loopback port (bound and released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** `tcpserver 127.0.0.1 PORT sendmail -C cf -bs`, started here and stopped by the test. */
async function serve(cf: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child: ChildProcess = spawn(TCPSERVER, ['-q', '-R', '-H', '127.0.0.1', String(port), SENDMAIL, '-C', cf, '-bs'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return { port, stop: () => child.kill('SIGTERM') };
}


interface JsonFinding {
  ruleId: string;
  message: string;
  file: string;
}

const ids = (findings: JsonFinding[]): string[] => [...new Set(findings.map((f) => f.ruleId))].sort();

/** Debian's mc, with its includes of site files that this machine may not have dropped. */
function mcText(): string {
  return debianMc()
    .split('\n')
    .filter((l) => {
      const inc = /^include\(`(\/etc\/mail\/m4\/[^']+)'\)/.exec(l);
      return !inc || existsSync(inc[1]!);
    })
    .join('\n');
}

describe('end to end on a real sendmail: lint, apply and probe agree', () => {
  const stops: (() => void)[] = [];
  after(() => stops.forEach((s) => s()));

  it('before: lint and probe see the same problems; after apply: neither does, and smrsh refuses the program alias', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC, TCPSERVER, SMRSH)) return;
    if (!needsRoot(t, 'sendmail -bs answers SMTP only for root')) return;
    // sendmail qualifies its name through the resolver (/etc/hosts): `getent hosts` must give a dotted name.
    const names = spawnSync('getent', ['hosts', hostname()], { encoding: 'utf8' }).stdout ?? '';
    if (!hostname().includes('.') && !/\s[^\s.]+\.[^\s]+/.test(names)) {
      if (process.env.CI === 'true') throw new Error('CI must qualify the host name (sendmail -bs needs it)');
      return t.skip('sendmail -bs needs a qualified host name');
    }
    const d = tempDir('mh-e2e-');
    // The prog mailer runs as sendmail's default user, which must reach the output directory.
    chmodSync(d, 0o755);
    const mail = join(d, 'etc/mail');
    mkdirSync(mail, { recursive: true });
    mkdirSync(join(d, 'q'), { mode: 0o700 });
    mkdirSync(join(d, 'out'));
    chmodSync(join(d, 'out'), 0o1777);
    const cf = join(mail, 'sendmail.cf');
    // The host status directory is Debian's /var/lib/sendmail/host_status; where the package's
    // set-up did not make it, sendmail -bs prints a warning before its greeting. The test keeps it inside
    // its own directory (not a setting the hardening is about).
    mkdirSync(join(d, 'host_status'), { mode: 0o700 });
    writeFileSync(cf, debianCf().replace(/^O HostStatusDirectory=.*$/m, `O HostStatusDirectory=${join(d, 'host_status')}`), { mode: 0o644 });
    writeFileSync(join(mail, 'sendmail.mc'), mcText(), { mode: 0o644 });
    const aliases = join(d, 'etc/aliases');
    const ran = join(d, 'out/ran');
    writeFileSync(aliases, `postmaster: root\nprogalias: "|/bin/sh -c 'echo ran > ${ran}'"\ndecode: "|/usr/bin/uudecode"\n`, { mode: 0o644 });
    const lintFiles = [cf, join(mail, 'sendmail.mc'), aliases];

    // Before.
    const lintBefore = JSON.parse((await cli(['lint', '-f', 'json', '--fail-on', 'none', '--no-config', ...lintFiles])).stdout).findings as JsonFinding[];
    for (const id of ['MH1001', 'MH1002', 'MH1010', 'MH1030', 'MH2001']) assert.ok(ids(lintBefore).includes(id), `lint before: ${id} missing in ${ids(lintBefore)}`);
    const before = await serve(cf);
    stops.push(before.stop);
    const transcriptBefore = join(d, 'before.smtp');
    const probeBefore = await cli(['probe', `127.0.0.1:${before.port}`, '-f', 'json', '--fail-on', 'none', '--timeout', '20', '--transcript', transcriptBefore]);
    before.stop();
    assert.equal(probeBefore.code, 0, probeBefore.stderr);
    const seenBefore = JSON.parse(probeBefore.stdout).findings as JsonFinding[];
    for (const id of ['MH7001', 'MH7002', 'MH7003', 'MH7004', 'MH7007']) assert.ok(ids(seenBefore).includes(id), `probe before: ${id} missing in ${ids(seenBefore)}`);
    assert.ok(!seenBefore.some((f) => f.ruleId === 'MH7005' && (f as JsonFinding & { severity: string }).severity === 'critical'), 'the stock cf is no open relay');
    const wireBefore = readFileSync(transcriptBefore, 'utf8');
    assert.match(wireBefore, /^C: VRFY root\nS: 250 /m);
    assert.match(wireBefore, /^C: EXPN root\nS: 250 /m);
    assert.match(wireBefore, /^S: 220 \S+ ESMTP Sendmail 8\.\d+/m);
    // The program alias runs through the stock cf (P=/bin/sh).
    spawnSync(SENDMAIL, ['-C', cf, '-bi', `-oA${aliases}`]);
    const deliver = (cfPath: string) => spawnSync(SENDMAIL, ['-C', cfPath, `-oA${aliases}`, `-oQ${join(d, 'q')}`, '-odi', '-oeq', '-f', 'root', 'progalias'], { input: 'Subject: e2e\n\nhello\n', encoding: 'utf8', timeout: 60_000 });
    const stock = deliver(cf);
    assert.equal(stock.status, 0, stock.stderr);
    assert.ok(existsSync(ran), 'with /bin/sh as the prog mailer the alias ran its command');

    // Apply a hardening policy. The tree is this machine ('/'), the files are under the temporary
    // directory, so the new cf names its own help file and nothing else on the machine is touched.
    const policy = join(d, 'policy.yaml');
    writeFileSync(
      policy,
      [
        'version: 1',
        'profile: debian',
        `paths: { mailDir: ${mail}, aliases: ${aliases}, smrshDir: ${join(d, 'smrsh')}, mqueue: ${join(d, 'q')} }`,
        'mta: [sendmail]',
        'privacy: [authwarnings, noexpn, novrfy, noetrn, restrictmailq, restrictqrun, needmailhelo, needexpnhelo, needvrfyhelo]',
        'smrsh: { allow: [/usr/libexec/sendmail/mail.local] }',
        'aliases: { strip: [decode] }',
        'greeting: "$j"',
        'help: true',
        '',
      ].join('\n'),
    );
    const applied = await cli(['apply', policy, '--root', '/', '--backup-dir', join(d, 'backup')]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^Applied and verified: 1 created, 3 changed, 0 unchanged; 2 host actions \(1 link, 1 rebuild\)\. Backup: /m);
    assert.equal((await cli(['apply', policy, '--root', '/', '--dry-run', '--exit-code'])).code, 0, 'a second run has nothing to do');

    // After: lint.
    const lintAfter = JSON.parse((await cli(['lint', '-f', 'json', '--fail-on', 'none', '--no-config', ...lintFiles])).stdout).findings as JsonFinding[];
    for (const id of ['MH1001', 'MH1002', 'MH1010', 'MH1030', 'MH2001']) assert.ok(!ids(lintAfter).includes(id), `lint after: ${id} still reported`);

    // After: the wire.
    const afterServer = await serve(cf);
    stops.push(afterServer.stop);
    const transcriptAfter = join(d, 'after.smtp');
    const probeAfter = await cli(['probe', `127.0.0.1:${afterServer.port}`, '-f', 'json', '--fail-on', 'none', '--timeout', '20', '--transcript', transcriptAfter]);
    afterServer.stop();
    assert.equal(probeAfter.code, 0, probeAfter.stderr);
    const findingsAfter = JSON.parse(probeAfter.stdout).findings as (JsonFinding & { severity: string })[];
    const seenAfter = ids(findingsAfter);
    for (const id of ['MH7001', 'MH7002', 'MH7003', 'MH7004', 'MH7007']) assert.ok(!seenAfter.includes(id), `probe after: ${id} still seen`);
    // No relay: at most the note that the test was refused because of the sender's domain (no DNS here).
    assert.deepEqual(findingsAfter.filter((f) => f.ruleId === 'MH7005').map((f) => f.severity).filter((s) => s !== 'info'), []);
    const wireAfter = readFileSync(transcriptAfter, 'utf8');
    assert.match(wireAfter, /^C: VRFY root\nS: 252 /m);
    assert.match(wireAfter, /^C: EXPN root\nS: 502 /m);
    assert.match(wireAfter, /^S: 220 \S+ ESMTP$/m);
    assert.doesNotMatch(wireAfter, /8\.\d+\.\d+/);
    t.diagnostic(`before:\n${wireBefore}\nafter:\n${wireAfter}`);

    // The program alias is now refused by smrsh: sendmail exits 69 (EX_UNAVAILABLE) and nothing ran.
    spawnSync('rm', ['-f', ran]);
    const refused = deliver(cf);
    assert.equal(refused.status, 69, `${refused.stdout}${refused.stderr}`);
    assert.ok(!existsSync(ran), 'the program alias ran through smrsh');
    const direct = spawnSync(SMRSH, ['-c', `/bin/sh -c 'echo ran > ${ran}'`], { encoding: 'utf8' });
    assert.equal(direct.status, 69);
    assert.match(direct.stderr, /smrsh: "sh" not available for sendmail programs/);
  });
});
