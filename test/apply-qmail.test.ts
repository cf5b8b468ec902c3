import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lchownSync, lstatSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { lintText } from '../src/lint/text.js';
import { run } from './helpers/cli.js';
import { needsRoot, tempDir } from './helpers/real.js';
import { buildPlan } from '../src/apply/plan.js';
import { policyFromText } from '../src/policy/validate.js';
import { loadTemplates } from '../src/render/templates.js';

/** apply for qmail on --root trees: what it writes, what it refuses to write, and a second run that changes nothing. */

const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nalias:x:7790:2108::/var/qmail/alias:/bin/true\nqmaild:x:7791:2108::/var/qmail:/bin/true\nqmaill:x:7792:2108::/var/qmail:/bin/true\n';

function tree(o: { passwd?: string; run?: boolean } = {}): string {
  const root = tempDir('mh-aq-');
  const q = join(root, 'var', 'qmail');
  for (const d of ['control', 'bin', 'alias', 'supervise/qmail-smtpd']) mkdirSync(join(q, d), { recursive: true });
  mkdirSync(join(root, 'etc'));
  mkdirSync(join(root, 'usr', 'bin'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), o.passwd ?? PASSWD);
  writeFileSync(join(q, 'control', 'me'), 'mx.example.com\n');
  writeFileSync(join(q, 'control', 'locals'), 'example.com\n');
  if (o.run !== false) writeFileSync(join(q, 'supervise', 'qmail-smtpd', 'run'), '#!/bin/sh\nexec tcpserver -x /etc/tcp.smtp.cdb 0 smtp /var/qmail/bin/qmail-smtpd\n', { mode: 0o775 });
  return root;
}

function policy(root: string, text: string): string {
  const file = join(root, 'policy.yaml');
  writeFileSync(file, `version: 1\nmta: [qmail]\n${text}`);
  return file;
}

const SMTPD = 'qmail:\n  greeting: mx.example.com\n  databytes: 20000000\n  smtpd: { connections: 20, memory: 30000000 }\n';

