import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { exampleRoot } from './helpers/example.js';
import { CLI, run } from './helpers/cli.js';
import { needsRoot } from './helpers/real.js';
import { changedPaths, snapshot } from './helpers/snapshot.js';
import { needsAttributes } from './helpers/tree-spec.js';

/**
 * Crash safety of apply: a run killed (SIGKILL) or failing at each write step leaves every target
 * exactly old or exactly new, never partial; the next run removes what the dead one left and
 * completes the change. The fault points are switched on by MAILHARDEN_FAULT (src/apply/write.ts),
 * which nothing sets in normal use. `npm run fuzz` (MH_FAULTS=all) runs every point for every file.
 */

const FILES = ['/etc/mail/sendmail.cf', '/etc/mail/sendmail.mc', '/etc/aliases', '/etc/mail/access', '/etc/mail/relay-domains', '/etc/mail/helpfile'];
const PER_FILE = ['before-temp', 'mid-temp', 'after-temp', 'after-rename'];
const GLOBAL = ['after-backup', 'after-writes', 'before-post'];
const ARGS = ['--files-only', '--no-validate', '--no-post-commands'];

/** The managed files' contents in a tree (undefined: absent), without backups and temp files. */
function managed(root: string): Map<string, string | undefined> {
  return new Map(FILES.map((f) => [f, existsSync(join(root, f)) ? readFileSync(join(root, f), 'latin1') : undefined]));
}

/** What apply leaves only when it stops early: temp files and immutable-bit markers. */
const temps = (root: string): string[] => [...snapshot(root).keys()].filter((p) => /\.mailharden-/.test(p));

const isImmutable = (path: string): boolean => /^\S*i\S* /.test(spawnSync('lsattr', ['-d', path], { encoding: 'utf8' }).stdout);

/** Runs `body` on an example tree whose sendmail.cf is immutable (skipped where attributes do not work), clearing every bit after. */
function withImmutableCf(t: TestContext, body: (tree: { root: string; policy: string; cf: string }) => void): void {
  const { root, policy } = exampleRoot();
  if (!needsAttributes(t, root)) return;
  const cf = join(root, 'etc/mail/sendmail.cf');
  spawnSync('chattr', ['+i', cf]);
  try {
    body({ root, policy, cf });
  } finally {
    spawnSync('chattr', ['-R', '-i', root]);
  }
}

describe('apply killed at every write step: each file old or new, and a rerun completes', () => {
  // What a complete run produces, to compare each file with.
  const reference = exampleRoot();
  const old = managed(reference.root);
  assert.equal(run(['apply', reference.policy, '--root', reference.root, ...ARGS]).code, 0);
  const done = managed(reference.root);

  const all = process.env.MH_FAULTS === 'all';
  const points = [...(all ? FILES : FILES.slice(0, 2)).flatMap((f) => PER_FILE.map((p) => `${p}:${f}`)), ...GLOBAL];
  it(`${points.length} fault points`, () => {
    for (const point of points) {
      const { root, policy } = exampleRoot();
      const killed = run(['apply', policy, '--root', root, ...ARGS], { env: { MAILHARDEN_FAULT: point } });
      assert.equal(killed.code, -1, `${point}: the run was killed (stderr: ${killed.stderr})`);
      const mid = managed(root);
      for (const f of FILES) assert.ok(mid.get(f) === old.get(f) || mid.get(f) === done.get(f), `${point}: ${f} is neither the old nor the new file`);
      if (point.startsWith('mid-temp') || point.startsWith('after-temp')) assert.ok(temps(root).length === 1, `${point}: the dead run's temp file is there`);
      const rerun = run(['apply', policy, '--root', root, ...ARGS]);
      assert.equal(rerun.code, 0, `${point}: ${rerun.stderr}`);
      assert.deepEqual(managed(root), done, `${point}: the rerun completed the change`);
      assert.deepEqual(temps(root), [], `${point}: temp files removed`);
    }
  });
});

