import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { rules } from '../rules/index.js';
import { applyPolicy } from '../src/apply/run.js';
import { reloadDaemon, runningDaemon, type Processes } from '../src/apply/daemon.js';
import { mapLookups, readOptions, realRunner, strippedAlias, type Ran, type Runner } from '../src/apply/verify.js';
import { EXIT } from '../src/core/exit.js';
import { loadPolicy } from '../src/policy/validate.js';
import { loadTemplates } from '../src/render/templates.js';
import { run } from './helpers/cli.js';
import { debianCf, DEBIAN_MC, M4, MAKEMAP, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';

const ran = (stdout: string, status = 0): Ran => ({ status, stdout, stderr: '' });

describe('verify: reading the answers of the real programs', () => {
  it('a stripped alias is unknown, or a local user of the same name; any other line is a target it still expands to', () => {
    assert.equal(strippedAlias('decode', ran('decode... User unknown\n', 67)).ok, true);
    assert.equal(strippedAlias('games', ran('games... deliverable: mailer local, user games\n')).ok, true);
    assert.equal(strippedAlias('decode', ran('"|/usr/bin/uudecode"... deliverable: mailer prog, user |/usr/bin/uudecode\n')).ok, false);
    // An alias to another alias shows only the final targets.
    assert.equal(strippedAlias('games', ran('ops@example.com... deliverable: mailer esmtp, host example.com, user ops@example.com\n')).ok, false);
    assert.equal(strippedAlias('decode', ran('')).ok, false, 'no answer is no proof');
    assert.equal(strippedAlias('decode', { status: null, stdout: '', stderr: '', error: 'sendmail is not installed' }).ok, false);
    // sendmail's warnings about the host are not answers.
    assert.equal(strippedAlias('decode', { status: 67, stdout: 'decode... User unknown\n', stderr: 'Warning: Cannot use HostStatusDirectory = /var/lib/sendmail/host_status: No such file or directory\n' }).ok, true);
  });

  it('map lookups and option lines as sendmail -bt prints them (measured with 8.17.1.9)', () => {
    assert.deepEqual(mapLookups(ran('ADDRESS TEST MODE (ruleset 3 NOT automatically invoked)\nEnter <ruleset> <address>\n> map_lookup: access (Connect:127) returns RELAY (0)\n> map_lookup: access (Connect:10.9) no match (0)\n> map_lookup: aliases (root) returns ops@example.com, bob (0)\n> ')), ['RELAY', undefined, 'ops@example.com, bob']);
    const r = readOptions(ran('setoption LogLevel (L)=9\nsetoption SmtpGreetingMessage (0x90)=$j\n> mailer 3 (prog): P=/usr/libexec/sendmail/smrsh S=EnvFromL/HdrFromL R=EnvToL/HdrToL M=0 U=0:0 F=9DFMeloqsu L=0 E=\\n T=X-Unix/X-Unix/X-Unix r=100 A=smrsh -c $u\n'));
    assert.deepEqual(r.options, [['LogLevel', '9'], ['SmtpGreetingMessage', '$j']]);
    assert.equal(r.mailers.get('prog'), '/usr/libexec/sendmail/smrsh');
  });
});

/**
 * A mail configuration at paths of its own on this host (root `/`, nothing under /etc touched): the
 * stock Debian cf with its AliasFile, Kaccess and HelpFile in a temp directory, the aliases file
 * reached through a link as on Debian, and a policy whose paths name that directory. apply on `/` then
 * verifies against the real sendmail, as on a live server.
 */
function site(t: TestContext): { dir: string; policy: string } | undefined {
  if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC)) return undefined;
  if (!needsRoot(t, 'sendmail -bi writes the database as TrustedUser; apply on / runs as root')) return undefined;
  const dir = tempDir('mh-verify-');
  chmodSync(dir, 0o755);
  const mail = join(dir, 'mail');
  mkdirSync(mail);
  const cf = debianCf()
    .replace(/^O AliasFile=.*$/m, `O AliasFile=${mail}/aliases`)
    .replace(/^(Kaccess hash .*) \/etc\/mail\/access$/m, `$1 ${mail}/access`);
  writeFileSync(join(mail, 'sendmail.cf'), cf);
  writeFileSync(join(dir, 'aliases'), 'postmaster: root\ndecode: "|/usr/bin/uudecode"\ngames: root\nstaff: root\n');
  symlinkSync('../aliases', join(mail, 'aliases'));
  writeFileSync(join(mail, 'access'), 'Connect:127 RELAY\nConnect:10.9.9 RELAY\n', { mode: 0o600 });
  mkdirSync(join(dir, 'smrsh'));
  symlinkSync('/bin/sh', join(dir, 'smrsh/sh'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, `version: 1
profile: debian
mta: [sendmail]
paths:
  mailDir: ${mail}
  smrshDir: ${dir}/smrsh
smrsh:
  allow: [/usr/libexec/sendmail/mail.local]
relay:
  networks: [127.0.0.0/8, 10.1.2.0/24, "2001:db8:10::/48"]
privacy: [authwarnings, noexpn, novrfy, noetrn, restrictmailq, restrictqrun, needmailhelo]
aliases:
  strip: [decode, games]
  root: ops@example.com
  mailerDaemon: postmaster
greeting: "$j"
help: true
listen: local-only
auth: { require-tls: true }
forwardPath: []
limits: { maxDaemonChildren: 40, maxMessageSize: 26214400 }
`);
  return { dir, policy };
}

