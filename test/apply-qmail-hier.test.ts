import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, closeSync, linkSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, renameSync, rmdirSync, rmSync, statSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI, run } from './helpers/cli.js';
import { needsQmail, sendOne } from './helpers/qmail.js';
import { needsRoot, tempDir } from './helpers/real.js';

const RUNS = 'var/backups/mailharden';
const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** INSTALL.ids' users and groups, with ids no host user has. */
const ID = { qmail: 2107, nofiles: 2108, alias: 7790, qmaild: 7791, qmaill: 7792, qmailp: 7793, qmailq: 7794, qmailr: 7795, qmails: 7796 } as const;

const PASSWD = [
  'root:x:0:0:root:/root:/bin/sh',
  `alias:x:${ID.alias}:${ID.nofiles}::/var/qmail/alias:/bin/true`,
  `qmaild:x:${ID.qmaild}:${ID.nofiles}::/var/qmail:/bin/true`,
  `qmaill:x:${ID.qmaill}:${ID.nofiles}::/var/qmail:/bin/true`,
  `qmailp:x:${ID.qmailp}:${ID.nofiles}::/var/qmail:/bin/true`,
  `qmailq:x:${ID.qmailq}:${ID.qmail}::/var/qmail:/bin/true`,
  `qmailr:x:${ID.qmailr}:${ID.qmail}::/var/qmail:/bin/true`,
  `qmails:x:${ID.qmails}:${ID.qmail}::/var/qmail:/bin/true`,
];

/**
 * A qmail tree wrong in several ways: qmail-queue 0755 root (not set-uid: nothing can queue mail),
 * qmail-inject 04755 (set-uid root), queue/mess 0755 (every user reads the messages), control 0775
 * (its group writes qmail's control files), rcpthosts qmaild's and 0666, the tcp.smtp cdb 0664.
 * bin/ also holds links to a shadow-like file outside the qmail tree, absolute and relative: apply
 * must never change what they point to.
 */
function qmailTree(passwd = PASSWD): { root: string; policy: string } {
  const root = tempDir('mh-hier-');
  roots.push(root);
  const put = (path: string, mode: number, uid: number, gid: number, content?: string): void => {
    const p = join(root, path);
    if (content === undefined) mkdirSync(p, { recursive: true });
    else writeFileSync(p, content);
    chownSync(p, uid, gid);
    chmodSync(p, mode);
  };
  put('etc', 0o755, 0, 0);
  put('etc/passwd', 0o644, 0, 0, `${passwd.join('\n')}\n`);
  put('etc/group', 0o644, 0, 0, `root:x:0:\nshadow:x:42:\nqmail:x:${ID.qmail}:\nnofiles:x:${ID.nofiles}:\n`);
  put('etc/shadow', 0o640, 0, 42, 'root:*:19000:0:99999:7:::\n');
  put('etc/tcp.smtp', 0o644, 0, 0, '127.:allow,RELAYCLIENT=""\n:allow\n');
  put('etc/tcp.smtp.cdb', 0o664, 0, 0, 'not really a cdb');
  put('var/qmail', 0o755, 0, ID.qmail);
  put('var/qmail/bin', 0o755, 0, ID.qmail);
  put('var/qmail/bin/qmail-queue', 0o755, 0, 0, '#!/bin/true\n');
  put('var/qmail/bin/qmail-inject', 0o4755, 0, ID.qmail, '#!/bin/true\n');
  put('var/qmail/bin/qmail-smtpd', 0o755, 0, ID.qmail, '#!/bin/true\n');
  symlinkSync('/etc/shadow', join(root, 'var/qmail/bin/qmail-shadow'));
  symlinkSync('../../../etc/shadow', join(root, 'var/qmail/bin/qmail-shadow-rel'));
  put('var/qmail/alias', 0o2755, ID.alias, ID.qmail);
  put('var/qmail/queue', 0o750, ID.qmailq, ID.qmail);
  put('var/qmail/queue/mess', 0o755, ID.qmailq, ID.qmail);
  put('var/qmail/queue/mess/0', 0o750, ID.qmailq, ID.qmail);
  put('var/qmail/queue/info', 0o700, ID.qmails, ID.qmail);
  put('var/qmail/queue/info/0', 0o700, ID.qmails, ID.qmail);
  put('var/qmail/queue/todo', 0o750, ID.qmailq, ID.qmail);
  put('var/qmail/control', 0o775, 0, ID.qmail);
  put('var/qmail/control/me', 0o644, 0, 0, 'mail.example.com\n');
  put('var/qmail/control/rcpthosts', 0o666, ID.qmaild, ID.nofiles, 'example.com\n');
  const policy = join(root, 'policy.yaml');
  writeFileSync(policy, 'version: 1\nmta: [qmail]\nqmail:\n  hier: true\n');
  return { root, policy };
}

