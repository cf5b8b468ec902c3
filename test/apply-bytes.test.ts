import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from './helpers/cli.js';
import { exampleRoot } from './helpers/example.js';
import { M4, needs, needsRoot, tempDir } from './helpers/real.js';

/**
 * apply hands the real programs the file's bytes, keeps bytes it does not own, and runs m4 where a
 * hostile .mc cannot act as root (issue 13, "Bytes in, bytes out" and "never runs m4 code it did not write").
 */

const MAKEMAP = '/usr/sbin/makemap';

/** The keys and values of a hash map, as bytes (Latin-1 strings), dumped by makemap -u. */
function dump(db: string): string[] {
  const r = spawnSync(MAKEMAP, ['-u', 'hash', db], { encoding: 'latin1' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter(Boolean);
}

describe('apply: bytes in, bytes out', () => {
  it('a Latin-1 access key reaches makemap as its bytes: the REJECT matches the address it names', (t) => {
    if (!needs(t, MAKEMAP)) return;
    const { root, policy } = exampleRoot();
    const access = join(root, 'etc/mail/access');
    const key = Buffer.concat([Buffer.from('From:m'), Buffer.of(0xfc), Buffer.from('ller@example.org')]);
    writeFileSync(access, Buffer.concat([readFileSync(access), key, Buffer.from('\tREJECT\n')]));
    const r = run(['apply', policy, '--root', root, '--no-validate']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(readFileSync(access).includes(key), 'the source keeps the byte');
    const entries = dump(join(root, 'etc/mail/access'));
    assert.ok(entries.includes(`${key.toString('latin1').toLowerCase()}\tREJECT`), `the key in the db, byte for byte:\n${entries.join('\n')}`);
    spawnSync('chattr', ['-R', '-i', root]);
  });

  it('a Latin-1 candidate is validated as its bytes: makemap sees the key the db will have', (t) => {
    if (!needs(t, MAKEMAP)) return;
    const { root, policy } = exampleRoot();
    const bin = join(root, '..', 'bin');
    mkdirSync(bin);
    const seen = join(root, '..', 'seen');
    // A stand-in makemap that keeps what it was given on its standard input.
    writeFileSync(join(bin, 'makemap'), `#!/bin/sh\ncat >> '${seen}'\nexec ${MAKEMAP} "$@" < /dev/null\n`, { mode: 0o755 });
    const access = join(root, 'etc/mail/access');
    writeFileSync(access, Buffer.concat([readFileSync(access), Buffer.from('From:m'), Buffer.of(0xfc), Buffer.from('ller@example.org\tREJECT\n')]));
    const r = run(['apply', policy, '--root', root, '--files-only'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.code, 0, r.stderr);
    const bytes = readFileSync(seen);
    assert.ok(bytes.includes(Buffer.of(0x6d, 0xfc, 0x6c)), 'the validator got the Latin-1 byte');
    assert.ok(!bytes.includes(Buffer.of(0xef, 0xbf, 0xbd)), 'and no replacement character');
  });

  it('a UTF-8 byte order mark is kept, and shown in the diff', () => {
    const { root, policy } = exampleRoot();
    const aliases = join(root, 'etc/aliases');
    // A stripped entry right below, so that the first line is in the diff's context.
    writeFileSync(aliases, Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from('# aliases\ntoor: root\n'), readFileSync(aliases)]));
    const dry = run(['apply', policy, '--root', root, '--dry-run', '--files-only']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^ \\ufeff# aliases$/m, 'the mark is shown, escaped, in the diff');
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--no-validate']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...readFileSync(aliases).subarray(0, 4)], [0xef, 0xbb, 0xbf, 0x23], 'the mark is still the first three bytes');
    assert.match(run(['apply', policy, '--root', root, '--dry-run', '--files-only']).stdout, /^No changes/m, 'and a second run changes nothing');
  });

  it('smrsh entries whose names are not UTF-8 are removed like any other, and lint --root reports them', (t) => {
    if (!needsRoot(t, 'apply sets owners')) return;
    const { root, policy } = exampleRoot();
    const smrsh = join(root, 'etc/mail/smrsh');
    mkdirSync(smrsh);
    const name = Buffer.concat([Buffer.from(`${smrsh}/sh`), Buffer.of(0xff)]);
    symlinkSync('/bin/sh', name);
    const lint = run(['lint', '--root', root, '-f', 'json', '--fail-on', 'none']);
    assert.equal(lint.code, 0, lint.stderr);
    const findings = (JSON.parse(lint.stdout) as { findings: { ruleId: string; message: string }[] }).findings.filter((f) => f.ruleId === 'MH6005');
    assert.ok(findings.some((f) => /\/etc\/mail\/smrsh\/sh\\xff links to \/bin\/sh|\/etc\/mail\/smrsh\/sh\udcff links to/.test(f.message)), `MH6005 on sh\\xff:\n${JSON.stringify(findings)}`);
    const text = run(['lint', '--root', root, '-f', 'compact', '--fail-on', 'none', '--select', 'MH6005']);
    assert.match(text.stdout, /^\S*etc\/mail\/smrsh\/sh\\xff:1:1: high: \/etc\/mail\/smrsh\/sh\\xff links to \/bin\/sh/m, 'the name shown as its bytes');
    const plan = run(['apply', policy, '--root', root, '--dry-run']);
    assert.match(plan.stdout, /^ {2}rm -f \$'\/etc\/mail\/smrsh\/sh\\xff' {4}# link to \/bin\/sh, not in smrsh\.allow$/m, 'the plan names the exact bytes');
    const r = run(['apply', policy, '--root', root, '--no-validate', '--no-post-commands']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(readdirSync(smrsh).sort(), ['mail.local', 'procmail'], 'the entry is gone, the allowed links are made');
    assert.match(run(['apply', policy, '--root', root, '--dry-run']).stdout, /^No changes/m);
    spawnSync('chattr', ['-R', '-i', root]);
  });
});

describe('apply runs m4 where a hostile .mc cannot act as root', () => {
  it('a syscmd in the .mc runs as nobody, with an empty environment, in a directory of its own', (t) => {
    if (!needs(t, M4) || !needsRoot(t, 'the unprivileged account is used when apply runs as root')) return;
    const { root, policy } = exampleRoot();
    const out = tempDir('mh-m4-out-');
    chmodSync(out, 0o777);
    const mc = join(root, 'etc/mail/sendmail.mc');
    writeFileSync(mc, `syscmd(\`id -u > ${out}/uid; env > ${out}/env; pwd > ${out}/pwd')dnl\n${readFileSync(mc, 'utf8')}`);
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']);
    assert.ok(r.code === 0 || r.code === 4, r.stderr);
    assert.equal(readFileSync(join(out, 'uid'), 'utf8').trim(), String(Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout)));
    assert.doesNotMatch(readFileSync(join(out, 'env'), 'utf8'), /^(HOME|PATH|USER|SUDO_\w+|MAILHARDEN_\w+)=/m, 'nothing of root\'s environment');
    const pwd = readFileSync(join(out, 'pwd'), 'utf8').trim();
    assert.match(pwd, /mailharden-m4-/);
    assert.ok(!pwd.startsWith(root), 'not in the tree');
  });

  it('m4 cannot write in its directory, and nothing a syscmd starts outlives the check', (t) => {
    if (!needs(t, M4) || !needsRoot(t, 'the unprivileged account is used when apply runs as root')) return;
    const { root, policy } = exampleRoot();
    const out = tempDir('mh-m4-out-');
    chmodSync(out, 0o777);
    // A sleep of a duration no other process has: its command line is the tag (dash has no exec -a).
    const tag = `9${process.pid}${Date.now() % 100000}`;
    const mc = join(root, 'etc/mail/sendmail.mc');
    // One left in m4's session, one in a session of its own (setsid): neither may outlive the check.
    writeFileSync(mc, `syscmd(\`touch made 2>/dev/null && echo writable > ${out}/w; sleep ${tag} >/dev/null 2>&1 & setsid sleep ${tag} </dev/null >/dev/null 2>&1 &')dnl\n${readFileSync(mc, 'utf8')}`);
    const start = Date.now();
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']);
    assert.ok(r.code === 0 || r.code === 4, r.stderr);
    assert.ok(Date.now() - start < 50_000, 'apply did not wait for the leftover process');
    assert.ok(!existsSync(join(out, 'w')), 'm4 could create a file in its working directory');
    // Processes whose command line holds the tag (read from /proc: no procps needed).
    const left = readdirSync('/proc').filter((p) => /^\d+$/.test(p) && (() => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'latin1').includes(tag);
      } catch {
        return false;
      }
    })());
    for (const pid of left) process.kill(Number(pid), 'SIGKILL');
    assert.deepEqual(left, [], 'a process the .mc started is still running');
  });
});
