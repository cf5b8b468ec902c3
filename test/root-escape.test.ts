import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI } from './helpers/cli.js';
import { exampleRoot } from './helpers/example.js';
import { needs, needsRoot, SENDMAIL, M4 } from './helpers/real.js';
import { attributesWork } from './helpers/tree-spec.js';

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
    if (!attributesWork(host().root)) return t.skip('no immutable attribute on this file system');
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
    if (!attributesWork(root)) return t.skip('no immutable attribute on this file system');
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