/** Owner, group and mode of every entry (links by their text), the runs directory and the policy left out. */
function state(root: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const r = `${rel}/${name}`;
      if (r === '/var/backups' || r === '/policy.yaml') continue;
      const st = lstatSync(join(d, name));
      if (st.isSymbolicLink()) out.set(r, `-> ${readlinkSync(join(d, name))}`);
      else out.set(r, `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}${st.isFile() ? ` ${readFileSync(join(d, name)).toString('base64')}` : ''}`);
      if (st.isDirectory()) walk(join(d, name), r);
    }
  };
  walk(root, '');
  return out;
}

const differences = (a: Map<string, string>, b: Map<string, string>): string[] => [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();

/** The MH4044 and MH4011 findings lint reports for the tree, as `RULE path`. */
function hierFindings(root: string): string[] {
  const r = run(['lint', '--root', root, '--select', 'MH4044,MH4011', '--format', 'json', '--fail-on', 'none']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { findings: { ruleId: string; file: string }[] };
  return [...new Set(report.findings.map((f) => `${f.ruleId} ${f.file.slice(root.length)}`))].sort();
}

/** Resolves once the process is stopped (SIGSTOP), false when it ended first. */
async function stopped(pid: number): Promise<boolean> {
  for (let i = 0; i < 3000; i++) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    } catch {
      return false;
    }
    const state = stat[stat.lastIndexOf(')') + 2];
    if (state === 'T' || state === 't') return true;
    if (state === 'Z') return false;
    await new Promise((r) => setTimeout(r, 10));
  }
  return false;
}

const own = (root: string, path: string): string => {
  const st = lstatSync(join(root, path));
  return `${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid}`;
};

