import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI } from './helpers/cli.js';
import { exampleRoot } from './helpers/example.js';
import { needs, needsRoot, SENDMAIL, M4 } from './helpers/real.js';
import { needsAttributes } from './helpers/tree-spec.js';

/**
 * A local user who can rename directories inside the tree swaps one of them for a symlink to a
 * directory outside it while apply runs. apply is stopped at each of its action points
 * (MAILHARDEN_FAULT=stop:POINT, src/apply/write.ts), the directory is swapped, and apply goes on:
 * whatever it then does or refuses, nothing outside the root may change. The outside directory is a
 * decoy holding a copy of what was swapped out, so an action that resolved the path again would land
 * there: a write, a link, a removal, a chmod, a database built by makemap or newaliases, a chattr, a
 * validator's temp file.
 */

const POINTS = ['before-validate', 'before-backup', 'after-backup', 'after-temp:/etc/mail/sendmail.cf', 'after-temp:/etc/aliases', 'after-writes', 'before-post', 'before-chattr'];
const SWAPPED = ['etc', 'etc/mail', 'etc/mail/smrsh', 'var/spool', 'var/spool/mqueue', 'var/backups'];

/** Every name, type, mode, owner, content, link text and attribute under a directory, as one hash. */
function treeHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      h.update(`${rel}/${name} ${st.mode} ${st.uid} ${st.gid} ${st.nlink}\n`);
      if (st.isSymbolicLink()) h.update(readlinkSync(p));
      else if (st.isFile()) {
        h.update(readFileSync(p));
        h.update(spawnSync('lsattr', ['-d', p], { encoding: 'utf8' }).stdout.split(' ')[0] ?? '');
      } else if (st.isDirectory()) walk(p, `${rel}/${name}`);
    }
  };
  walk(dir, '');
  return h.digest('hex');
}

/** The example host with everything apply acts on: an smrsh directory holding a shell, a queue directory of the wrong mode, a backup directory. */
function host(): { root: string; policy: string; outside: string } {
  const { root, policy } = exampleRoot('mh-escape-');
  mkdirSync(join(root, 'etc/mail/smrsh'));
  symlinkSync('/bin/sh', join(root, 'etc/mail/smrsh/sh'));
  writeFileSync(join(root, 'etc/mail/smrsh/procmail'), '#!/bin/sh\n', { mode: 0o755 });
  mkdirSync(join(root, 'var/spool/mqueue'), { recursive: true, mode: 0o755 });
  mkdirSync(join(root, 'var/backups'), { recursive: true });
  const outside = join(root, '..', 'outside');
  mkdirSync(outside);
  return { root, policy, outside };
}

/** Resolves once the process is stopped (SIGSTOP) or has ended. */
async function stoppedOrGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 3000; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      return false;
    }
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state === 'T' || state === 't') return true;
    if (state === 'Z') return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`apply (pid ${pid}) neither stopped nor ended in 30 s`);
}

interface Outcome {
  point: string;
  swapped: string;
  reached: boolean;
  code: number | null;
  output: string;
  decoyChanged: boolean;
}