describe('apply for qmail', () => {
  it('writes the run script whole: ids of qmaild as numbers, limits, guard, -v, the rules cdb; sh and lint accept it; a second run changes nothing', () => {
    const root = tree();
    const file = policy(root, `relay:\n  networks: [192.0.2.0/24]\n  domains: [example.com]\n${SMTPD}`);
    const r = run(['apply', file, '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    const script = join(root, 'var/qmail/supervise/qmail-smtpd/run');
    const text = readFileSync(script, 'utf8');
    assert.match(text, /^exec tcpserver -v -R -c 20 -x \/etc\/tcp\.smtp\.cdb -u 7791 -g 2108 0 25 \/var\/qmail\/bin\/qmail-smtpd 2>&1$/m);
    assert.match(text, /^ulimit -v 29297$/m);
    assert.match(text, /^if \[ ! -f \/var\/qmail\/control\/rcpthosts \]; then$/m);
    // Root's 0755 whatever it was (0775 before): supervise runs it as root.
    assert.equal(lstatSync(script).mode & 0o7777, 0o755);
    assert.equal(spawnSync('sh', ['-n', script]).status, 0);
    assert.deepEqual(lintText(text, 'qmail-run', rules, { path: '/var/qmail/supervise/qmail-smtpd/run' }).map((f) => f.ruleId), []);
    assert.equal(readFileSync(join(root, 'var/qmail/supervise/qmail-smtpd/log/run'), 'utf8').split('\n').at(-2), 'exec setuidgid qmaill multilog t /var/log/qmail/smtpd');
    assert.equal(readFileSync(join(root, 'var/qmail/control/smtpgreeting'), 'utf8'), 'mx.example.com\n');
    assert.equal(readFileSync(join(root, 'var/qmail/control/databytes'), 'utf8'), '20000000\n');
    // lint --root: none of the rules the policy covers is left.
    const lint = run(['lint', '--root', root, '-f', 'json']);
    const ids = new Set((JSON.parse(lint.stdout) as { findings: { ruleId: string }[] }).findings.map((f) => f.ruleId));
    for (const id of ['MH4005', 'MH4006', 'MH4007', 'MH4008', 'MH4009', 'MH4040', 'MH4041', 'MH4042']) assert.ok(!ids.has(id), `${id} after apply: ${lint.stdout}`);
    const again = run(['apply', file, '--root', root, '--dry-run']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes: .* matches the policy \(6 files checked\)\.$/m);
  });

  it('with a runit tree, log/run runs svlogd as the log user', () => {
    const root = tree();
    for (const p of ['svlogd', 'chpst']) writeFileSync(join(root, 'usr', 'bin', p), '');
    const r = run(['apply', policy(root, SMTPD), '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(readFileSync(join(root, 'var/qmail/supervise/qmail-smtpd/log/run'), 'utf8'), /^exec chpst -u qmaill svlogd -tt \/var\/log\/qmail\/smtpd$/m);
  });

  it('writes no run script when qmaild is missing or is root: tcpserver -u takes numbers, a name is uid 0', () => {
    for (const [passwd, why] of [['root:x:0:0:root:/root:/bin/sh\n', /has no user qmaild/], ['root:x:0:0:root:/root:/bin/sh\nqmaild:x:0:0::/var/qmail:/bin/true\n', /qmaild has uid 0/]] as const) {
      const root = tree({ passwd });
      const r = run(['apply', policy(root, SMTPD), '--root', root, '--dry-run']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, why);
      assert.doesNotMatch(r.stdout, /supervise\/qmail-smtpd\/run/);
    }
  });

  it('makes a service directory when there is none, and says how to start it', () => {
    const root = tree({ run: false });
    const r = run(['apply', policy(root, SMTPD), '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /no qmail-smtpd run script in the layout's places: \/var\/qmail\/supervise\/qmail-smtpd\/run is made/);
    assert.ok(existsSync(join(root, 'var/qmail/supervise/qmail-smtpd/run')));
  });

  it('~alias: postmaster, mailer-daemon and root forward; a link is left; a stripped alias is removed', () => {
    const root = tree();
    const alias = join(root, 'var/qmail/alias');
    writeFileSync(join(alias, '.qmail-decode'), '|/usr/bin/uudecode\n');
    symlinkSync('.qmail-postmaster', join(alias, '.qmail-root'));
    const r = run(['apply', policy(root, 'aliases:\n  postmaster: admin@example.com\n  root: admin\n  strip: [decode]\n'), '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\.qmail-root is a link: left as it is/);
    assert.equal(readFileSync(join(alias, '.qmail-postmaster'), 'utf8').split('\n')[1], '&admin@example.com');
    // mailer-daemon is not in the policy and was missing: the postmaster's address.
    assert.equal(readFileSync(join(alias, '.qmail-mailer-daemon'), 'utf8').split('\n')[1], '&admin@example.com');
    assert.ok(lstatSync(join(alias, '.qmail-root')).isSymbolicLink());
    assert.ok(!existsSync(join(alias, '.qmail-decode')));
  });

  it('the policy refuses a qmail section without mta qmail, a greeting naming the software, and root as a user', () => {
    const root = tree();
    const file = join(root, 'bad.yaml');
    writeFileSync(file, 'version: 1\nmta: [sendmail]\nqmail:\n  greeting: mx.example.com netqmail-1.06\n  smtpd: { user: root, logUser: root }\n');
    const r = run(['policy', 'validate', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\/qmail: is set, but mta does not name qmail/);
    assert.match(r.stderr, /\/qmail\/greeting: names the software \("netqmail-1\.06"\)/);
    assert.match(r.stderr, /\/qmail\/smtpd\/user: "root"/);
    assert.match(r.stderr, /\/qmail\/smtpd\/logUser: "root"/);
  });

  it('a log directory the log user swapped for a link is not followed: root never gives the service directory away', async (t) => {
    if (!needsRoot(t, 'the link must belong to another user')) return;
    const root = tree();
    mkdirSync(join(root, 'var/log/qmail'), { recursive: true });
    chownSync(join(root, 'var/log/qmail'), 7792, 2108);
    symlinkSync('/var/qmail/supervise/qmail-smtpd', join(root, 'var/log/qmail/smtpd'));
    lchownSync(join(root, 'var/log/qmail/smtpd'), 7792, 2108);
    const policy = await policyFromText(`version: 1\nmta: [qmail]\n${SMTPD}`, 'p.yaml');
    const plan = buildPlan(policy, { root, render: await loadTemplates(), policyName: 'p.yaml', attributes: () => new Map() });
    assert.deepEqual(plan.owners, []);
    assert.ok(plan.notes.some((n) => n.startsWith('/var/log/qmail/smtpd: ') && /symlink/.test(n)), plan.notes.join('\n'));
    // A directory of another user is not taken either.
    const other = tree();
    mkdirSync(join(other, 'var/log/qmail/smtpd'), { recursive: true });
    chownSync(join(other, 'var/log/qmail/smtpd'), 1000, 1000);
    const plan2 = buildPlan(policy, { root: other, render: await loadTemplates(), policyName: 'p.yaml', attributes: () => new Map() });
    assert.deepEqual(plan2.owners, []);
    assert.ok(plan2.notes.some((n) => /belongs to uid 1000, neither root nor the log user/.test(n)), plan2.notes.join('\n'));
    // The policy cannot name a log directory outside /var/log.
    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nmta: [qmail]\nqmail:\n  smtpd: { logDir: /var/qmail/control }\n');
    assert.equal(run(['policy', 'validate', bad]).code, 2);
  });

  it('a service link another user made may lead only to a run script, never to sendmail.cf', (t) => {
    if (!needsRoot(t, 'the link must belong to another user')) return;
    const root = tree({ run: false });
    mkdirSync(join(root, 'etc/mail'), { recursive: true });
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), 'V10/Berkeley\n');
    mkdirSync(join(root, 'service/qmail-smtpd'), { recursive: true });
    chownSync(join(root, 'service/qmail-smtpd'), 1000, 1000);
    symlinkSync('/etc/mail/sendmail.cf', join(root, 'service/qmail-smtpd/run'));
    lchownSync(join(root, 'service/qmail-smtpd/run'), 1000, 1000);
    const r = run(['apply', policy(root, SMTPD), '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8'), 'V10/Berkeley\n');
    assert.match(r.stderr, /\/service\/qmail-smtpd\/run is a symlink .* owned by uid 1000/);
  });

  it('a run script with rblsmtpd, QMAILQUEUE or SMTP AUTH is not replaced unless the policy says replace', () => {
    const root = tree();
    const script = join(root, 'var/qmail/supervise/qmail-smtpd/run');
    const old = '#!/bin/sh\nQMAILQUEUE=/var/qmail/bin/simscan\nexport QMAILQUEUE\nexec softlimit -m 9000000 tcpserver -v -x /etc/tcp.smtp.cdb -u 7791 -g 2108 0 smtp rblsmtpd -r zen.spamhaus.org /var/qmail/bin/qmail-smtpd mx /bin/checkpassword /bin/true 2>&1\n';
    writeFileSync(script, old);
    const r = run(['apply', policy(root, SMTPD), '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(script, 'utf8'), old);
    assert.match(r.stderr, /run is not rewritten: it has what the written script would drop \(rblsmtpd -r zen\.spamhaus\.org before qmail-smtpd; the arguments of qmail-smtpd \(mx \/bin\/checkpassword \/bin\/true\); export QMAILQUEUE\); set qmail\.smtpd\.replace: true/);
    const again = run(['apply', policy(root, SMTPD.replace('smtpd: {', 'smtpd: { replace: true,')), '--root', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(readFileSync(script, 'utf8'), /^exec tcpserver -v -R -c 20 /m);
  });

  it('~alias: a FIFO to strip or a hard-linked .qmail file is a note, not the end of the run; a writable one is closed', () => {
    const root = tree();
    const alias = join(root, 'var/qmail/alias');
    spawnSync('mkfifo', [join(alias, '.qmail-uucp')]);
    writeFileSync(join(root, 'elsewhere'), '&x\n');
    spawnSync('ln', [join(root, 'elsewhere'), join(alias, '.qmail-root')]);
    writeFileSync(join(alias, '.qmail-postmaster'), '&old\n', { mode: 0o666 });
    spawnSync('chmod', ['0666', join(alias, '.qmail-postmaster')]);
    const r = run(['apply', policy(root, 'aliases:\n  postmaster: admin\n  root: admin\n  strip: [uucp]\n'), '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /\.qmail-uucp: not a regular file where a \.qmail file would be; remove it yourself/);
    assert.match(r.stderr, /\.qmail-root: .*hard links.*: not written/);
    assert.equal(readFileSync(join(root, 'elsewhere'), 'utf8'), '&x\n');
    assert.equal(lstatSync(join(alias, '.qmail-postmaster')).mode & 0o777, 0o644);
  });
});
