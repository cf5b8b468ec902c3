import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parse, stringify } from 'yaml';
import { CLI, ROOT, run } from './helpers/cli.js';
import { ansible, COLLECTIONS, packTarball, recap } from './helpers/ansible.js';
import { needs, tempDir } from './helpers/real.js';
import { changedPaths, snapshot } from './helpers/snapshot.js';

const HOSTS = ['mx1', 'mx2', 'mx3'];
/** A host without Node.js (mailharden_node: false): the collector runs there, the controller lints its archive. */
const NO_NODE = 'mx4';
const ALL = [...HOSTS, NO_NODE];

/**
 * Three hosts on this machine (local connection), each a tree under the test directory (--root):
 * the example host's files, a policy per host in host_vars, mailharden installed per host from the
 * package tarball (issue 20).
 */
function fleet(): { dir: string; roots: Record<string, string> } {
  const dir = tempDir('mh-ansible-');
  const tarball = packTarball(dir);
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
  const bare = join(dir, NO_NODE);
  cpSync(join(ROOT, 'examples', 'etc'), join(bare, 'etc'), { recursive: true });
  roots[NO_NODE] = bare;
  // No mailharden_package for it: the role needs none for a host without Node.js.
  writeFileSync(join(dir, 'host_vars', `${NO_NODE}.yml`), stringify({ mailharden_root: bare, mailharden_prefix: join(dir, `opt-${NO_NODE}`), mailharden_node: false, mailharden_package: '' }));
  // The controller's mailharden (renders the collector, lints the archive): this repository's bin.
  writeFileSync(join(dir, 'group_vars', 'mx.yml'), stringify({ mailharden_package: tarball, mailharden_report_dir: join(dir, 'reports'), mailharden_fail_on: 'critical', mailharden_controller_cli: CLI }));
  writeFileSync(join(dir, 'inventory.ini'), `[mx]\n${ALL.map((h) => `${h} ansible_connection=local ansible_python_interpreter=/usr/bin/python3`).join('\n')}\n`);
  cpSync(join(ROOT, 'ansible', 'playbooks', 'fleet.yml'), join(dir, 'site.yml'));
  return { dir, roots };
}

describe('the Ansible collection mailharden.mailharden (issue 20)', () => {
  it('three hosts: --check --diff writes nothing and shows the diffs; the real run applies; the second run changes nothing', (t) => {
    if (!needs(t, '/usr/bin/ansible-playbook')) return;
    const { dir, roots } = fleet();
    const before = Object.fromEntries(ALL.map((h) => [h, snapshot(roots[h]!)]));

    const check = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml', '--check', '--diff'], dir);
    writeFileSync(join(dir, 'check.log'), check.out);
    assert.equal(check.code, 0, check.out.slice(-6000));
    for (const h of ALL) assert.deepEqual(changedPaths(before[h]!, snapshot(roots[h]!)), [], `${h}: --check wrote`);
    // Diff mode: each file's before and after, as Ansible prints them.
    assert.match(check.out, /^\+O PrivacyOptions=authwarnings,noexpn,novrfy/m);
    assert.match(check.out, /^\+\+\+ after: \/etc\/mail\/access$/m);
    assert.match(check.out, /^--- before: \/etc\/mail\/relay-domains \(absent\)$/m);
    const c = recap(check.out);
    for (const h of HOSTS) assert.ok(c[h]!.changed! >= 1 && c[h]!.failed === 0, JSON.stringify(c));
    assert.equal(c[NO_NODE]!.failed, 0, JSON.stringify(c));
    // The host without Node.js ran the collector (ansible.builtin.script) and the controller linted the archive.
    assert.match(check.out, new RegExp(`^TASK \\[mailharden\\.mailharden\\.fleet : Run the collector on the host\\][^\\n]*\\nok: \\[${NO_NODE}\\]`, 'm'));
    assert.ok(existsSync(join(dir, 'reports', `${NO_NODE}.tar.gz`)));

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
    const report = JSON.parse(readFileSync(join(dir, 'reports', 'fleet.json'), 'utf8')) as { hosts: { host: string; collected: boolean; findings: unknown[] }[] };
    assert.deepEqual(report.hosts.map((x) => x.host), ALL);
    for (const h of ALL) assert.ok(existsSync(join(dir, 'reports', `${h}.json`)));
    // mx4: nothing installed, nothing applied, and its report is what lint --root says of its tree.
    assert.equal(existsSync(join(dir, `opt-${NO_NODE}`)), false);
    assert.deepEqual(changedPaths(before[NO_NODE]!, snapshot(roots[NO_NODE]!)), [], `${NO_NODE}: the collector wrote`);
    const mx4 = report.hosts.find((x) => x.host === NO_NODE)!;
    assert.deepEqual(report.hosts.map((x) => x.collected), ALL.map((h) => h === NO_NODE));
    const direct = run(['lint', '--root', roots[NO_NODE]!, '--format', 'json', '--fail-on', 'none']);
    assert.equal(direct.code, 0, direct.stderr);
    // Each finding by rule, severity, the host's path and line (the module keeps these; the tree's files are under its root, the archive's under HOST.tar.gz).
    type F = { ruleId: string; severity: string; file?: string; line?: number };
    const key = (f: F, prefix: RegExp): string => `${f.ruleId} ${f.severity} ${(f.file ?? '').replace(prefix, '')}:${f.line ?? 0}`;
    const want = (JSON.parse(direct.stdout) as { findings: F[] }).findings.map((f) => key(f, new RegExp(`^${roots[NO_NODE]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`))).sort();
    assert.ok(want.length > 10, want.join('\n'));
    assert.deepEqual((mx4.findings as F[]).map((f) => key(f, /^.*\.tar\.gz(?=\/)/)).sort(), want);

    const again = ansible('ansible-playbook', ['-i', 'inventory.ini', 'site.yml'], dir);
    writeFileSync(join(dir, 'again.log'), again.out);
    assert.equal(again.code, 0, again.out.slice(-6000));
    const a = recap(again.out);
    for (const h of ALL) assert.equal(a[h]!.changed, 0, `${h}: ${JSON.stringify(a)}\n${again.out.slice(-4000)}`);

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