/** One run: apply stopped at `point`, `swapped` replaced by a link to a decoy copy outside the root, apply continued. */
async function race(point: string, swapped: string): Promise<Outcome> {
  const { root, policy, outside } = host();
  const decoy = join(outside, swapped.replace(/\//g, '_'));
  cpSync(join(root, swapped), decoy, { recursive: true, verbatimSymlinks: true });
  const before = treeHash(outside);
  const child = spawn(process.execPath, [CLI, 'apply', policy, '--root', root, '--allow-chattr'], { env: { ...process.env, NO_COLOR: '1', MAILHARDEN_FAULT: `stop:${point}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const reached = await stoppedOrGone(child.pid!);
  if (reached) {
    renameSync(join(root, swapped), join(root, `${swapped}.real`));
    symlinkSync(decoy, join(root, swapped));
    process.kill(child.pid!, 'SIGCONT');
  }
  const code = await ended;
  const outcome = { point, swapped, reached, code, output, decoyChanged: treeHash(outside) !== before };
  spawnSync('chattr', ['-R', '-i', join(root, '..')], { stdio: 'ignore' });
  return outcome;
}

describe('apply with a directory swapped for a link out of the root at each action point', () => {
  it(`${POINTS.length} points × ${SWAPPED.length} directories: nothing outside the root changes`, async (t) => {
    if (!needsRoot(t, 'apply sets owners and attributes') || !needs(t, SENDMAIL, M4, '/usr/sbin/makemap')) return;
    if (!needsAttributes(t, host().root)) return;
    const cases = POINTS.flatMap((p) => SWAPPED.map((s) => [p, s] as const));
    const outcomes: Outcome[] = [];
    // Two at a time: each run waits mostly on the real programs.
    for (let i = 0; i < cases.length; i += 2) outcomes.push(...(await Promise.all(cases.slice(i, i + 2).map(([p, s]) => race(p, s)))));
    const escaped = outcomes.filter((o) => o.decoyChanged).map((o) => `${o.point} with ${o.swapped} swapped (exit ${o.code}):\n${o.output}`);
    assert.deepEqual(escaped, [], 'apply changed a file outside the root');
    const unreached = outcomes.filter((o) => !o.reached).map((o) => `${o.point} (${o.swapped}): ${o.output}`);
    assert.deepEqual(unreached, [], 'every action point is reached in a full apply');
    for (const o of outcomes) {
      assert.ok(o.code === 0 || o.code === 3, `${o.point}/${o.swapped}: exit ${o.code}\n${o.output}`);
      assert.doesNotMatch(o.output, /^\s+at /m, `${o.point}/${o.swapped}: a stack trace\n${o.output}`);
    }
    t.diagnostic(`exits: ${outcomes.map((o) => `${o.point}/${o.swapped}=${o.code}`).join(' ')}`);
  });

  it('a hard link is not made immutable (it could be a file elsewhere)', (t) => {
    if (!needsRoot(t, 'chattr needs root')) return;
    const { root, policy, outside } = host();
    if (!needsAttributes(t, root)) return;
    writeFileSync(policy, 'version: 1\nprofile: debian\nmta: [sendmail]\nimmutable: [access, aliases]\n');
    const precious = join(outside, 'precious');
    writeFileSync(precious, 'x\n');
    spawnSync('ln', ['-f', precious, join(root, 'etc/mail/access')]);
    const r = spawnSync(process.execPath, [CLI, 'apply', policy, '--root', root], { encoding: 'utf8' });
    const attrs = (p: string): string => spawnSync('lsattr', ['-d', p], { encoding: 'utf8' }).stdout.split(' ')[0]!;
    const [outsideAttrs, aliasesAttrs] = [attrs(precious), attrs(join(root, 'etc/aliases'))];
    spawnSync('chattr', ['-R', '-i', join(root, '..')], { stdio: 'ignore' });
    assert.equal(r.status, 3, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /chattr \+i .*\/etc\/mail\/access: it has 2 hard links .*: not made immutable/);
    assert.doesNotMatch(outsideAttrs, /i/);
    assert.match(aliasesAttrs, /i/, 'the file with one link is made immutable');
  });

});

describe('apply in a tree where a local user can write some directories', () => {
  /** Stand-ins for the real programs that record where they were asked to work, then run the real one. */
  function recordingPath(dir: string): { env: NodeJS.ProcessEnv; log: string } {
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const log = join(dir, 'programs.log');
    for (const [name, real] of [['sendmail', SENDMAIL], ['makemap', '/usr/sbin/makemap'], ['tcprules', '/usr/bin/tcprules']] as const) {
      // Each path argument's directory: where it really is, its owner and mode.
      writeFileSync(join(bin, name), `#!/bin/sh\nfor a in "$@"; do p="\${a#-oA}"; case "$p" in /*) d=$(dirname "$p"); echo "${name} $(readlink -f "$d") $(stat -L -c '%U %a' "$d")" >> '${log}';; esac; done\nexec ${real} "$@"\n`, { mode: 0o755 });
    }
    return { env: { PATH: `${bin}:${process.env.PATH}` }, log };
  }

  it('the real programs build only in a private directory of the run (0700, root), never in the tree', (t) => {
    if (!needsRoot(t, 'apply sets owners') || !needs(t, SENDMAIL, '/usr/sbin/makemap', '/usr/bin/tcprules')) return;
    const { root, policy } = host();
    writeFileSync(join(root, 'etc/tcp.smtp'), '127.:allow,RELAYCLIENT=""\n');
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('mta: [sendmail]', 'mta: [sendmail, qmail]').replace(/^immutable:.*$/m, ''));
    const { env, log } = recordingPath(join(root, '..'));
    const r = spawnSync(process.execPath, [CLI, 'apply', policy, '--root', root], { encoding: 'utf8', env: { ...process.env, ...env } });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    const lines = readFileSync(log, 'utf8').trim().split('\n');
    for (const program of ['sendmail', 'makemap', 'tcprules']) assert.ok(lines.some((l) => l.startsWith(`${program} `)), `${program} ran:\n${lines.join('\n')}`);
    for (const l of lines) {
      const [, dir, owner, mode] = l.split(' ');
      assert.ok(!dir!.startsWith(root), `a program worked in the tree: ${l}`);
      assert.equal(`${owner} ${mode}`, 'root 700', `not a private directory: ${l}`);
    }
    assert.ok(lstatSync(join(root, 'etc/tcp.smtp.cdb')).isFile() && lstatSync(join(root, 'etc/mail/access.db')).isFile() && lstatSync(join(root, 'etc/aliases.db')).isFile(), 'the databases are installed');
  });

  it('a link planted at a name tcprules or makemap writes does not make them write outside', (t) => {
    if (!needsRoot(t, 'apply sets owners') || !needs(t, '/usr/sbin/makemap', '/usr/bin/tcprules')) return;
    const { root, policy, outside } = host();
    writeFileSync(join(root, 'etc/tcp.smtp'), '127.:allow,RELAYCLIENT=""\n');
    writeFileSync(policy, readFileSync(policy, 'utf8').replace('mta: [sendmail]', 'mta: [sendmail, qmail]').replace(/^immutable:.*$/m, ''));
    const precious = join(outside, 'precious');
    writeFileSync(precious, 'precious\n', { mode: 0o600 });
    for (const name of ['etc/tcp.smtp.cdb.tmp', 'etc/mail/access.db', 'etc/aliases.db']) symlinkSync(precious, join(root, name));
    const before = treeHash(outside);
    spawnSync(process.execPath, [CLI, 'apply', policy, '--root', root], { encoding: 'utf8' });
    assert.equal(treeHash(outside), before);
  });

  it('an smrsh entry turned into a directory meanwhile is reported, and the queue mode, databases and attributes are still done', async (t) => {
    if (!needsRoot(t, 'apply sets owners') || !needs(t, SENDMAIL, '/usr/sbin/makemap')) return;
    const { root, policy } = host();
    if (!needsAttributes(t, root)) return;
    const child = spawn(process.execPath, [CLI, 'apply', policy, '--root', root, '--allow-chattr'], { env: { ...process.env, MAILHARDEN_FAULT: 'stop:after-writes' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (d) => (output += d));
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(await stoppedOrGone(child.pid!));
    spawnSync('rm', ['-f', join(root, 'etc/mail/smrsh/sh')]);
    mkdirSync(join(root, 'etc/mail/smrsh/sh'));
    process.kill(child.pid!, 'SIGCONT');
    const code = await ended;
    const locked = spawnSync('lsattr', ['-d', join(root, 'etc/mail/sendmail.cf')], { encoding: 'utf8' }).stdout;
    spawnSync('chattr', ['-R', '-i', join(root, '..')], { stdio: 'ignore' });
    assert.equal(code, 3, output);
    assert.match(output, /rm -f \/etc\/mail\/smrsh\/sh .*: (EISDIR|EPERM)/);
    assert.equal(lstatSync(join(root, 'var/spool/mqueue')).mode & 0o7777, 0o700, 'the queue mode is set');
    assert.ok(lstatSync(join(root, 'etc/mail/access.db')).isFile(), 'the access database is built');
    assert.match(locked.split(' ')[0]!, /i/, 'sendmail.cf is immutable');
  });

  it('a marker planted where another user can write does not block apply or make it lock anything', (t) => {
    if (!needsRoot(t, 'apply sets owners')) return;
    const { root, policy } = host();
    chmodSync(join(root, 'etc/mail'), 0o777);
    const marker = join(root, 'etc/mail/.access.mailharden-immutable-999999');
    writeFileSync(marker, 'access\n');
    spawnSync('chown', ['1234:1234', marker]);
    const r = spawnSync(process.execPath, [CLI, 'apply', policy, '--root', root, '--files-only', '--no-validate', '--no-post-commands'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /looks like apply's immutable-bit marker but was not made by it .*: ignored/);
  });

  it('a --backup-dir with a link on its way is refused, not followed', (t) => {
    if (!needsRoot(t, 'apply sets owners')) return;
    const { root, policy, outside } = host();
    const via = join(root, '..', 'via');
    symlinkSync(outside, via);
    const before = treeHash(outside);
    const r = spawnSync(process.execPath, [CLI, 'apply', policy, '--root', root, '--files-only', '--no-validate', '--no-post-commands', '--backup-dir', join(via, 'bk')], { encoding: 'utf8' });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /via is a symlink/);
    assert.equal(treeHash(outside), before);
  });

  it('a file with a second hard link is neither shown nor edited (it may be a file elsewhere)', () => {
    const { root, policy, outside } = host();
    const secret = join(outside, 'secret');
    writeFileSync(secret, 'root:$6$SECRETHASH:19000::::::\n', { mode: 0o600 });
    spawnSync('rm', ['-f', join(root, 'etc/mail/access')]);
    spawnSync('ln', [secret, join(root, 'etc/mail/access')]);
    const r = spawnSync(process.execPath, [CLI, 'apply', policy, '--root', root, '--dry-run'], { encoding: 'utf8' });
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /\/etc\/mail\/access has 2 hard links/);
    assert.doesNotMatch(`${r.stdout}${r.stderr}`, /SECRETHASH/);
  });

  it('a database copied in is owned and moded through its own descriptor: a hard link swapped in at its temp name is not chowned', async (t) => {
    if (!needsRoot(t, 'apply sets owners') || !needs(t, '/usr/sbin/makemap')) return;
    const { root, policy, outside } = host();
    const decoy = join(outside, 'decoy');
    writeFileSync(decoy, 'decoy\n', { mode: 0o600 });
    // The access.db being replaced belongs to someone else: its owner and mode are what the copy gets.
    writeFileSync(join(root, 'etc/mail/access.db'), 'old');
    spawnSync('chown', ['1234:1234', join(root, 'etc/mail/access.db')]);
    chmodSync(join(root, 'etc/mail/access.db'), 0o644);
    const child = spawn(process.execPath, [CLI, 'apply', policy, '--root', root, '--no-validate'], { env: { ...process.env, MAILHARDEN_FAULT: 'stop:after-copy:/etc/mail/access.db' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stderr.on('data', (d) => (output += d));
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.ok(await stoppedOrGone(child.pid!), `apply reached the copy: ${output}`);
    const temp = readdirSync(join(root, 'etc/mail')).find((n) => /^\.access\.db\.mailharden-new-/.test(n))!;
    assert.ok(temp, 'the temp file of the copy');
    renameSync(join(root, 'etc/mail', temp), join(outside, 'moved-away'));
    spawnSync('ln', [decoy, join(root, 'etc/mail', temp)]);
    process.kill(child.pid!, 'SIGCONT');
    await ended;
    spawnSync('chattr', ['-R', '-i', join(root, '..')], { stdio: 'ignore' });
    const st = lstatSync(decoy);
    assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [0, 0, 0o600], 'the decoy kept its owner and mode');
  });

  it('a temp directory another user owns is refused: the private directories made there could be swapped', (t) => {
    if (!needsRoot(t, 'the temp directory is judged against root') || !needs(t, SENDMAIL)) return;
    const { root, policy, outside } = host();
    const tmp = join(outside, 'tmp');
    mkdirSync(tmp, { mode: 0o755 });
    spawnSync('chown', ['1234:1234', tmp]);
    const r = spawnSync(process.execPath, [CLI, 'apply', policy, '--root', root, '--files-only'], { encoding: 'utf8', env: { ...process.env, TMPDIR: tmp } });
    assert.equal(r.status, 3, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /a temp directory another user can change entries in: set TMPDIR to a safe one/);
    assert.deepEqual(readdirSync(tmp), []);
  });
});
