import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exampleRoot } from './helpers/example.js';
import { run } from './helpers/cli.js';
import { needsAttributes } from './helpers/tree-spec.js';
import { changedPaths, snapshot } from './helpers/snapshot.js';

/** What apply says and what its generated lines carry (issue 16: the marker, --diff, the summary). */
describe('apply output', () => {
  it('the relay block names no policy file: a renamed policy changes nothing', () => {
    const { root, policy } = exampleRoot();
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']).code, 0);
    const access = readFileSync(join(root, 'etc/mail/access'), 'utf8');
    assert.match(access, /^# BEGIN mailharden relay networks: written from the policy; edit the policy, not these lines\.$/m);
    assert.doesNotMatch(access, /policy\.yaml/);
    const renamed = join(root, '..', 'renamed-site-policy.yaml');
    copyFileSync(policy, renamed);
    const before = snapshot(root);
    const r = run(['apply', renamed, '--root', root, '--files-only', '--no-post-commands']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^No changes/m);
    assert.deepEqual(changedPaths(before, snapshot(root)), []);
  });

  it('a block with the old marker (the policy name in it) is the managed one: rewritten once, not duplicated', () => {
    const { root, policy } = exampleRoot();
    const old = '# BEGIN mailharden relay networks: written from the policy (old-name.yaml); edit the policy, not these lines.\nConnect:127\tRELAY\nConnect:192.168.10\tRELAY\nConnect:IPv6:2001:db8:10\tRELAY\n# END mailharden relay networks\n';
    writeFileSync(join(root, 'etc/mail/access'), `From:spam.example\tREJECT\n${old}`);
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']);
    assert.equal(r.code, 0, r.stderr);
    const access = readFileSync(join(root, 'etc/mail/access'), 'utf8');
    assert.equal((access.match(/^# BEGIN mailharden/gm) ?? []).length, 1, access);
    assert.equal((access.match(/^# END mailharden/gm) ?? []).length, 1, access);
    assert.doesNotMatch(access, /old-name/);
    assert.match(access, /^From:spam\.example\tREJECT$/m);
    assert.match(run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']).stdout, /^No changes/m);
  });

  it('tcp.smtp: the old marker is recognised too', () => {
    const { root } = exampleRoot();
    const policy = join(root, '..', 'q.yaml');
    writeFileSync(policy, 'version: 1\nmta: [qmail]\nrelay:\n  networks: [127.0.0.0/8]\n');
    writeFileSync(join(root, 'etc/tcp.smtp'), '# BEGIN mailharden relay networks: written from the policy (q-old.yaml); edit the policy, not these lines.\n127.:allow,RELAYCLIENT=""\n# END mailharden relay networks\n:allow\n');
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']).code, 0);
    const rules = readFileSync(join(root, 'etc/tcp.smtp'), 'utf8');
    assert.equal(rules, '# BEGIN mailharden relay networks: written from the policy; edit the policy, not these lines.\n127.:allow,RELAYCLIENT=""\n# END mailharden relay networks\n:allow\n');
  });

  it('a real run names the files it writes; --diff prints the diffs too', () => {
    const { root, policy } = exampleRoot();
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--diff']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^\+O PrivacyOptions=/m);
    assert.match(r.stdout, /^Applied: 2 created, 4 changed, 0 unchanged; 0 host actions\./m);
    const { root: root2 } = exampleRoot();
    const plain = run(['apply', policy, '--root', root2, '--files-only', '--no-post-commands']);
    assert.doesNotMatch(plain.stdout, /^\+O PrivacyOptions=/m);
    assert.match(plain.stdout, /^ {2}change \/etc\/mail\/sendmail\.cf$/m);
  });

  it('the passwords of AuthInfo: entries are * in the text diffs too (--dry-run and --diff), as in the JSON report', () => {
    const { root, policy } = exampleRoot();
    const access = join(root, 'etc/mail/access');
    // Without FEATURE(authinfo) sendmail looks AuthInfo: up in the access map; the diff's context lines quote them.
    // Two entries just before the lines the policy replaces, two just after: all four in the diff's context.
    const before = 'AuthInfo:relay.example "U:me" "P:hunter2"\nAuthInfo:other.example "U:me" "P=aHVudGVyMw==" "M:PLAIN"\n';
    const after = '#AuthInfo:old.example "U:me" "P:wasSecret"\nAuthInfo:odd.example "P:esc\\"aped" P:bareWord "P:unterminated\n';
    writeFileSync(access, `${readFileSync(access, 'utf8').replace('Connect:127.0.0.1', `${before}Connect:127.0.0.1`)}${after}`);
    for (const args of [['--dry-run'], ['--files-only', '--no-post-commands', '--diff']]) {
      const r = run(['apply', policy, '--root', root, ...args]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ AuthInfo:relay\.example "U:me" "P:\*"$/m);
      assert.match(r.stdout, /^ AuthInfo:other\.example "U:me" "P=\*" "M:PLAIN"$/m);
      assert.match(r.stdout, /^ #AuthInfo:old\.example "U:me" "P:\*"$/m);
      assert.match(r.stdout, /^ AuthInfo:odd\.example "P:\*" P:\* "P:\*$/m);
      for (const secret of ['hunter2', 'aHVudGVyMw==', 'wasSecret', 'aped', 'bareWord', 'unterminated']) assert.doesNotMatch(r.stdout + r.stderr, new RegExp(secret), args.join(' '));
    }
    // The file keeps its passwords: only what is shown is redacted.
    assert.match(readFileSync(access, 'utf8'), /"P:hunter2"/);
  });

  it('--dry-run says which immutable files need --allow-chattr, and the summary counts every chattr', (t) => {
    const { root, policy } = exampleRoot();
    if (!needsAttributes(t, root)) return;
    try {
      spawnSync('chattr', ['+i', join(root, 'etc/mail/sendmail.cf')]);
      const r = run(['apply', policy, '--root', root, '--dry-run', '--no-post-commands']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stderr, /immutable \(chattr \+i\): a real run needs --allow-chattr to change \S*\/etc\/mail\/sendmail\.cf/);
      // 2 links; sendmail.cf cleared and set again (2), the other three named immutable set (3).
      assert.match(r.stdout, /^Plan: 2 to create, 4 to change, 0 unchanged; 7 host actions \(2 links, 5 chattr\)\.$/m);
      const real = run(['apply', policy, '--root', root, '--no-post-commands', '--allow-chattr']);
      assert.equal(real.code, 0, real.stderr);
      assert.match(real.stdout, /^Applied: 2 created, 4 changed, 0 unchanged; 7 host actions \(2 links, 5 chattr\)\./m);
    } finally {
      spawnSync('chattr', ['-R', '-i', root]);
    }
  });
});