describe('verify: the last step of a real apply on /', () => {
  it('says "Applied and verified" when the real sendmail answers as the policy says', (t) => {
    const s = site(t);
    if (!s) return;
    const r = run(['apply', s.policy, '--backup-dir', join(s.dir, 'backup')]);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^Applied and verified: /m);
    // What the verifier saw, asked again here: the stripped alias is gone from the database sendmail opens.
    const bv = spawnSync(SENDMAIL, ['-C', join(s.dir, 'mail/sendmail.cf'), '-bv', 'decode'], { encoding: 'utf8' });
    assert.match(bv.stdout, /^decode\.\.\. User unknown$/m);
    assert.doesNotMatch(readFileSync(join(s.dir, 'aliases'), 'utf8'), /uudecode/);
    assert.equal(readlinkSync(join(s.dir, 'smrsh/mail.local')), '/usr/libexec/sendmail/mail.local');
    assert.ok(!existsSync(join(s.dir, 'smrsh/sh')));
  });

  it('a check that fails (the database sendmail reads still expands a stripped alias) makes apply not say "verified", list it escaped, and exit 7', async (t) => {
    const s = site(t);
    if (!s) return;
    // The real programs, except that -bv of decode answers as an untouched database would, with a control character.
    const fake: Runner = (argv, input) => (argv.includes('-bv') && argv.at(-1) === 'decode' ? ran('"|/usr/bin/uudecode\x1b[2J"... deliverable: mailer prog, user |/usr/bin/uudecode\n') : realRunner(argv, input));
    let out = '';
    let err = '';
    const code = await applyPolicy(await loadPolicy(s.policy), {
      root: '/',
      dryRun: false,
      exitCode: false,
      backupDir: join(s.dir, 'backup'),
      backup: true,
      validate: true,
      allowChattr: false,
      postCommands: true,
      filesOnly: false,
      policyName: s.policy,
      rules,
      render: await loadTemplates(),
      out: (x) => (out += x),
      err: (x) => (err += x),
      runner: fake,
    });
    assert.equal(code, EXIT.unverified, `${out}\n${err}`);
    assert.doesNotMatch(out, /verified/);
    assert.match(out, /^Applied: /m);
    assert.match(err, /1 of \d+ checks failed/);
    assert.match(err, /^ {2}alias decode stripped: sendmail -bv decode: "\|\/usr\/bin\/uudecode\\x1b\[2J"\.\.\. deliverable: mailer prog/m);
    assert.doesNotMatch(err, /\x1b/);
  });

  it('the options of every key are asked for: a limit sendmail reads otherwise, or a mailer-daemon alias it expands otherwise, is a failed check', async (t) => {
    const s = site(t);
    if (!s) return;
    // The real programs, except that sendmail reads another MaxMessageSize and another MAILER-DAEMON target.
    const fake: Runner = (argv, input) => {
      const r = realRunner(argv, input);
      if (argv.includes('-d37.1')) return { ...r, stdout: r.stdout.replace(/^(setoption MaxMessageSize \([^)]*\)=).*$/m, '$11') };
      if (input.includes('/map aliases mailer-daemon')) return { ...r, stdout: r.stdout.replace(/(map_lookup: aliases \(mailer-daemon\) returns )[^\n]*/, '$1root (0)') };
      return r;
    };
    let out = '';
    let err = '';
    const code = await applyPolicy(await loadPolicy(s.policy), {
      root: '/', dryRun: false, exitCode: false, backupDir: join(s.dir, 'backup'), backup: true, validate: true, allowChattr: false, postCommands: true, filesOnly: false,
      policyName: s.policy, rules, render: await loadTemplates(), out: (x) => (out += x), err: (x) => (err += x), runner: fake,
    });
    assert.equal(code, EXIT.unverified, `${out}\n${err}`);
    assert.match(err, /^ {2}MaxMessageSize: MaxMessageSize=1$/m);
    assert.match(err, /^ {2}alias mailer-daemon: sendmail -bt: \/map aliases mailer-daemon returns root$/m);
    assert.match(err, /2 of \d+ checks failed/);
  });

  it('on another root, says once that the running system was not asked, and prints "Applied:"', (t) => {
    const s = site(t);
    if (!s) return;
    const root = tempDir('mh-verify-root-');
    mkdirSync(join(root, 'etc/mail'), { recursive: true });
    writeFileSync(join(root, 'etc/aliases'), 'decode: root\n');
    const policy = join(s.dir, 'tree-policy.yaml');
    writeFileSync(policy, 'version: 1\nprofile: debian\nmta: [sendmail]\naliases:\n  strip: [decode]\n');
    const r = run(['apply', policy, '--root', root, '--no-post-commands', '--no-backup']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Applied: /m);
    assert.doesNotMatch(r.stdout, /verified/);
    assert.equal(r.stderr.match(/not verified against the running system/g)?.length, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`not verified against the running system \\(--root ${root}\\)`));
  });
});

