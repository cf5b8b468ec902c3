import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { test } from 'node:test';
import { stringify } from 'yaml';
import { ansible, packTarball, recap } from './helpers/ansible.js';
import { ROOT } from './helpers/cli.js';
import { compare, Guard, liveEnabled, LSATTR, restore, snapshot, type Root } from './helpers/live.js';
import { needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';
import { smtpSession } from './helpers/smtp-bs.js';

/**
 * The inventory's host that is this machine itself (issue 20): the role `mailharden.mailharden.fleet`
 * on `/`, no --root tree. `--check --diff` shows the changes and leaves the machine as it was; the
 * real run applies (the real sendmail then answers EXPN with 502); a second run reports changed=0.
 * Whatever happens, the snapshot of what apply touches is put back and checked to be identical.
 * MAILHARDEN_LIVE=1 runs it (.ci/run sets it); it needs root and ansible-playbook.
 */

const CF = '/etc/mail/sendmail.cf';
const HOST = 'mxself';

/** What apply on / may touch: the mail directory, the alias files, the backups of the runs. */
function touchedRoots(): Root[] {
  const aliasFile = /^O AliasFile=([^,\s]+)/m.exec(readFileSync(CF, 'utf8'))?.[1] ?? '/etc/mail/aliases';
  const alias = existsSync(aliasFile) ? realpathSync(aliasFile) : aliasFile;
  const out: Root[] = [
    { path: '/etc', deep: false },
    { path: '/etc/mail', deep: true },
    { path: alias, deep: false },
    { path: `${alias}.db`, deep: false },
    { path: '/etc/aliases', deep: false },
    { path: '/etc/aliases.db', deep: false },
    { path: '/var/backups', deep: false },
    { path: '/var/backups/mailharden', deep: true },
  ];
  const seen = new Set<string>();
  return out.filter((r) => !seen.has(r.path) && seen.add(r.path));
}

/** EXPN root after EHLO, asked of the real `sendmail -bs` with the cf on disk: its reply code. */
async function expnCode(): Promise<number> {
  const x = await smtpSession(readFileSync(CF, 'utf8'), ['EHLO live.mailharden.invalid', 'EXPN root', 'QUIT']);
  return x.find((e) => e.command === 'EXPN root')!.code;
}

test('live: the Ansible role on this machine itself (/): --check --diff writes nothing, the run applies, the second run changes nothing, restored', { timeout: 900_000 }, async (t) => {
  if (!liveEnabled(t, 'ansible-playbook applies a policy to this machine\'s /etc/mail, then puts everything back')) return;
  if (!needsRoot(t, 'the role applies to /etc/mail')) return;
  if (!needs(t, '/usr/bin/ansible-playbook', SENDMAIL, CF, LSATTR)) return;

  const dir = tempDir('mh-live-ansible-');
  const touched = touchedRoots();
  const pristine = snapshot(touched);
  const guard = new Guard(join(dir, 'guard.json'), pristine, touched);
  guard.start(posix.join(fileURLToPath(new URL('.', import.meta.url)), 'helpers', 'live-guard.js'));
  let cleaned = false;
  const cleanup = (): string[] => {
    if (cleaned) return [];
    cleaned = true;
    const problems = restore(pristine, touched);
    guard.done();
    return problems;
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal).on('exit', cleanup);
  const logs: string[] = [];
  try {
    const expnBefore = await expnCode();
    assert.notEqual(expnBefore, 502, 'this machine\'s cf must allow EXPN before the test (Debian\'s does)');

    const tarball = packTarball(dir);
    mkdirSync(join(dir, 'host_vars'));
    writeFileSync(
      join(dir, 'host_vars', `${HOST}.yml`),
      stringify({
        mailharden_root: '/',
        mailharden_prefix: join(dir, 'opt'),
        mailharden_package: tarball,
        mailharden_report_dir: join(dir, 'reports'),
        mailharden_fail_on: 'none',
        mailharden_policy: { version: 1, profile: 'debian', mta: ['sendmail'], privacy: ['authwarnings', 'noexpn', 'novrfy'], greeting: '$j' },
      }),
    );
    writeFileSync(join(dir, 'inventory.ini'), `[mx]\n${HOST} ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n`);
    cpSync(join(ROOT, 'ansible', 'playbooks', 'fleet.yml'), join(dir, 'site.yml'));

    const check = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml', '--check', '--diff'], dir);
    logs.push(`=== --check --diff\n${check.out}`);
    assert.equal(check.code, 0, check.out.slice(-6000));
    assert.match(check.out, /^\+\+\+ after: \/etc\/mail\/sendmail\.cf$/m);
    assert.match(check.out, /^\+O PrivacyOptions=.*noexpn/m);
    assert.ok(recap(check.out)[HOST]!.changed! >= 1, JSON.stringify(recap(check.out)));
    assert.deepEqual(compare(pristine, snapshot(touched)), [], '--check changed the machine');
    assert.notEqual(await expnCode(), 502);

    const real = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml'], dir);
    logs.push(`=== real run\n${real.out}`);
    assert.equal(real.code, 0, real.out.slice(-6000));
    const r = recap(real.out)[HOST]!;
    assert.ok(r.changed! >= 1 && r.failed === 0, JSON.stringify(r));
    assert.match(readFileSync(CF, 'utf8'), /^O PrivacyOptions=.*\bnoexpn\b/m);
    // The real sendmail, reading the cf the role wrote, refuses EXPN.
    assert.equal(await expnCode(), 502);
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'fleet.json'), 'utf8')) as { hosts: { host: string }[] };
    assert.deepEqual(report.hosts.map((h) => h.host), [HOST]);

    const applied = snapshot(touched);
    const again = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml'], dir);
    logs.push(`=== second run\n${again.out}`);
    assert.equal(again.code, 0, again.out.slice(-6000));
    assert.equal(recap(again.out)[HOST]!.changed, 0, again.out.slice(-4000));
    assert.deepEqual(compare(applied, snapshot(touched), { ignore: ['/var/backups/mailharden'] }), [], 'the second run changed files');
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal).off('exit', cleanup);
    const problems = cleanup();
    const left = compare(pristine, snapshot(touched));
    writeFileSync(join(dir, 'live-ansible.log'), logs.join('\n'));
    for (const line of [`logs: ${join(dir, 'live-ansible.log')}`, ...logs.flatMap((l) => l.split('\n').filter((x) => /^(=== |\S+\s+: ok=)/.test(x)))]) t.diagnostic(line);
    assert.deepEqual([...problems, ...left], [], 'the machine is restored exactly');
  }
  assert.notEqual(await expnCode(), 502, 'after the restore the real sendmail allows EXPN again');
});