describe('apply failing: nothing half-written, bits restored, exit 3', () => {
  it('a full disk (simulated ENOSPC) while writing leaves the old file and no temp file', () => {
    for (const point of ['mid-temp:/etc/mail/sendmail.cf', 'before-temp:/etc/aliases']) {
      const { root, policy } = exampleRoot();
      const before = managed(root);
      const r = run(['apply', policy, '--root', root, ...ARGS], { env: { MAILHARDEN_FAULT: `enospc:${point}` } });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /^mailharden: apply failed, nothing half-written: ENOSPC: no space left on device/m);
      const file = point.split(':')[1]!;
      assert.equal(managed(root).get(file), before.get(file), `${point}: the old file is intact`);
      assert.deepEqual(temps(root), []);
    }
  });

  it('a really full disk (a 64 KiB tmpfs as the root) exits 3 and keeps the old files', (t) => {
    if (!needsRoot(t, 'mounting a tmpfs needs root')) return;
    const { root, policy } = exampleRoot();
    const small = join(root, '..', 'small');
    mkdirSync(small);
    if (spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', small]).status !== 0) {
      if (process.env.CI === 'true') throw new Error('CI must be able to mount a tmpfs (root on a VM)');
      return t.skip('cannot mount a tmpfs here');
    }
    try {
      cpSync(join(root, 'etc'), join(small, 'etc'), { recursive: true });
      // Fill the file system but for a few bytes, so the first temp file cannot be written whole.
      const filler = join(small, 'filler');
      spawnSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=1024', 'count=1024'], { stdio: 'ignore' });
      const before = snapshot(join(small, 'etc'));
      const r = run(['apply', policy, '--root', small, ...ARGS, '--backup-dir', join(root, '..', 'backups')]);
      assert.equal(r.code, 3, `${r.stdout}${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('mailharden: note:')).length, 1, r.stderr);
      assert.match(r.stderr, /ENOSPC|no space left/i);
      assert.deepEqual(changedPaths(before, snapshot(join(small, 'etc'))), [], 'no file changed, no temp file left');
    } finally {
      spawnSync('umount', [small]);
    }
  });

  it('an immutable bit cleared with --allow-chattr is set again when the write fails', (t) => {
    withImmutableCf(t, ({ root, policy, cf }) => {
      const before = readFileSync(cf, 'latin1');
      const r = run(['apply', policy, '--root', root, ...ARGS, '--allow-chattr'], { env: { MAILHARDEN_FAULT: 'throw:after-clear:/etc/mail/sendmail.cf' } });
      assert.equal(r.code, 3, r.stderr);
      assert.equal(readFileSync(cf, 'latin1'), before);
      assert.ok(isImmutable(cf), 'the bit is back');
      assert.deepEqual(temps(root), [], 'no marker or temp file left');
    });
  });

  it('an immutable bit cleared by a run that is killed (SIGKILL) is set again by the next run', (t) => {
    withImmutableCf(t, ({ root, policy, cf }) => {
      const before = readFileSync(cf, 'latin1');
      const killed = run(['apply', policy, '--root', root, ...ARGS, '--allow-chattr'], { env: { MAILHARDEN_FAULT: 'after-clear:/etc/mail/sendmail.cf' } });
      assert.equal(killed.code, -1, killed.stderr);
      assert.equal(isImmutable(cf), false, 'the killed run left the bit cleared');
      assert.equal(temps(root).length, 1);
      assert.match(temps(root)[0]!, /^\/etc\/mail\/\.sendmail\.cf\.mailharden-immutable-\d+$/);
      assert.equal(readFileSync(cf, 'latin1'), before);
      // A dry run tells of it and touches nothing.
      const dry = run(['apply', policy, '--root', root, ...ARGS, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stderr, /note: apply process \d+ cleared the immutable bit of .*sendmail\.cf and was killed; a run without --dry-run sets it again first/);
      assert.equal(isImmutable(cf), false);
      assert.equal(temps(root).length, 1);
      // Without --allow-chattr the next run sets the bit again, says so, and stops at it (exit 5).
      const next = run(['apply', policy, '--root', root, ...ARGS]);
      assert.equal(next.code, 5, next.stderr);
      assert.match(next.stderr, /note: set the immutable bit of .*sendmail\.cf again \(apply process \d+ cleared it and was killed\)/);
      assert.equal(isImmutable(cf), true);
      assert.deepEqual(temps(root), []);
      // With it, the change completes and the bit is set after the write.
      const done = run(['apply', policy, '--root', root, ...ARGS, '--allow-chattr']);
      assert.equal(done.code, 0, done.stderr);
      assert.notEqual(readFileSync(cf, 'latin1'), before);
      assert.equal(isImmutable(cf), true);
      assert.deepEqual(temps(root), []);
    });
  });

  it('the bit is set again even when every run has the same pid (a container): a marker with its own pid is an old one', (t) => {
    if (spawnSync('unshare', ['-fp', '--mount-proc', 'true']).status !== 0) return t.skip('no pid namespaces here');
    // Each run is the second process of a new pid namespace (a shell is the first, since the first
    // cannot be killed from inside), so it gets the same pid every time.
    const inNamespace = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync('unshare', ['-fp', '--mount-proc', 'sh', '-c', '"$@"', 'sh', process.execPath, CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    withImmutableCf(t, ({ root, policy, cf }) => {
      const killed = inNamespace(['apply', policy, '--root', root, ...ARGS, '--allow-chattr'], { MAILHARDEN_FAULT: 'after-clear:/etc/mail/sendmail.cf' });
      assert.equal(killed.status, 128 + 9, killed.stderr);
      const next = inNamespace(['apply', policy, '--root', root, ...ARGS]);
      assert.equal(next.status, 5, next.stderr);
      assert.ok(isImmutable(cf), 'the bit is back');
      assert.deepEqual(temps(root), []);
    });
  });

  it('when chattr cannot clear the bit, apply stops (exit 3) and leaves no marker behind', (t) => {
    withImmutableCf(t, ({ root, policy, cf }) => {
      // A chattr that refuses, first on PATH; lsattr stays the real one.
      const bin = join(root, '..', 'fake-bin');
      mkdirSync(bin);
      writeFileSync(join(bin, 'chattr'), '#!/bin/sh\necho "chattr: Operation not permitted while setting flags on $3" >&2\nexit 1\n', { mode: 0o755 });
      const before = readFileSync(cf, 'latin1');
      const r = run(['apply', policy, '--root', root, ...ARGS, '--allow-chattr'], { env: { PATH: `${bin}:${process.env.PATH}` } });
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /chattr -i .*sendmail\.cf: chattr: Operation not permitted/);
      assert.equal(readFileSync(cf, 'latin1'), before);
      assert.deepEqual(temps(root), [], 'no marker or temp file left');
      // The next run (real chattr) has nothing to set again and says nothing about it.
      const next = run(['apply', policy, '--root', root, ...ARGS]);
      assert.equal(next.code, 5, next.stderr);
      assert.doesNotMatch(next.stderr, /was killed/);
    });
  });

  it('a target replaced by a symlink between planning and writing is not written through', () => {
    const { root, policy } = exampleRoot();
    const outside = join(root, '..', 'outside-aliases');
    writeFileSync(outside, 'precious: root\n');
    const bin = join(root, '..', 'bin');
    mkdirSync(bin);
    // A stand-in validator (run as root, as sendmail is) that, while apply waits for it, swaps /etc/aliases for a link out of the tree.
    writeFileSync(join(bin, 'sendmail'), `#!/bin/sh\nrm -f '${join(root, 'etc/aliases')}'\nln -s '${outside}' '${join(root, 'etc/aliases')}'\nexit 0\n`, { mode: 0o755 });
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.code, 3, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /\/etc\/aliases became a symlink \(to .*outside-aliases\) after it was read: not written/);
    assert.equal(readFileSync(outside, 'utf8'), 'precious: root\n');
    rmSync(join(root, 'etc/aliases'));
  });
});