/** A host with one process per pid, for --reload: what the pid file says, which program each pid runs, the signals sent. */
function fakeProcesses(procs: Map<number, { exe: string; uid: number }>, pidFileText: string, onHup?: (pid: number) => void): Processes & { sent: [number, string][] } {
  const sent: [number, string][] = [];
  return {
    sent,
    readPidFile: (path) => (path === '/var/run/sendmail/mta/sendmail.pid' ? pidFileText : undefined),
    describe: (pid) => procs.get(pid),
    signal: (pid, sig) => {
      sent.push([pid, sig]);
      if (sig === 'SIGHUP') onHup?.(pid);
    },
    sleep: () => {},
  };
}

const SENDMAIL_DAEMON = { exe: '/usr/libexec/sendmail/sendmail', uid: 0 };

describe('the running daemon, when the cf changed', () => {
  it('a pid file is trusted only for a root sendmail process', () => {
    const pidFile = '/var/run/sendmail/mta/sendmail.pid';
    const procs = new Map([[4242, SENDMAIL_DAEMON], [77, { exe: '/usr/sbin/sshd', uid: 0 }], [88, { exe: '/usr/libexec/sendmail/sendmail', uid: 102 }]]);
    assert.equal(runningDaemon(pidFile, fakeProcesses(procs, '4242\n/usr/sbin/sendmail-mta -Am -L sm-mta -bd -q10m\n'))?.pid, 4242);
    assert.equal(runningDaemon(pidFile, fakeProcesses(procs, '77\n')), undefined, 'another program');
    procs.set(4343, { exe: '/usr/sbin/sendmail-mta (deleted)', uid: 0 });
    assert.equal(runningDaemon(pidFile, fakeProcesses(procs, '4343\n'))?.pid, 4343, 'a daemon whose binary an upgrade replaced');
    assert.equal(runningDaemon(pidFile, fakeProcesses(procs, '88\n')), undefined, 'a sendmail of another user');
    assert.equal(runningDaemon(pidFile, fakeProcesses(procs, '9999\n')), undefined, 'no such process');
    assert.equal(runningDaemon(pidFile, fakeProcesses(procs, '-1\n')), undefined);
    assert.equal(runningDaemon(pidFile, fakeProcesses(procs, '')), undefined);
  });

  it('a daemon that does not come back after SIGHUP fails the reload', () => {
    const procs = new Map([[4242, SENDMAIL_DAEMON]]);
    const p = fakeProcesses(procs, '4242\n', (pid) => procs.delete(pid));
    const d = runningDaemon('/var/run/sendmail/mta/sendmail.pid', p)!;
    const r = reloadDaemon(d, p, 1000);
    assert.deepEqual(p.sent, [[4242, 'SIGHUP']]);
    assert.equal(r.ok, false);
  });

  const applyWith = async (policy: string, processes: Processes, reload: boolean): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await applyPolicy(await loadPolicy(policy), {
      root: '/', dryRun: false, exitCode: false, backup: false, validate: true, allowChattr: false, postCommands: true, filesOnly: false,
      policyName: policy, rules, render: await loadTemplates(), out: (x) => (out += x), err: (x) => (err += x), processes, reload,
    });
    return { code, out, err };
  };

  it('without --reload, says the daemon runs the old cf until restarted, and signals nothing', async (t) => {
    const s = site(t);
    if (!s) return;
    const p = fakeProcesses(new Map([[4242, SENDMAIL_DAEMON]]), '4242\n');
    const r = await applyWith(s.policy, p, false);
    assert.equal(r.code, EXIT.ok, r.err);
    assert.match(r.err, /sendmail \(pid 4242\) runs with the old .*sendmail\.cf until it is restarted: apply --reload, or kill -HUP 4242/);
    assert.deepEqual(p.sent, []);
  });

  it('--reload sends SIGHUP to the daemon and verifies that it answers again', async (t) => {
    const s = site(t);
    if (!s) return;
    const p = fakeProcesses(new Map([[4242, SENDMAIL_DAEMON]]), '4242\n');
    const r = await applyWith(s.policy, p, true);
    assert.equal(r.code, EXIT.ok, r.err);
    assert.deepEqual(p.sent, [[4242, 'SIGHUP']]);
    assert.match(r.out, /^Applied and verified: /m);
  });

  it('--reload with a daemon that dies on SIGHUP: not verified, exit 7', async (t) => {
    const s = site(t);
    if (!s) return;
    const procs = new Map([[4242, SENDMAIL_DAEMON]]);
    const r = await applyWith(s.policy, fakeProcesses(procs, '4242\n', (pid) => procs.delete(pid)), true);
    assert.equal(r.code, EXIT.unverified, r.err);
    assert.doesNotMatch(r.out, /verified/);
    assert.match(r.err, /the daemon \(pid 4242\) reloaded the configuration \(SIGHUP\): after kill -HUP 4242/);
  });

  it('--reload is refused with --root or --dry-run', () => {
    const root = tempDir('mh-reload-');
    const policy = join(root, 'p.yaml');
    writeFileSync(policy, 'version: 1\nmta: [sendmail]\n');
    for (const args of [['--root', root], ['--dry-run']]) {
      const r = run(['apply', policy, '--reload', ...args]);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /--reload acts on the running daemon/);
    }
  });
});
