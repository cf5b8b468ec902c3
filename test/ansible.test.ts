import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { ROOT } from './helpers/cli.js';
import { needs, tempDir } from './helpers/real.js';
import { changedPaths, snapshot } from './helpers/snapshot.js';

const COLLECTIONS = join(ROOT, 'ansible');
const HOSTS = ['mx1', 'mx2', 'mx3'];

/** ansible-playbook and friends with this repository's collection, the test directory for temp files, no colour. */
function ansible(cmd: string, args: string[], dir: string): { code: number; out: string } {
  const temp = tempDir('mh-ansible-tmp-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_COLLECTIONS_PATH: COLLECTIONS,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_LOCAL_TEMP: temp,
    ANSIBLE_REMOTE_TEMP: temp,
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_DEPRECATION_WARNINGS: '0',
    // The package installs with npm: the tests run the CLI with this Node.js (first in PATH).
    PATH: `${join(process.execPath, '..')}:${process.env.PATH}`,
  };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) && !/^npm_config_(cache|userconfig|registry)$/i.test(k)) delete env[k];
  const r = spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** PLAY RECAP: each host's counters. */
function recap(out: string): Record<string, Record<string, number>> {
  const hosts: Record<string, Record<string, number>> = {};
  for (const m of out.matchAll(/^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$/gm)) hosts[m[1]!] = Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1]!, Number(x[2])]));
  return hosts;
}

/**
 * Three hosts on this machine (local connection), each a tree under the test directory (--root):
 * the example host's files, a policy per host in host_vars, mailharden installed per host from the
 * package tarball (issue 20).
 */
