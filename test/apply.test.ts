import assert from 'node:assert/strict';
import { exampleRoot } from './helpers/example.js';
import { changedPaths, snapshot } from './helpers/snapshot.js';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from './helpers/cli.js';
import { needs, tempDir } from './helpers/real.js';
import { needsAttributes } from './helpers/tree-spec.js';

/** A fresh copy of the example tree (etc/…) and the example policy. */
const lstatOrNull = (p: string) => {
  try {
    return lstatSync(p);
  } catch {
    return null;
  }
};

describe('apply --dry-run', () => {
  it('shows unified diffs, the commands and a summary, and writes nothing', () => {
    const { root, policy } = exampleRoot();
    const before = snapshot(root);
    const r = run(['apply', policy, '--root', root, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(changedPaths(before, snapshot(root)), []);
    assert.match(r.stdout, new RegExp(`^--- ${root}/etc/mail/sendmail.cf\\t\\(current\\)\\n\\+\\+\\+ ${root}/etc/mail/sendmail.cf\\t\\(planned\\)$`, 'm'));
    assert.match(r.stdout, /^-O PrivacyOptions=authwarnings,restrictqrun$/m);
    assert.match(r.stdout, /^\+O PrivacyOptions=authwarnings,noexpn,novrfy,noetrn,restrictmailq,restrictqrun,needmailhelo$/m);
    assert.match(r.stdout, /^-decode: "\|\/usr\/bin\/uudecode"$/m);
    assert.match(r.stdout, /^--- .*\/etc\/mail\/helpfile\t\(absent\)$/m);
    assert.match(r.stdout, /^ {2}ln -sfn \/usr\/bin\/procmail \/etc\/mail\/smrsh\/procmail$/m);
    assert.match(r.stdout, /^ {2}chattr \+i \/etc\/mail\/sendmail.cf$/m);
    // Every host action counted, by kind: the rebuilds and the chattr too.
    assert.match(r.stdout, /^Plan: 2 to create, 4 to change, 0 unchanged; 8 host actions \(2 links, 4 chattr, 2 rebuilds\)\.$/m);
  });

  it('--exit-code exits 1 while changes are pending, and needs --dry-run', () => {
    const { root, policy } = exampleRoot();
    assert.equal(run(['apply', policy, '--root', root, '--dry-run', '--exit-code']).code, 1);
    const r = run(['apply', policy, '--root', root, '--exit-code']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--exit-code needs --dry-run/);
  });

  it('--files-only plans file contents and no links, modes or attributes', () => {
    const { root, policy } = exampleRoot();
    const r = run(['apply', policy, '--root', root, '--dry-run', '--files-only']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /ln -sfn|chattr|chmod/);
    assert.match(r.stdout, /Plan: 2 to create, 4 to change, 0 unchanged; 2 host actions \(2 rebuilds\)\./);
  });

  it('--script writes the commands as a shell script that sh accepts, with every path quoted or plain', () => {
    const { root, policy } = exampleRoot();
    const script = join(root, '..', 'plan.sh');
    assert.equal(run(['apply', policy, '--root', root, '--dry-run', '--script', script]).code, 0);
    const text = readFileSync(script, 'utf8');
    assert.equal(spawnSync('sh', ['-n', script]).status, 0, text);
    assert.match(text, /^set -eu$/m);
    assert.match(text, /ln -s '\/usr\/bin\/procmail' '\/etc\/mail\/smrsh\/procmail'/);
    assert.match(text, /^'sendmail' '-bi' '-oA\/etc\/aliases'$/m);
    assert.match(text, /^'makemap' 'hash' '\/etc\/mail\/access' < '\/etc\/mail\/access'$/m);
    assert.match(text, /^chattr \+i '\/etc\/mail\/sendmail.cf'$/m);
  });
});

describe('apply', () => {
  it('writes the plan, keeps modes, backs up the old files, and a second run changes nothing', () => {
    const { root, policy } = exampleRoot();
    chmodSync(join(root, 'etc/mail/sendmail.cf'), 0o640);
    mkdirSync(join(root, 'var/spool/mqueue'), { recursive: true, mode: 0o755 });
    chmodSync(join(root, 'var/spool/mqueue'), 0o2755);
    mkdirSync(join(root, 'etc/mail/smrsh'));
    symlinkSync('/bin/sh', join(root, 'etc/mail/smrsh/sh'));
    const oldCf = readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8');
    const backups = join(root, '..', 'backups');
    const r = run(['apply', policy, '--root', root, '--backup-dir', backups, '--files-only']);
    assert.equal(r.code, 0, r.stderr);
    // What ran: the rebuilds, when sendmail and makemap are there.
    assert.match(r.stdout, /^Applied: 2 created, 4 changed, 0 unchanged; (0 host actions|[12] host actions? \([12] rebuilds?\))\. Backup: /m);
    // A real run names each file it writes; the diffs were the dry run's (--diff prints them again).
    assert.match(r.stdout, /^ {2}change \/etc\/mail\/sendmail.cf$/m);
    assert.match(r.stdout, /^ {2}create \/etc\/mail\/helpfile$/m);
    assert.doesNotMatch(r.stdout, /^(---|\+\+\+) /m);
    const cf = readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8');
    assert.match(cf, /^O PrivacyOptions=authwarnings,noexpn,novrfy,noetrn,restrictmailq,restrictqrun,needmailhelo$/m);
    assert.equal((cf.match(/^O PrivacyOptions=/gm) ?? []).length, 1);
    assert.equal(statSync(join(root, 'etc/mail/sendmail.cf')).mode & 0o7777, 0o640);
    assert.equal(statSync(join(root, 'etc/mail/helpfile')).mode & 0o7777, 0o644);
    // --backup-dir holds the runs: this one's copies are in its own directory there.
    const runDir = (dir: string): string => {
      const runs = readdirSync(dir);
      assert.equal(runs.length, 1, runs.join(' '));
      return join(dir, runs[0]!);
    };
    const first = runDir(backups);
    assert.match(r.stdout, new RegExp(`Backup: ${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    assert.equal(readFileSync(join(first, 'etc/mail/sendmail.cf'), 'utf8'), oldCf);
    assert.equal(statSync(join(first, 'etc/mail/sendmail.cf')).mode & 0o7777, 0o640);
    assert.ok(!existsSync(join(first, 'etc/mail/helpfile')), 'a created file has nothing to back up');

    // Now the host actions too: smrsh links (the shell link goes, to the backup), queue mode.
    const r2 = run(['apply', policy, '--root', root, '--backup-dir', `${backups}2`]);
    assert.equal(r2.code, 0, r2.stderr);
    assert.equal(readlinkSync(join(root, 'etc/mail/smrsh/procmail')), '/usr/bin/procmail');
    assert.equal(readlinkSync(join(root, 'etc/mail/smrsh/mail.local')), '/usr/libexec/sendmail/mail.local');
    assert.ok(!existsSync(join(root, 'etc/mail/smrsh/sh')) && lstatSync(join(runDir(`${backups}2`), 'etc/mail/smrsh/sh')).isSymbolicLink());
    assert.equal(statSync(join(root, 'var/spool/mqueue')).mode & 0o7777, 0o2700, 'the mode is set and the setgid bit kept');
    const third = snapshot(root);
    const again = run(['apply', policy, '--root', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes: .* matches the policy \(6 files checked\)\.$/m);
    assert.deepEqual(changedPaths(third, snapshot(root)), []);
    assert.equal(run(['apply', policy, '--root', root, '--dry-run', '--exit-code']).code, 0);
    spawnSync('chattr', ['-R', '-i', root]);
  });

  it('qmail: rcpthosts from the relay domains, tcp.smtp with the relay block, compiled by tcprules', () => {
    const dir = tempDir('mh-apply-');
    const root = join(dir, 'root');
    mkdirSync(join(root, 'var/qmail/control'), { recursive: true });
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'var/qmail/control/rcpthosts'), 'old.example\n');
    writeFileSync(join(root, 'etc/tcp.smtp'), '10.9.9.:allow,RELAYCLIENT=""\n203.0.113.7:deny\n');
    const policy = join(dir, 'q.yaml');
    writeFileSync(policy, 'version: 1\nmta: [qmail]\nrelay:\n  networks: [127.0.0.0/8, 192.168.16.0/20]\n  domains: [example.com, .example.com]\n');
    const r = run(['apply', policy, '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readFileSync(join(root, 'var/qmail/control/rcpthosts'), 'utf8'), 'example.com\n.example.com\n');
    const rules = readFileSync(join(root, 'etc/tcp.smtp'), 'utf8');
    assert.match(rules, /^192\.168\.16-31\.:allow,RELAYCLIENT=""\n127\.:allow,RELAYCLIENT=""$/m);
    assert.doesNotMatch(rules, /10\.9\.9\./);
    assert.match(rules, /^203\.0\.113\.7:deny$/m);
    assert.match(rules, /^:allow$/m);
    if (existsSync('/usr/bin/tcprules')) assert.ok(existsSync(join(root, 'etc/tcp.smtp.cdb')), 'tcprules compiled the rules after the change');
    assert.match(run(['apply', policy, '--root', root]).stdout, /^No changes/m);
  });

  it('removes temp files a killed run left behind, not those of a run still going, and not in a dry run', () => {
    const { root, policy } = exampleRoot();
    // A pid that cannot be running: above the kernel's pid_max.
    const stale = join(root, 'etc/mail/.sendmail.cf.mailharden-new-99999999-0123abcd');
    const staleDb = join(root, 'etc/.aliases.mailharden-check-99999999-0123abcd.db');
    const live = join(root, 'etc/mail/.access.mailharden-new-1-0123abcd');
    for (const p of [stale, staleDb, live]) writeFileSync(p, 'partial');
    const staleLink = join(root, 'etc/mail/.smrsh.mailharden-link-99999999-deadbeef');
    symlinkSync('/etc/passwd', staleLink);
    assert.equal(run(['apply', policy, '--root', root, '--dry-run']).code, 0);
    assert.ok(existsSync(stale), 'a dry run deletes nothing');
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']).code, 0);
    assert.ok(!existsSync(stale) && !existsSync(staleDb));
    assert.equal(lstatOrNull(staleLink), null, 'a dead run\'s temp link is removed, not followed');
    assert.ok(existsSync('/etc/passwd'));
    assert.ok(existsSync(live), 'pid 1 is alive: its temp file is not ours to remove');
  });

  it('refuses to write through a symlink, and a --root that does not exist', () => {
    const { root, policy } = exampleRoot();
    cpSync(join(root, 'etc/mail'), join(root, 'srv-mail'), { recursive: true });
    spawnSync('rm', ['-rf', join(root, 'etc/mail')]);
    symlinkSync('../srv-mail', join(root, 'etc/mail'));
    const before = snapshot(root);
    const r = run(['apply', policy, '--root', root, '--files-only']);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /^mailharden: \/etc\/mail is a symlink \(to \.\.\/srv-mail\): mailharden does not write through links/m);
    assert.deepEqual(changedPaths(before, snapshot(root)), []);
    const missing = run(['apply', policy, '--root', join(root, 'nope')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /--root .*nope: no such directory/);
  });

  it('makes its default backup directory without following a link out of the root', () => {
    const { root, policy } = exampleRoot();
    const outside = join(root, '..', 'outside');
    mkdirSync(outside);
    mkdirSync(join(root, 'var'));
    symlinkSync(outside, join(root, 'var/backups'));
    const before = snapshot(root);
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-validate']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\/var\/backups is a symlink/);
    assert.deepEqual(readdirSync(outside), []);
    assert.deepEqual(changedPaths(before, snapshot(root)), []);
  });

  it('keeps bytes that are not UTF-8, and keeps the policy file name out of generated lines', () => {
    const { root, policy } = exampleRoot();
    const aliases = join(root, 'etc/aliases');
    writeFileSync(aliases, Buffer.concat([Buffer.from('# Postf'), Buffer.from([0xe4]), Buffer.from('cher\n'), readFileSync(aliases)]));
    const odd = join(root, '..', 'x\nConnect:10 RELAY\n.yaml');
    writeFileSync(odd, readFileSync(policy));
    const r = run(['apply', odd, '--root', root, '--files-only', '--no-post-commands']);
    assert.equal(r.code, 0, r.stderr);
    const bytes = readFileSync(aliases);
    assert.equal(bytes.indexOf(Buffer.from([0x50, 0x6f, 0x73, 0x74, 0x66, 0xe4])), 2, 'the Latin-1 byte is still there');
    const access = readFileSync(join(root, 'etc/mail/access'), 'utf8');
    assert.doesNotMatch(access, /^Connect:10 RELAY/m);
    assert.match(access, /^# BEGIN mailharden relay networks: written from the policy; edit/m);
    assert.doesNotMatch(access, /x_Connect|\.yaml/);
  });

  it('rebuilds a database an earlier, killed run left older than its source', (t) => {
    if (!needs(t, '/usr/sbin/makemap')) return;
    const { root, policy } = exampleRoot();
    writeFileSync(join(root, 'etc/mail/access.db'), 'old');
    const old = new Date(Date.now() - 3600_000);
    utimesSync(join(root, 'etc/mail/access.db'), old, old);
    const killed = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands'], { env: { MAILHARDEN_FAULT: 'after-rename:/etc/mail/access' } });
    assert.equal(killed.code, -1);
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']).code, 0);
    const dry = run(['apply', policy, '--root', root, '--dry-run', '--files-only']);
    assert.match(dry.stdout, /No changes/, 'files-only plans no rebuilds');
    const plan = run(['apply', policy, '--root', root, '--dry-run']);
    assert.match(plan.stdout, /^ {2}makemap hash \/etc\/mail\/access < \/etc\/mail\/access {4}# rebuild the access database \(\/etc\/mail\/access\.db is older than \/etc\/mail\/access\)$/m);
    assert.equal(run(['apply', policy, '--root', root]).code, 0);
    assert.notEqual(readFileSync(join(root, 'etc/mail/access.db'), 'latin1'), 'old');
    spawnSync('chattr', ['-R', '-i', root]);
  });

  it('exits 4 and installs nothing when the real program rejects a candidate', () => {
    const { root, policy } = exampleRoot();
    const bin = join(root, '..', 'bin');
    mkdirSync(bin);
    // A stand-in sendmail that rejects the candidate cf (the only file with needmailhelo) and accepts the current one.
    writeFileSync(join(bin, 'sendmail'), '#!/bin/sh\nif grep -q needmailhelo "$2" 2>/dev/null; then echo "$2: line 7: fatal: unknown configuration line"; exit 78; fi\nexit 0\n', { mode: 0o755 });
    const before = snapshot(root);
    const r = run(['apply', policy, '--root', root, '--files-only'], { env: { PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(r.code, 4, r.stderr);
    assert.match(r.stderr, /rejected by .*\/bin\/sendmail:\n {4}\/etc\/mail\/sendmail.cf: line 7: fatal: unknown configuration line/);
    assert.deepEqual(changedPaths(before, snapshot(root)), [], 'nothing written, no temp file left');
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-validate', '--no-post-commands'], { env: { PATH: `${bin}:${process.env.PATH}` } }).code, 0);
  });

  it('exits 5 on an immutable target unless --allow-chattr, which restores the bit', (t) => {
    const { root, policy } = exampleRoot();
    if (!needsAttributes(t, root)) return;
    try {
      assert.equal(run(['apply', policy, '--root', root, '--files-only']).code, 0);
      spawnSync('chattr', ['+i', join(root, 'etc/aliases')]);
      writeFileSync(policy, readFileSync(policy, 'utf8').replace('root: ops@example.com', 'root: admin@example.com'));
      const before = snapshot(root);
      const r = run(['apply', policy, '--root', root, '--files-only']);
      assert.equal(r.code, 5, r.stderr);
      assert.match(r.stderr, /immutable \(chattr \+i\), nothing written; rerun with --allow-chattr/);
      assert.deepEqual(changedPaths(before, snapshot(root)), []);
      const ok = run(['apply', policy, '--root', root, '--files-only', '--allow-chattr']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.match(readFileSync(join(root, 'etc/aliases'), 'utf8'), /^root: admin@example.com$/m);
      assert.match(spawnSync('lsattr', ['-d', join(root, 'etc/aliases')], { encoding: 'utf8' }).stdout, /^\S*i\S* /);
    } finally {
      spawnSync('chattr', ['-R', '-i', root]);
    }
  });

  it('a run killed before or after a rename leaves each file old or new, and a rerun completes', () => {
    for (const point of ['after-temp:/etc/mail/sendmail.cf', 'after-rename:/etc/mail/sendmail.cf', 'after-rename:/etc/aliases', 'after-backup']) {
      const { root, policy } = exampleRoot();
      const before = snapshot(root);
      const killed = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands'], { env: { MAILHARDEN_FAULT: point } });
      assert.equal(killed.code, -1, `${point}: the run was killed`);
      const mid = snapshot(root);
      for (const path of changedPaths(before, mid)) {
        if (path.includes('/var/backups/') || /\.mailharden-new-/.test(path)) continue;
        assert.ok(!before.has(path) || mid.has(path), `${point}: ${path} vanished`);
      }
      const done = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']);
      assert.equal(done.code, 0, `${point}: ${done.stderr}`);
      const after = snapshot(root);
      assert.deepEqual([...after.keys()].filter((p) => /\.mailharden-/.test(p)), [], `${point}: temp files swept`);
      assert.match(after.get('/etc/mail/sendmail.cf')!, /needmailhelo/);
      assert.equal(run(['apply', policy, '--root', root, '--files-only', '--dry-run', '--exit-code']).code, 0, point);
    }
  });

  it('rejects a hostile policy before reading the tree', () => {
    const { root } = exampleRoot();
    const dir = join(root, '..');
    const cases = ['greeting: "$j\\nO QueueDirectory=/tmp"', 'greeting: "$j #x"', 'smrsh: {allow: ["/usr/bin/x;id"]}', 'smrsh: {allow: ["/usr/../bin/sh"]}', 'aliases: {root: "a@b; rm -rf /"}', 'aliases: {strip: ["x\\ny"]}', 'relay: {domains: ["a.example\\nb"]}', `hostname: "${'a'.repeat(300)}"`];
    for (const c of cases) {
      writeFileSync(join(dir, 'bad.yaml'), `version: 1\n${c}\n`);
      const before = snapshot(root);
      const r = run(['apply', join(dir, 'bad.yaml'), '--root', root]);
      assert.equal(r.code, 2, `${c}: ${r.stderr}`);
      assert.match(r.stderr, /bad\.yaml:\d+:\d+: \//, c);
      assert.deepEqual(changedPaths(before, snapshot(root)), [], c);
    }
  });
});
