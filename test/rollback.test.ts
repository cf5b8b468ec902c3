import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it, type TestContext } from 'node:test';
import { exampleRoot } from './helpers/example.js';
import { run } from './helpers/cli.js';
import { needs, needsRoot } from './helpers/real.js';
import { attributesWork, needsAttributes } from './helpers/tree-spec.js';

const RUNS = 'var/backups/mailharden';
const roots: string[] = [];
after(() => {
  // The example policy makes files immutable: clear the bits so the temp trees can be removed.
  for (const r of roots) spawnSync('chattr', ['-R', '-i', r], { stdio: 'ignore' });
});

/**
 * Every entry under the tree but the runs directory, as rollback must leave it: files by content,
 * mode, owner and modification time (to the millisecond), links by their text, directories by mode.
 */
function state(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = `${rel}/${name}`;
      if (r === '/var/backups') continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(r, `-> ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(`${r}/`, (st.mode & 0o7777).toString(8));
        walk(p, r);
      } else out.set(r, `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${Math.floor(st.mtimeMs)} ${readFileSync(p).toString('base64')}`);
    }
  };
  walk(root, '');
  return out;
}

const differences = (a: Map<string, string>, b: Map<string, string>): string[] => [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();

/**
 * The example host made richer: a 0640 cf with an old mtime, an aliases database and an access
 * database from before (rollback must put their bytes back), a shell in the smrsh directory (apply
 * removes it), an 0755 queue directory (apply sets 0700).
 */
function host(): { root: string; policy: string } {
  const { root, policy } = exampleRoot('mh-rollback-');
  roots.push(root);
  const cf = join(root, 'etc/mail/sendmail.cf');
  chmodSync(cf, 0o640);
  utimesSync(cf, new Date('2020-01-02T03:04:05.678Z'), new Date('2021-02-03T04:05:06.789Z'));
  writeFileSync(join(root, 'etc/aliases.db'), Buffer.from('old aliases database bytes\0\x01\x02'), { mode: 0o640 });
  utimesSync(join(root, 'etc/aliases.db'), new Date('2019-01-01T00:00:00Z'), new Date('2019-01-01T00:00:00Z'));
  mkdirSync(join(root, 'etc/mail/smrsh'));
  symlinkSync('/bin/sh', join(root, 'etc/mail/smrsh/sh'));
  mkdirSync(join(root, 'var/spool/mqueue'), { recursive: true });
  chmodSync(join(root, 'var/spool/mqueue'), 0o755);
  return { root, policy };
}

const runsOf = (root: string): string[] => (existsSync(join(root, RUNS)) ? readdirSync(join(root, RUNS)).sort() : []);
const withReal = (t: TestContext): boolean => needs(t, '/usr/sbin/sendmail', '/usr/sbin/makemap');
/** --allow-chattr where the example policy's immutable bits are really set. */
const chattrFlag = (root: string): string[] => (attributesWork(root) ? ['--allow-chattr'] : []);

describe('rollback', () => {
  it('puts a run back exactly: bytes, modes, owners, times, links, created files, databases, modes, bits', (t) => {
    if (!withReal(t)) return;
    const { root, policy } = host();
    const before = state(root);
    const applied = run(['apply', policy, '--root', root]);
    assert.equal(applied.code, 0, applied.stderr);
    const [id] = runsOf(root);
    assert.match(applied.stdout, new RegExp(`Backup: .*/${RUNS}/${id!.replace('.', '\\.')}$`, 'm'));
    const runDir = join(root, RUNS, id!);
    assert.equal(lstatSync(runDir).mode & 0o777, 0o700);
    assert.equal(lstatSync(join(runDir, 'manifest.json')).mode & 0o777, 0o600);
    assert.equal(readFileSync(join(runDir, 'etc/aliases.db'), 'latin1'), 'old aliases database bytes\0\x01\x02', 'the old database is backed up');
    const manifest = JSON.parse(readFileSync(join(runDir, 'manifest.json'), 'utf8'));
    assert.equal(manifest.complete, true);
    assert.equal(manifest.kind, 'apply');
    assert.ok(manifest.steps.some((s: { role?: string; path: string }) => s.role === 'database' && s.path === '/etc/aliases.db'));
    assert.ok(differences(before, state(root)).length > 5, 'apply changed the tree');

    const rb = run(['rollback', '--root', root, ...chattrFlag(root)]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stdout, new RegExp(`^Rolled back and verified: run ${id!.replace('.', '\\.')} \\(\\d+ files restored, \\d+ removed, 1 link, 1 mode, \\d+ attributes?\\)\\. Backup: .*\\(undo with: mailharden rollback \\S+\\)$`, 'm'));
    assert.deepEqual(differences(before, state(root)), [], 'every entry as it was');
    assert.equal(readlinkSync(join(root, 'etc/mail/smrsh/sh')), '/bin/sh');
    assert.ok(!existsSync(join(root, 'etc/mail/helpfile')) && !existsSync(join(root, 'etc/mail/access.db')), 'created files removed');
    if (attributesWork(root)) assert.doesNotMatch(spawnSync('lsattr', ['-d', join(root, 'etc/mail/sendmail.cf')], { encoding: 'utf8' }).stdout.split(' ')[0]!, /i/);
  });

  it('refuses, naming the file, when a file changed after the run (exit 6); --force restores it anyway', () => {
    const { root, policy } = host();
    const before = state(root);
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-validate', '--no-post-commands']).code, 0);
    writeFileSync(join(root, 'etc/aliases'), 'edited: by hand\n');
    const edited = state(root);
    const r = run(['rollback', '--root', root]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /^mailharden: refused, nothing restored: changed after run \S+ \(--force restores them anyway\):\n {2}\/etc\/aliases: sha256 [0-9a-f]{12}… now; run \S+ left sha256 [0-9a-f]{12}…$/m);
    assert.deepEqual(differences(edited, state(root)), [], 'nothing written');
    assert.deepEqual(runsOf(root).length, 1, 'no run directory for a refused rollback');
    const forced = run(['rollback', '--root', root, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.deepEqual(differences(before, state(root)), []);
  });

  it('--list shows the runs newest first; rollback without RUN takes the newest apply not rolled back; twice is refused', () => {
    const { root, policy } = host();
    const flags = ['--files-only', '--no-validate', '--no-post-commands'];
    const before = state(root);
    assert.equal(run(['rollback', '--list', '--root', root]).stdout, `No runs in ${root}/${RUNS}.\n`);
    assert.equal(run(['apply', policy, '--root', root, ...flags]).code, 0);
    const middle = state(root);
    writeFileSync(policy, readFileSync(policy, 'utf8').replace(/^greeting: .*$/m, 'greeting: "$j ready"'));
    assert.equal(run(['apply', policy, '--root', root, ...flags]).code, 0);
    const [first, second] = runsOf(root);
    const list = run(['rollback', '--list', '--root', root]);
    assert.equal(list.code, 0, list.stderr);
    assert.match(list.stdout, new RegExp(`^Runs in ${root}/${RUNS}, newest first:\\n  ${second!.replace('.', '\\.')}  \\S+  apply policy\\.yaml: 2 changed\\n  ${first!.replace('.', '\\.')}  \\S+  apply policy\\.yaml: 4 changed, 2 created\\n$`));

    const one = run(['rollback', '--root', root]);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, new RegExp(`Rolled back and verified: run ${second!.replace('.', '\\.')} `));
    assert.deepEqual(differences(middle, state(root)), []);
    const two = run(['rollback', '--root', root]);
    assert.equal(two.code, 0, two.stderr);
    assert.match(two.stdout, new RegExp(`Rolled back and verified: run ${first!.replace('.', '\\.')} `));
    assert.deepEqual(differences(before, state(root)), []);
    assert.match(run(['rollback', '--list', '--root', root]).stdout, new RegExp(`^  ${first!.replace('.', '\\.')} .*\\[rolled back by \\S+\\]$`, 'm'));

    const again = run(['rollback', first!, '--root', root]);
    assert.equal(again.code, 6);
    assert.match(again.stderr, /was rolled back already \(by \S+, \S+\); rolling it back again needs --force/);
    const none = run(['rollback', '--root', root]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no apply run left to roll back/);
  });

  it('a rollback is a run: rolling it back puts the applied files back, and its run is in force again', () => {
    const { root, policy } = host();
    const flags = ['--files-only', '--no-validate', '--no-post-commands'];
    assert.equal(run(['apply', policy, '--root', root, ...flags]).code, 0);
    const applied = state(root);
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    const undo = /undo with: mailharden rollback (\S+)\)/.exec(rb.stdout)![1]!;
    const dry = run(['rollback', undo, '--root', root, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ {2}restore \/etc\/aliases from .*\/etc\/aliases {4}# mode 0644, owner \d+:\d+, changed by run /m);
    assert.match(dry.stdout, /^ {2}restore \/etc\/mail\/helpfile from .* removed by run /m);
    assert.match(dry.stdout, /^Plan: 6 files restored, 0 removed, 0 links, 0 modes, 0 attributes; nothing written \(--dry-run\)\.$/m);
    const back = run(['rollback', undo, '--root', root]);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(differences(applied, state(root)), []);
    // The apply run is no longer marked: a plain rollback takes it again.
    const plain = run(['rollback', '--root', root, '--dry-run']);
    assert.match(plain.stdout, new RegExp(`^Rollback of run ${runsOf(root)[0]!.replace('.', '\\.')} \\(apply policy\\.yaml`, 'm'));
  });

  it('immutable files are restored only with --allow-chattr (exit 5), and the bits end as they were', (t) => {
    const { root, policy } = host();
    if (!needsAttributes(t, root)) return;
    const cf = join(root, 'etc/mail/sendmail.cf');
    spawnSync('chattr', ['+i', cf]);
    const before = state(root);
    const applied = run(['apply', policy, '--root', root, '--files-only', '--no-validate', '--no-post-commands', '--allow-chattr']);
    assert.equal(applied.code, 0, applied.stderr);
    const r = run(['rollback', '--root', root]);
    assert.equal(r.code, 5, r.stderr);
    assert.match(r.stderr, /immutable \(chattr \+i\), nothing restored; rerun with --allow-chattr/);
    const ok = run(['rollback', '--root', root, '--allow-chattr']);
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(differences(before, state(root)), []);
    assert.match(spawnSync('lsattr', ['-d', cf], { encoding: 'utf8' }).stdout, /^\S*i\S* /, 'the bit it had is set again');
    assert.deepEqual(readdirSync(join(root, 'etc/mail')).filter((n) => n.includes('mailharden')), [], 'no marker left');
  });

  it('a run that fails midway leaves the manifest of what it did, and rollback undoes that', () => {
    const { root, policy } = host();
    const before = state(root);
    const r = run(['apply', policy, '--root', root, '--no-validate', '--no-post-commands'], { env: { MAILHARDEN_FAULT: 'throw:before-chattr' } });
    assert.equal(r.code, 3, r.stderr);
    const [id] = runsOf(root);
    const manifest = JSON.parse(readFileSync(join(root, RUNS, id!, 'manifest.json'), 'utf8'));
    assert.equal(manifest.complete, false);
    assert.match(run(['rollback', '--list', '--root', root]).stdout, /\[incomplete: stopped midway\]$/m);
    // A second run stops at the same place before doing anything (its files are written already):
    // rollback without a RUN passes over it and undoes the run that made the changes.
    const again = run(['apply', policy, '--root', root, '--no-validate', '--no-post-commands'], { env: { MAILHARDEN_FAULT: 'throw:before-chattr' } });
    assert.equal(again.code, 3, again.stderr);
    assert.equal(runsOf(root).length, 2);
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.deepEqual(differences(before, state(root)), []);
  });

  it('--no-backup says there is no way back and leaves no run', () => {
    const { root, policy } = host();
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-validate', '--no-backup']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /^mailharden: note: no backup: rollback impossible \(--no-backup\)$/m);
    assert.deepEqual(runsOf(root), []);
    assert.equal(run(['apply', policy, '--root', root, '--no-backup', '--keep', '2']).code, 2);
  });

  it('--backup-dir is the directory of runs, for apply and rollback alike', () => {
    const { root, policy } = host();
    const runs = join(root, '..', 'runs');
    const before = state(root);
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-validate', '--backup-dir', runs]).code, 0);
    assert.equal(readdirSync(runs).length, 1);
    assert.deepEqual(runsOf(root), []);
    assert.equal(run(['rollback', '--root', root]).code, 2, 'not in the default place');
    const rb = run(['rollback', '--root', root, '--backup-dir', runs]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.deepEqual(differences(before, state(root)), []);
  });

  it('--keep N keeps the newest N runs and deletes only older runs of its own', () => {
    const { root, policy } = host();
    const flags = ['--files-only', '--no-validate', '--no-post-commands'];
    const runs = join(root, RUNS);
    assert.equal(run(['apply', policy, '--root', root, ...flags]).code, 0);
    assert.equal(run(['rollback', '--root', root]).code, 0);
    // Not apply's: a directory with a run's name but no manifest, and a link with a run's name.
    mkdirSync(join(runs, '20000101T000000.000Z'));
    writeFileSync(join(runs, '20000101T000000.000Z', 'keep-me'), 'x');
    const outside = join(root, '..', 'outside');
    mkdirSync(outside);
    writeFileSync(join(outside, 'manifest.json'), '{}');
    symlinkSync(outside, join(runs, '20000102T000000.000Z'));
    const [oldest] = runsOf(root).filter((n) => n > '2001');
    // Inside the run to be removed, a link to a directory outside: removed as a link, its target kept.
    const victim = join(root, '..', 'victim');
    mkdirSync(victim);
    writeFileSync(join(victim, 'precious'), 'y');
    symlinkSync(victim, join(runs, oldest!, 'etc-link'));
    const r = run(['apply', policy, '--root', root, ...flags, '--keep', '2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`^mailharden: note: removed run ${oldest!.replace('.', '\\.')} \\(--keep 2\\)$`, 'm'));
    assert.deepEqual(runsOf(root).filter((n) => n > '2001').length, 2);
    assert.ok(existsSync(join(runs, '20000101T000000.000Z', 'keep-me')) && lstatSync(join(runs, '20000102T000000.000Z')).isSymbolicLink() && existsSync(join(outside, 'manifest.json')));
    assert.equal(run(['apply', policy, '--root', root, '--keep', '0']).code, 2);
    assert.ok(!existsSync(join(runs, oldest!)));
    assert.equal(readFileSync(join(victim, 'precious'), 'utf8'), 'y');
  });

  it('refuses a directory of runs that another user can change (their runs would be restored, or swapped while pruned, as root)', (t) => {
    if (!needsRoot(t, 'giving the directory to another user needs root')) return;
    const { root, policy } = host();
    const runs = join(root, '..', 'shared-runs');
    mkdirSync(runs);
    chownSync(runs, 65534, 65534);
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-validate', '--backup-dir', runs]);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /shared-runs: other users can change entries in it: not a place for mailharden's runs$/m);
    chownSync(runs, 0, 0);
    chmodSync(runs, 0o777);
    const l = run(['rollback', '--list', '--root', root, '--backup-dir', runs]);
    assert.equal(l.code, 3, l.stderr);
    assert.match(l.stderr, /not a place for mailharden's runs/);
  });

  it('refuses a hostile run: a path with "..", a symlinked run directory, a linked manifest (exit 2, one line)', () => {
    const { root, policy } = host();
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-validate', '--no-post-commands']).code, 0);
    const [id] = runsOf(root);
    const runDir = join(root, RUNS, id!);
    const good = readFileSync(join(runDir, 'manifest.json'), 'utf8');
    const m = JSON.parse(good);
    m.steps[0].path = '/etc/../etc/passwd';
    writeFileSync(join(runDir, 'manifest.json'), JSON.stringify(m));
    const before = state(root);
    const r = run(['rollback', id!, '--root', root]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^mailharden: .*manifest\.json: not a valid mailharden manifest: step 1: "\/etc\/\.\.\/etc\/passwd": not a normalised path \(no "\.\.", "\.", "\/\/"\)\n$/);
    m.steps[0].path = 'etc/aliases';
    writeFileSync(join(runDir, 'manifest.json'), JSON.stringify(m));
    assert.match(run(['rollback', id!, '--root', root]).stderr, /not an absolute path of a file/);
    assert.deepEqual(differences(before, state(root)), []);

    writeFileSync(join(runDir, 'manifest.json'), good);
    const copy = join(root, '..', 'copy');
    cpSync(runDir, copy, { recursive: true });
    const linked = '20990101T000000.000Z';
    symlinkSync(copy, join(root, RUNS, linked));
    const l = run(['rollback', linked, '--root', root]);
    assert.equal(l.code, 2);
    assert.match(l.stderr, /is a symlink: not a run directory of mailharden\n$/);
    rmSync(join(runDir, 'manifest.json'));
    symlinkSync(join(copy, 'manifest.json'), join(runDir, 'manifest.json'));
    const lm = run(['rollback', id!, '--root', root]);
    assert.equal(lm.code, 2);
    assert.equal(lm.stderr.trim().split('\n').length, 1, lm.stderr);
    assert.match(lm.stderr, /manifest\.json is a symlink/);
    assert.deepEqual(differences(before, state(root)), []);
    assert.match(run(['rollback', '--list', '--root', root]).stdout, /cannot be rolled back: .*symlink/);
  });
});