function fleet(): { dir: string; roots: Record<string, string> } {
  const dir = tempDir('mh-ansible-');
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(pack.status, 0, pack.stderr);
  const tarball = join(dir, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
  const base = parse(readFileSync(join(ROOT, 'examples', 'policy.yaml'), 'utf8')) as Record<string, unknown>;
  // chattr needs a file system with attributes: the test trees may be on one without.
  delete base.immutable;
  const policies: Record<string, Record<string, unknown>> = {
    mx1: base,
    mx2: { ...base, hostname: 'mx2.example.com', relay: { networks: ['127.0.0.0/8', '10.20.0.0/24'], domains: ['example.org'] } },
    mx3: { version: 1, profile: 'debian', mta: ['sendmail'], privacy: ['authwarnings', 'noexpn', 'novrfy'], greeting: '$j' },
  };
  const roots: Record<string, string> = {};
  mkdirSync(join(dir, 'host_vars'));
  mkdirSync(join(dir, 'group_vars'));
  for (const h of HOSTS) {
    const root = join(dir, h);
    cpSync(join(ROOT, 'examples', 'etc'), join(root, 'etc'), { recursive: true });
    roots[h] = root;
    writeFileSync(join(dir, 'host_vars', `${h}.yml`), stringify({ mailharden_root: root, mailharden_prefix: join(dir, `opt-${h}`), mailharden_policy: policies[h] }));
  }
  writeFileSync(join(dir, 'group_vars', 'mx.yml'), stringify({ mailharden_package: tarball, mailharden_report_dir: join(dir, 'reports'), mailharden_fail_on: 'critical' }));
  writeFileSync(join(dir, 'inventory.ini'), `[mx]\n${HOSTS.map((h) => `${h} ansible_connection=local ansible_python_interpreter=/usr/bin/python3`).join('\n')}\n`);
  cpSync(join(ROOT, 'ansible', 'playbooks', 'fleet.yml'), join(dir, 'site.yml'));
  return { dir, roots };
}

describe('the Ansible collection mailharden.mailharden (issue 20)', () => {
  it('three hosts: --check --diff writes nothing and shows the diffs; the real run applies; the second run changes nothing', (t) => {
    if (!needs(t, '/usr/bin/ansible-playbook')) return;
    const { dir, roots } = fleet();
    const before = Object.fromEntries(HOSTS.map((h) => [h, snapshot(roots[h]!)]));

    const check = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml', '--check', '--diff'], dir);
    writeFileSync(join(dir, 'check.log'), check.out);
    assert.equal(check.code, 0, check.out.slice(-6000));
    for (const h of HOSTS) assert.deepEqual(changedPaths(before[h]!, snapshot(roots[h]!)), [], `${h}: --check wrote`);
    // Diff mode: each file's before and after, as Ansible prints them.
    assert.match(check.out, /^\+O PrivacyOptions=authwarnings,noexpn,novrfy/m);
    assert.match(check.out, /^\+\+\+ after: \/etc\/mail\/access$/m);
    assert.match(check.out, /^--- before: \/etc\/mail\/relay-domains \(absent\)$/m);
    const c = recap(check.out);
    for (const h of HOSTS) assert.ok(c[h]!.changed! >= 1 && c[h]!.failed === 0, JSON.stringify(c));

    const real = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml'], dir);
    writeFileSync(join(dir, 'real.log'), real.out);
    assert.equal(real.code, 0, real.out.slice(-6000));
    const r = recap(real.out);
    for (const h of HOSTS) {
      assert.ok(r[h]!.changed! >= 1 && r[h]!.failed === 0, JSON.stringify(r));
      assert.match(readFileSync(join(roots[h]!, 'etc/mail/sendmail.cf'), 'utf8'), /^O PrivacyOptions=authwarnings,noexpn,novrfy/m, h);
    }
    assert.match(readFileSync(join(roots.mx2!, 'etc/mail/access'), 'utf8'), /^Connect:10\.20\.0\tRELAY$/m);
    // The fleet report on the controller: every host, with its findings.
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'fleet.json'), 'utf8')) as { hosts: { host: string; findings: unknown[] }[] };
    assert.deepEqual(report.hosts.map((x) => x.host), HOSTS);
    for (const h of HOSTS) assert.ok(existsSync(join(dir, 'reports', `${h}.json`)));

    const again = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml'], dir);
    writeFileSync(join(dir, 'again.log'), again.out);
    assert.equal(again.code, 0, again.out.slice(-6000));
    const a = recap(again.out);
    for (const h of HOSTS) assert.equal(a[h]!.changed, 0, `${h}: ${JSON.stringify(a)}\n${again.out.slice(-4000)}`);

    // mailharden_lint fails a host on findings at or above fail_on, and returns them as data.
    const cli = join(dir, 'opt-mx3', readdirVersion(join(dir, 'opt-mx3')), 'node_modules', '.bin', 'mailharden');
    const lint = ansible('ansible', ['mx3', '-i', 'inventory.ini', '-m', 'mailharden.mailharden.mailharden_lint', '-a', `root=${roots.mx3} fail_on=low cli=${cli}`], dir);
    assert.notEqual(lint.code, 0, lint.out);
    assert.match(lint.out, /mx3 \| FAILED! =>/);
    assert.match(lint.out, /"failing": [1-9]/);
    assert.match(lint.out, /"ruleId": "MH\d{4}"/);
    const clean = ansible('ansible', ['mx3', '-i', 'inventory.ini', '-m', 'mailharden.mailharden.mailharden_lint', '-a', `root=${roots.mx3} fail_on=critical cli=${cli}`], dir);
    assert.equal(clean.code, 0, clean.out);
    assert.match(clean.out, /mx3 \| SUCCESS =>/);
  });

  it('ansible-lint: the collection, its role and the example playbook are clean', (t) => {
    if (!needs(t, '/usr/bin/ansible-lint')) return;
    // From the ansible/ directory (ansible-lint lints the files of the project it runs in), production profile.
    const r = ansible('ansible-lint', ['--offline', '--nocolor', '--profile', 'production', 'playbooks/fleet.yml', 'ansible_collections/mailharden/mailharden'], COLLECTIONS);
    assert.equal(r.code, 0, r.out);
    const files = /Passed with production profile: 0 failure\(s\), 0 warning\(s\) on (\d+) files/.exec(r.out);
    assert.ok(files && Number(files[1]) >= 8, r.out);
  });
});

function readdirVersion(prefix: string): string {
  const versions = readdirSync(prefix);
  assert.equal(versions.length, 1, versions.join(', '));
  return versions[0]!;
}