describe('apply qmail.hier: the owners and modes of hier.c', () => {
  it('fixes what MH4044 and MH4011 report, never through a link; a second apply changes nothing; rollback puts every owner and mode back', (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const { root, policy } = qmailTree();
    const hostShadow = statSync('/etc/shadow', { throwIfNoEntry: false });
    const before = state(root);
    assert.deepEqual(hierFindings(root), [
      `MH4011 /etc/tcp.smtp.cdb`,
      `MH4011 /var/qmail/control`,
      `MH4011 /var/qmail/control/rcpthosts`,
      `MH4044 /var/qmail/bin/qmail-inject`,
      `MH4044 /var/qmail/bin/qmail-queue`,
      `MH4044 /var/qmail/queue/mess`,
    ]);

    const dry = run(['apply', policy, '--root', root, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, new RegExp(`^  chown ${ID.qmailq}:${ID.qmail} /var/qmail/bin/qmail-queue && chmod 04711 /var/qmail/bin/qmail-queue    # now 0:0 0755: hier\\.c: qmail-queue 04711 qmailq, the only set-uid program$`, 'm'));
    assert.match(dry.stdout, new RegExp(`^  chown 0:${ID.qmail} /var/qmail/bin/qmail-inject && chmod 0755 /var/qmail/bin/qmail-inject    # now 0:${ID.qmail} 04755: `, 'm'));
    assert.match(dry.stdout, new RegExp(`^  chown ${ID.qmailq}:${ID.qmail} /var/qmail/queue/mess && chmod 0750 /var/qmail/queue/mess    # now ${ID.qmailq}:${ID.qmail} 0755: hier\\.c: 0750 qmailq:qmail$`, 'm'));
    assert.match(dry.stdout, new RegExp(`^  chown 0:${ID.nofiles} /var/qmail/control/rcpthosts && chmod 0644 /var/qmail/control/rcpthosts    # now ${ID.qmaild}:${ID.nofiles} 0666: MH4011: root's, not writable by the group or others \\(a new copy of the file: a descriptor opened before keeps the old one\\)$`, 'm'));
    assert.match(dry.stdout, /^Plan: 0 to create, 0 to change, 0 unchanged; 6 host actions \(6 owners\)\.$/m);
    assert.doesNotMatch(dry.stdout, /qmail-shadow|etc\/shadow/);
    assert.deepEqual(differences(before, state(root)), [], 'a dry run changes nothing');

    const script = join(root, 'plan.sh');
    assert.equal(run(['apply', policy, '--root', root, '--dry-run', '--script', script]).code, 0);
    assert.match(readFileSync(script, 'utf8'), new RegExp(`^if \\[ ! -L '/var/qmail/bin/qmail-queue' \\]; then chown ${ID.qmailq}:${ID.qmail} '/var/qmail/bin/qmail-queue'; chmod 04711 '/var/qmail/bin/qmail-queue'; fi$`, 'm'));
    rmSync(script);

    const applied = run(['apply', policy, '--root', root]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.match(applied.stdout, /^Applied: 0 created, 0 changed, 0 unchanged; 6 host actions \(6 owners\)\. Backup: /m);
    assert.deepEqual(hierFindings(root), [], 'lint finds nothing of MH4044 and MH4011 left');
    assert.equal(own(root, 'var/qmail/bin/qmail-queue'), `4711 ${ID.qmailq}:${ID.qmail}`);
    assert.equal(own(root, 'var/qmail/bin/qmail-inject'), `755 0:${ID.qmail}`);
    assert.equal(own(root, 'var/qmail/queue/mess'), `750 ${ID.qmailq}:${ID.qmail}`);
    assert.equal(own(root, 'var/qmail/control'), `755 0:${ID.qmail}`);
    assert.equal(own(root, 'var/qmail/control/rcpthosts'), `644 0:${ID.nofiles}`);
    assert.equal(own(root, 'etc/tcp.smtp.cdb'), '644 0:0');
    assert.deepEqual(differences(before, state(root)), ['/etc/tcp.smtp.cdb', '/var/qmail/bin/qmail-inject', '/var/qmail/bin/qmail-queue', '/var/qmail/control', '/var/qmail/control/rcpthosts', '/var/qmail/queue/mess'], 'nothing else changed: the links in bin/ and the file they name are as they were');
    assert.deepEqual(statSync('/etc/shadow', { throwIfNoEntry: false })?.mode, hostShadow?.mode, "the host's /etc/shadow is untouched");

    const again = run(['apply', policy, '--root', root]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes: /);

    const [id] = readdirSync(join(root, RUNS));
    const manifest = JSON.parse(readFileSync(join(root, RUNS, id!, 'manifest.json'), 'utf8')) as { steps: { op: string; path: string; from: unknown; to: unknown }[] };
    const queue = statSync(join(root, 'var/qmail/bin/qmail-queue'));
    assert.deepEqual(manifest.steps.find((s) => s.path === '/var/qmail/bin/qmail-queue'), { op: 'owner', path: '/var/qmail/bin/qmail-queue', from: { uid: 0, gid: 0, mode: 0o755 }, to: { uid: ID.qmailq, gid: ID.qmail, mode: 0o4711 }, at: { type: 'file', dev: queue.dev, ino: queue.ino } });
    assert.match(run(['rollback', '--list', '--root', root]).stdout, new RegExp(`^  ${id!.replace('.', '\\.')}  \\S+  apply policy\\.yaml: 6 owners$`, 'm'));

    const preview = run(['rollback', '--root', root, '--dry-run']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, new RegExp(`^  chown 0:0 /var/qmail/bin/qmail-queue && chmod 0755 /var/qmail/bin/qmail-queue    # now ${ID.qmailq}:${ID.qmail} 04711$`, 'm'));
    assert.match(preview.stdout, /^Plan: 0 files restored, 0 removed, 0 links, 0 modes, 6 owners, 0 attributes; nothing written \(--dry-run\)\.$/m);

    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stdout, /^Rolled back and verified: run \S+ \(0 files restored, 0 removed, 0 links, 0 modes, 6 owners, 0 attributes\)/m);
    assert.deepEqual(differences(before, state(root)), [], 'every owner and mode as it was');
  });

  it('the real qmail-smtpd, run as qmaild, still reads its control files after apply closed them to other writers', (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const programs = needsQmail(t);
    if (!programs) return;
    const { root, policy } = qmailTree();
    // The temp directory is 0700: qmaild must be able to reach the qmail home, as on a real system.
    chmodSync(root, 0o755);
    assert.equal(run(['apply', policy, '--root', root]).code, 0);
    assert.equal(own(root, 'var/qmail/control'), `755 0:${ID.qmail}`);
    const s = sendOne(programs, join(root, 'var/qmail'), 'user@example.com', { uid: ID.qmaild });
    assert.match(s.greeting, /^220 mail\.example\.com ESMTP/, s.transcript);
    assert.deepEqual(s.queued.map((q) => q.to), [['user@example.com']], `rcpthosts read: the domain is accepted\n${s.transcript}`);
    assert.match(sendOne(programs, join(root, 'var/qmail'), 'user@elsewhere.test', { uid: ID.qmaild }).replies.join('\n'), /^553 /m, 'and only its domains');
  });

  it('an entry swapped or changed between the plan and the change is left alone, named in the error', async (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const { root, policy } = qmailTree();
    const shadow = own(root, 'etc/shadow');
    // Stopped after the writes, before the owners are set (MAILHARDEN_FAULT=stop:POINT, src/apply/write.ts).
    const child = spawn(process.execPath, [CLI, 'apply', policy, '--root', root], { env: { ...process.env, NO_COLOR: '1', MAILHARDEN_FAULT: 'stop:after-writes' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    assert.ok(await stopped(child.pid!), output);
    // qmail-queue becomes a link to the shadow file, qmail-inject a hard link to it, queue/mess 0700.
    renameSync(join(root, 'var/qmail/bin/qmail-queue'), join(root, 'var/qmail/bin/qmail-queue.real'));
    symlinkSync('/etc/shadow', join(root, 'var/qmail/bin/qmail-queue'));
    rmSync(join(root, 'var/qmail/bin/qmail-inject'));
    linkSync(join(root, 'etc/shadow'), join(root, 'var/qmail/bin/qmail-inject'));
    chmodSync(join(root, 'var/qmail/queue/mess'), 0o700);
    process.kill(child.pid!, 'SIGCONT');
    assert.equal(await ended, 3, output);
    assert.match(output, /^chown \d+:\d+ \/var\/qmail\/bin\/qmail-queue .*: \/var\/qmail\/bin\/qmail-queue is a symlink \(to \/etc\/shadow\): mailharden does not write through links/m);
    assert.match(output, /^chown 0:\d+ \/var\/qmail\/bin\/qmail-inject .*: \/var\/qmail\/bin\/qmail-inject is file \d+:\d+ now, not file \d+:\d+ as planned: another entry, not touched$/m);
    assert.match(output, new RegExp(`^chown \\d+:\\d+ /var/qmail/queue/mess .*: /var/qmail/queue/mess is ${ID.qmailq}:${ID.qmail} 0700 now, not ${ID.qmailq}:${ID.qmail} 0755 as planned: changed meanwhile, not touched$`, 'm'));
    assert.equal(own(root, 'etc/shadow'), shadow, 'the file the links name is untouched');
    assert.equal(own(root, 'var/qmail/queue/mess'), `700 ${ID.qmailq}:${ID.qmail}`);
    assert.equal(own(root, 'var/qmail/control'), `755 0:${ID.qmail}`, 'the other owners are set');
  });

  it('rollback refuses an owner or mode changed after the run (exit 6)', (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const { root, policy } = qmailTree();
    assert.equal(run(['apply', policy, '--root', root]).code, 0);
    chmodSync(join(root, 'var/qmail/queue/mess'), 0o700);
    const r = run(['rollback', '--root', root]);
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, new RegExp(`^  /var/qmail/queue/mess: ${ID.qmailq}:${ID.qmail} 0700 now; run \\S+ left ${ID.qmailq}:${ID.qmail} 0750$`, 'm'));
  });

  it('a user missing from the tree\'s passwd is a note, and nothing is done for what it would own', (t) => {
    if (!needsRoot(t, 'the tree has files of the qmail users')) return;
    const { root, policy } = qmailTree(PASSWD.filter((l) => !l.startsWith('qmailq:')));
    const dry = run(['apply', policy, '--root', root, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stderr, /^mailharden: note: no user qmailq in the tree's \/etc\/passwd: hier\.c's owner and mode not set for \/var\/qmail\/queue\/mess, \/var\/qmail\/bin\/qmail-queue$/m);
    assert.doesNotMatch(dry.stdout, /qmail-queue|queue\/mess/);
    assert.match(dry.stdout, /4 host actions \(4 owners\)/);
  });

  it('without qmail.hier nothing of the tree is touched', (t) => {
    if (!needsRoot(t, 'the tree has files of the qmail users')) return;
    const { root, policy } = qmailTree();
    writeFileSync(policy, 'version: 1\nmta: [qmail]\nqmail:\n  hier: false\n');
    const r = run(['apply', policy, '--root', root, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^No changes: /);
  });
});

describe('rollback of a directory a run made (plan.owners mkdir)', () => {
  /** A run directory with a manifest that made DIR (as the smtpd log directory is made). */
  const madeBy = (root: string, dir: string): string => {
    const id = '20260101T000000.000Z';
    const runDir = join(root, RUNS, id);
    mkdirSync(runDir, { recursive: true, mode: 0o700 });
    chmodSync(runDir, 0o700);
    const steps = [{ op: 'owner', path: dir, from: null, to: { uid: ID.qmaill, gid: ID.nofiles, mode: 0o750 } }];
    writeFileSync(join(runDir, 'manifest.json'), JSON.stringify({ format: 'mailharden-run', version: 1, id, kind: 'apply', time: '2026-01-01T00:00:00.000Z', root, policy: 'policy.yaml', complete: true, steps }), { mode: 0o600 });
    mkdirSync(join(root, dir), { recursive: true });
    chownSync(join(root, dir), ID.qmaill, ID.nofiles);
    chmodSync(join(root, dir), 0o750);
    return id;
  };

  it("apply makes the smtpd log directory and the one above it, each recorded; rollback removes both", (t) => {
    if (!needsRoot(t, 'the log directory belongs to qmaill')) return;
    const { root, policy } = qmailTree();
    // The service directory is there (apply makes a missing one with the script, without recording it).
    mkdirSync(join(root, 'var/qmail/supervise/qmail-smtpd/log'), { recursive: true });
    writeFileSync(policy, 'version: 1\nmta: [qmail]\nqmail:\n  smtpd: {}\n');
    const before = state(root);
    const dry = run(['apply', policy, '--root', root, '--dry-run']);
    assert.match(dry.stdout, new RegExp(`^  mkdir -p -m 0700 /var/log/qmail/smtpd && chown ${ID.qmaill}:${ID.nofiles} /var/log/qmail/smtpd && chmod 0750 /var/log/qmail/smtpd    # the log directory`, 'm'));
    const applied = run(['apply', policy, '--root', root]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(own(root, 'var/log/qmail'), '755 0:0');
    assert.equal(own(root, 'var/log/qmail/smtpd'), `750 ${ID.qmaill}:${ID.nofiles}`);
    const [id] = readdirSync(join(root, RUNS));
    const steps = (JSON.parse(readFileSync(join(root, RUNS, id!, 'manifest.json'), 'utf8')) as { steps: { op: string; path: string; from: unknown }[] }).steps.filter((s) => s.op === 'owner' && s.from === null);
    assert.deepEqual(steps.map((s) => s.path), ['/var/log', '/var/log/qmail', '/var/log/qmail/smtpd']);
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(statSync(join(root, 'var/log'), { throwIfNoEntry: false }), undefined, 'the directories the run made are gone');
    assert.deepEqual(differences(before, state(root)), []);
  });

  it('removes it when empty, leaves it with a note when something is in it', (t) => {
    if (!needsRoot(t, 'the directory belongs to qmaill')) return;
    const root = tempDir('mh-hier-mkdir-');
    roots.push(root);
    madeBy(root, '/var/log/qmail/smtpd');
    const preview = run(['rollback', '--root', root, '--dry-run']);
    assert.equal(preview.code, 0, preview.stderr);
    assert.match(preview.stdout, /^  rmdir \/var\/log\/qmail\/smtpd    # made by run \S+ \(left, with a note, when something is in it now\)$/m);
    assert.equal(run(['rollback', '--list', '--root', root]).stdout.includes('1 directory made'), true);
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(statSync(join(root, 'var/log/qmail/smtpd'), { throwIfNoEntry: false }), undefined);
    assert.ok(statSync(join(root, 'var/log/qmail')).isDirectory(), 'only the directory the run made');

    const full = tempDir('mh-hier-mkdir-');
    roots.push(full);
    madeBy(full, '/var/log/qmail/smtpd');
    writeFileSync(join(full, 'var/log/qmail/smtpd/current'), '@400000 tcpserver: status: 0/20\n');
    const kept = run(['rollback', '--root', full]);
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stderr, /^mailharden: note: .*\/var\/log\/qmail\/smtpd: made by the run, but not empty now: left in place/m);
    assert.ok(statSync(join(full, 'var/log/qmail/smtpd/current')).isFile());
  });

  it('a manifest with an owner step out of range is refused', (t) => {
    if (!needsRoot(t, 'the directory belongs to qmaill')) return;
    const root = tempDir('mh-hier-bad-');
    roots.push(root);
    const id = madeBy(root, '/var/log/qmail/smtpd');
    const path = join(root, RUNS, id, 'manifest.json');
    writeFileSync(path, readFileSync(path, 'utf8').replace('"mode":488', '"mode":99999'));
    const r = run(['rollback', '--root', root]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /not a valid mailharden manifest: step 1 to: not an owner and mode/);
  });
});

/** Runs apply stopped at a fault point (MAILHARDEN_FAULT=stop:POINT), runs `during` there, and lets it go on: its exit code and output. */
async function applyStopped(args: string[], point: string, during: () => void): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [CLI, 'apply', ...args], { env: { ...process.env, NO_COLOR: '1', MAILHARDEN_FAULT: `stop:${point}` }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const wasStopped = await stopped(child.pid!);
  if (wasStopped) {
    during();
    process.kill(child.pid!, 'SIGCONT');
  }
  const code = await ended;
  assert.ok(wasStopped, `apply never stopped at ${point}:\n${output}`);
  return { code, output };
}

/** The smtpd service (its log directory under /var/log/qmail, which qmaill owns) in a hier tree. */
function smtpdTree(logDir?: { mode: number; uid: number; gid: number }): { root: string; policy: string } {
  const t = qmailTree();
  mkdirSync(join(t.root, 'var/qmail/supervise/qmail-smtpd/log'), { recursive: true });
  mkdirSync(join(t.root, 'var/log/qmail'), { recursive: true });
  chownSync(join(t.root, 'var/log/qmail'), ID.qmaill, ID.nofiles);
  if (logDir) {
    const d = join(t.root, 'var/log/qmail/smtpd');
    mkdirSync(d);
    chownSync(d, logDir.uid, logDir.gid);
    chmodSync(d, logDir.mode);
  }
  writeFileSync(t.policy, 'version: 1\nmta: [qmail]\nqmail:\n  smtpd: {}\n');
  return t;
}

describe('owner actions name the entry they are for (review of apply and rollback)', () => {
  it("rollback never gives root's owner or the run's set-id bits to a file the log directory's owner put where the directory was", (t) => {
    if (!needsRoot(t, 'the log directory belongs to qmaill')) return;
    const { root, policy } = smtpdTree({ mode: 0o2755, uid: 0, gid: 0 });
    const applied = run(['apply', policy, '--root', root]);
    assert.equal(applied.code, 0, applied.stderr);
    assert.equal(own(root, 'var/log/qmail/smtpd'), `2755 ${ID.qmaill}:${ID.nofiles}`);
    // qmaill owns /var/log/qmail: it removes its log directory and puts a set-gid program there, its own.
    const planted = join(root, 'var/log/qmail/smtpd');
    rmSync(planted, { recursive: true });
    writeFileSync(planted, '#!/bin/sh\nid\n');
    chownSync(planted, ID.qmaill, ID.nofiles);
    chmodSync(planted, 0o2755);
    const refused = run(['rollback', '--root', root]);
    assert.equal(refused.code, 6, refused.stderr);
    assert.match(refused.stderr, /^  \/var\/log\/qmail\/smtpd: file \d+:\d+ now, not the directory \d+:\d+ run \S+ left: its owner and mode are never changed back, even with --force$/m);
    const forced = run(['rollback', '--root', root, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.match(forced.stderr, /^mailharden: note: not changed back: \/var\/log\/qmail\/smtpd: file /m);
    assert.equal(own(root, 'var/log/qmail/smtpd'), `2755 ${ID.qmaill}:${ID.nofiles}`, "qmaill's file stays qmaill's");
  });

  it('rollback gives an owner back without set-id bits where a non-root user can write the parent', (t) => {
    if (!needsRoot(t, 'the log directory belongs to qmaill')) return;
    const { root, policy } = smtpdTree({ mode: 0o2755, uid: 0, gid: 0 });
    assert.equal(run(['apply', policy, '--root', root]).code, 0);
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stderr, new RegExp(`^mailharden: note: /var/log/qmail/smtpd: its set-id bits \\(02755\\) are not given back: /var/log/qmail belongs to uid ${ID.qmaill}$`, 'm'));
    assert.equal(own(root, 'var/log/qmail/smtpd'), '755 0:0');
  });

  it('a program renamed over qmail-queue between the plan and the change is not made set-uid', async (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const { root, policy } = qmailTree();
    writeFileSync(join(root, 'var/qmail/bin/qmail-local'), '#!/bin/true\n');
    chmodSync(join(root, 'var/qmail/bin/qmail-local'), 0o711);
    const r = await applyStopped([policy, '--root', root], 'after-writes', () => renameSync(join(root, 'var/qmail/bin/qmail-local'), join(root, 'var/qmail/bin/qmail-queue')));
    assert.equal(r.code, 3, r.output);
    assert.match(r.output, /^chown \d+:\d+ \/var\/qmail\/bin\/qmail-queue .*: \/var\/qmail\/bin\/qmail-queue is file \d+:\d+ now, not file \d+:\d+ as planned: another entry, not touched$/m);
    assert.equal(own(root, 'var/qmail/bin/qmail-queue'), '711 0:0');
  });

  it('qmail-queue of another user, or writable by others, is not made set-uid: reinstall it', (t) => {
    if (!needsRoot(t, 'the tree has files of the qmail users')) return;
    for (const [uid, mode] of [[ID.qmailr, 0o755], [0, 0o775]] as const) {
      const { root, policy } = qmailTree();
      chownSync(join(root, 'var/qmail/bin/qmail-queue'), uid, ID.qmail);
      chmodSync(join(root, 'var/qmail/bin/qmail-queue'), mode);
      const dry = run(['apply', policy, '--root', root, '--dry-run']);
      assert.equal(dry.code, 0, dry.stderr);
      assert.match(dry.stderr, new RegExp(`^mailharden: note: /var/qmail/bin/qmail-queue is ${uid}:${ID.qmail} 0${mode.toString(8)}: its bytes may be another user's, not made set-uid qmailq \\(reinstall qmail-queue`, 'm'));
      assert.doesNotMatch(dry.stdout, /qmail-queue/);
    }
  });

  it('a file taken from its user or closed to writers is a new inode: a descriptor opened before apply writes no more into it; rollback gives the owner back', (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const { root, policy } = qmailTree();
    const path = join(root, 'var/qmail/control/rcpthosts');
    const before = statSync(path);
    // qmaild (the owner) opened its rcpthosts for appending before the run.
    const fd = openSync(path, 'a');
    try {
      const applied = run(['apply', policy, '--root', root]);
      assert.equal(applied.code, 0, applied.stderr);
      writeSync(fd, 'evil.example\n');
    } finally {
      closeSync(fd);
    }
    const after = statSync(path);
    assert.notEqual(after.ino, before.ino, 'a new inode');
    assert.equal(readFileSync(path, 'utf8'), 'example.com\n', 'what was written through the old descriptor is not in rcpthosts');
    assert.equal(own(root, 'var/qmail/control/rcpthosts'), `644 0:${ID.nofiles}`);
    assert.ok(Math.abs(after.mtimeMs - before.mtimeMs) < 0.01, 'its times kept (to the microsecond futimes keeps)');
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(own(root, 'var/qmail/control/rcpthosts'), `666 ${ID.qmaild}:${ID.nofiles}`);
    assert.equal(readFileSync(path, 'utf8'), 'example.com\n');
  });

  it('a file apply rewrites is written once with the owner and mode of its owner action', async (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const { root, policy } = qmailTree();
    writeFileSync(policy, 'version: 1\nmta: [qmail]\nrelay:\n  domains: [example.org]\nqmail:\n  hier: true\n');
    const dry = run(['apply', policy, '--root', root, '--dry-run']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.doesNotMatch(dry.stdout, /chown .*control\/rcpthosts/);
    let between = '';
    const r = await applyStopped([policy, '--root', root], 'after-writes', () => (between = own(root, 'var/qmail/control/rcpthosts')));
    assert.equal(r.code, 0, r.output);
    assert.equal(between, `644 0:${ID.nofiles}`, 'the new rcpthosts has its owner and mode from the start');
    assert.match(readFileSync(join(root, 'var/qmail/control/rcpthosts'), 'utf8'), /^example\.org$/m);
    const rb = run(['rollback', '--root', root]);
    assert.equal(rb.code, 0, rb.stderr);
    assert.equal(own(root, 'var/qmail/control/rcpthosts'), `666 ${ID.qmaild}:${ID.nofiles}`);
  });

  it('rollback --force never makes a file that is gone again (and never as a directory)', (t) => {
    if (!needsRoot(t, 'chown to the qmail users needs root')) return;
    const { root, policy } = qmailTree();
    assert.equal(run(['apply', policy, '--root', root]).code, 0);
    rmSync(join(root, 'var/qmail/control/rcpthosts'));
    const rb = run(['rollback', '--root', root, '--force']);
    assert.equal(rb.code, 0, rb.stderr);
    assert.match(rb.stderr, /^mailharden: note: not changed back: \/var\/qmail\/control\/rcpthosts: absent now: a file is never made again by rollback/m);
    assert.equal(lstatSync(join(root, 'var/qmail/control/rcpthosts'), { throwIfNoEntry: false }), undefined);
    assert.equal(own(root, 'var/qmail/bin/qmail-queue'), '755 0:0', 'the other owners are given back');
  });

  it('a directory apply makes and finds replaced when it opens it again is not given its owner', async (t) => {
    if (!needsRoot(t, 'the log directory belongs to qmaill')) return;
    const { root, policy } = smtpdTree();
    const dir = join(root, 'var/log/qmail/smtpd');
    const r = await applyStopped([policy, '--root', root], 'after-mkdir:/var/log/qmail/smtpd', () => {
      rmdirSync(dir);
      mkdirSync(dir, { mode: 0o700 });
      chownSync(dir, ID.qmaill, ID.nofiles);
      mkdirSync(join(dir, 'sub'));
    });
    assert.equal(r.code, 3, r.output);
    assert.match(r.output, new RegExp(`/var/log/qmail/smtpd: not the empty 0700 directory just made \\(${ID.qmaill}:${ID.nofiles} 0700, 1 entry\\): replaced meanwhile, not touched$`, 'm'));
    assert.equal(own(root, 'var/log/qmail/smtpd'), `700 ${ID.qmaill}:${ID.nofiles}`);
  });
});
