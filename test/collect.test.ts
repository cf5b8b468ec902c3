import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, lchownSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { run } from './helpers/cli.js';
import { needs, tempDir } from './helpers/real.js';
import { ROOT } from './helpers/cli.js';
import { tarMembers } from '../src/host/archive.js';

interface JsonFinding {
  ruleId: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

/** The collector, printed by the CLI into a file. */
function script(dir: string): string {
  const r = run(['collect-script']);
  assert.equal(r.code, 0, r.stderr);
  const path = join(dir, 'collect.sh');
  writeFileSync(path, r.stdout);
  return path;
}

/** Runs the collector with `shell` (dash, busybox sh) on the tree under `root` ('' for this machine's /). */
function collect(shell: string[], path: string, out: string, root: string, env: Record<string, string> = {}): { stderr: string } {
  const r = spawnSync(shell[0]!, [...shell.slice(1), path, out], { encoding: 'utf8', env: { ...process.env, MAILHARDEN_COLLECT_ROOT: root, ...env }, timeout: 300_000 });
  assert.equal(r.status, 0, `${r.stderr}\n${r.stdout}`);
  return { stderr: r.stderr };
}

/** lint --root X -f json: the findings as rule, file (tree path), line, column and message. */
function findings(root: string, prefix: string): string[] {
  const r = run(['lint', '--root', root, '--format', 'json', '--fail-on', 'none'], { cwd: '/' });
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { findings: JsonFinding[] };
  return doc.findings.map((f) => {
    // Run from /, so shown relative to it.
    const file = resolve('/', f.file);
    assert.ok(file.startsWith(prefix), `${file} starts with ${prefix}`);
    return `${file.slice(prefix.length)}:${f.line}:${f.column} ${f.ruleId} ${f.message}`;
  }).sort();
}

/** A tree with the example host's files plus what the host rules look at: a passwd with a home and a .forward, a smrsh link, TLS files. */
function exampleTree(): { dir: string; root: string } {
  const dir = tempDir('mh-collect-');
  const root = join(dir, 'root');
  mkdirSync(root);
  cpSync(join(ROOT, 'examples', 'etc'), join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc/debian_version'), '12.0\n');
  writeFileSync(join(root, 'etc/passwd'), 'root:$6$secrethash$abc:0:0:root:/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n');
  writeFileSync(join(root, 'etc/group'), 'root:x:0:\nalice:x:1000:\n');
  mkdirSync(join(root, 'home/alice'), { recursive: true });
  writeFileSync(join(root, 'home/alice/.forward'), '"|/usr/bin/procmail"\n');
  chmodSync(join(root, 'home/alice/.forward'), 0o666);
  mkdirSync(join(root, 'etc/mail/smrsh'), { recursive: true });
  mkdirSync(join(root, 'usr/bin'), { recursive: true });
  writeFileSync(join(root, 'usr/bin/procmail'), '#!/bin/sh\n');
  chmodSync(join(root, 'usr/bin/procmail'), 0o755);
  symlinkSync('/usr/bin/procmail', join(root, 'etc/mail/smrsh/procmail'));
  symlinkSync('../../../usr/bin/nothing', join(root, 'etc/mail/smrsh/dangling'));
  mkdirSync(join(root, 'var/spool/mqueue'), { recursive: true });
  chmodSync(join(root, 'var/spool/mqueue'), 0o777);
  // qmail-tls's servercert.pem holds the key and the certificate: the key must not leave the host.
  mkdirSync(join(root, 'var/qmail/control'), { recursive: true });
  writeFileSync(join(root, 'var/qmail/control/servercert.pem'), `-----BEGIN PRIVATE KEY-----\nKEYBODYSECRETKEYBODYSECRET\n-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\nQ0VSVA==\n-----END CERTIFICATE-----\n`);
  chmodSync(join(root, 'var/qmail/control/servercert.pem'), 0o644);
  writeFileSync(join(root, 'var/qmail/control/rcpthosts'), 'example.com\n');
  writeFileSync(join(root, 'etc/mail/authinfo'), 'AuthInfo:relay.example "U:me" "P:hunter2"\n');
  return { dir, root };
}

describe('collect-script and lint --root FILE.tar.gz (issue 20)', () => {
  it('this machine: the archive of / lints finding for finding as lint --root / does', (t) => {
    if (!needs(t, '/usr/bin/dash', '/etc/mail/sendmail.cf')) return;
    const dir = tempDir('mh-collect-live-');
    const out = join(dir, 'host.tar.gz');
    collect(['/usr/bin/dash'], script(dir), out, '');
    const live = findings('/', '/');
    const archived = findings(out, `${out}/`);
    assert.ok(live.length > 0);
    assert.deepEqual(archived, live);
  });

  for (const shell of [['/usr/bin/dash'], ['/bin/busybox', 'sh']]) {
    it(`a tree (${shell.join(' ')}): the same findings, host rules included; no key, password or hash in the archive`, (t) => {
      if (!needs(t, shell[0]!)) return;
      const { dir, root } = exampleTree();
      const out = join(dir, 'tree.tgz');
      // busybox's own tools (stat, od, awk, tar, gzip) as a busybox-only host has them.
      const env: Record<string, string> = shell[0] === '/bin/busybox' ? { PATH: busyboxPath(dir) } : {};
      collect(shell, script(dir), out, root, env);
      const live = findings(root, `${root}/`);
      const archived = findings(out, `${out}/`);
      // The host rules saw the metadata: the .forward's mode and pipe, the queue's mode, the key's mode.
      for (const id of ['MH6006', 'MH6001', 'MH4045', 'MH6005']) assert.ok(live.some((f) => f.includes(` ${id} `)), `${id} in ${live.join('\n')}`);
      assert.deepEqual(archived, live);
      const bytes = gunzipSync(readFileSync(out));
      for (const secret of ['KEYBODYSECRET', 'hunter2', 'secrethash']) assert.equal(bytes.includes(secret), false, secret);
      assert.ok(bytes.includes('Q0VSVA=='), 'the certificate is kept');
    });
  }

  it('bounded: a file over MAILHARDEN_MAX_FILE stays out of the archive, and lint says so (MH6000) instead of judging nothing', (t) => {
    if (!needs(t, '/usr/bin/dash')) return;
    const { dir, root } = exampleTree();
    const out = join(dir, 'small.tar.gz');
    collect(['/usr/bin/dash'], script(dir), out, root, { MAILHARDEN_MAX_FILE: '300' });
    const archived = findings(out, `${out}/`);
    assert.ok(archived.some((f) => /^etc\/mail\/sendmail\.cf:1:1 MH6000 .*larger than the collector's MAILHARDEN_MAX_FILE/.test(f)), archived.join('\n'));
    assert.ok(!archived.some((f) => / MH1050 /.test(f)));
    assert.ok(gunzipSync(readFileSync(out)).length < 64 * 1024);
  });

  it('a hostile user: a link of theirs to a root-only file, or a file they swap for a link or a FIFO after it was looked at, leaks nothing and blocks nothing', (t) => {
    if (!needs(t, '/usr/bin/dash')) return;
    if (process.getuid?.() !== 0) return t.skip('needs root (a link owned by another user)');
    const { dir, root } = exampleTree();
    mkdirSync(join(root, 'etc/mysql'), { recursive: true });
    writeFileSync(join(root, 'etc/mysql/debian.cnf'), '[client]\npassword = TOPSECRETDBPW\n', { mode: 0o600 });
    writeFileSync(join(root, 'etc/passwd'), `${readFileSync(join(root, 'etc/passwd'), 'utf8')}evil:x:1000:1000::/home/evil:/bin/sh\nmallory:x:1001:1001::/home/mallory:/bin/sh\n`);
    mkdirSync(join(root, 'home/evil'), { recursive: true });
    symlinkSync('/etc/mysql/debian.cnf', join(root, 'home/evil/.forward'));
    lchownSync(join(root, 'home/evil/.forward'), 1000, 1000);
    // A path a collected file names is taken whole when it lies in the mail directory: spelled with .. it does not.
    // Key bytes the collector copies a file with: an indented PEM key, a PGP secret key block.
    writeFileSync(join(root, 'etc/mail/indented.pem'), ' -----BEGIN RSA PRIVATE KEY-----\n TOPSECRETDBPW3\n -----END RSA PRIVATE KEY-----\n');
    writeFileSync(join(root, 'etc/mail/pgp.asc'), '-----BEGIN PGP PRIVATE KEY BLOCK-----\nTOPSECRETDBPW4\n-----END PGP PRIVATE KEY BLOCK-----\n');
    writeFileSync(join(root, 'etc/mysql/other.cnf'), '[client]\npassword = TOPSECRETDBPW2\n', { mode: 0o600 });
    writeFileSync(join(root, 'home/alice/.forward'), '"|/usr/bin/procmail /etc/mail/../mysql/other.cnf"\n');
    // mallory's .forward is a plain file when the collector looks at it (stat), and a link to the
    // secret, or a FIFO no one writes, when it reads it: a stat in PATH plays mallory winning that race
    // (the link names the secret by its path on this machine, as the kernel resolves it on a host).
    mkdirSync(join(root, 'home/mallory'), { recursive: true });
    const forward = join(root, 'home/mallory/.forward');
    const bin = join(dir, 'racing-bin');
    mkdirSync(bin);
    for (const swap of ['link', 'fifo'] as const) {
      writeFileSync(forward, 'mallory@example.com\n');
      writeFileSync(join(bin, 'stat'), `#!/bin/sh\n/usr/bin/stat "$@"; rc=$?\ncase "$*" in *%Y*'${forward}') rm -f '${forward}'; ${swap === 'link' ? `ln -s '${join(root, 'etc/mysql/debian.cnf')}' '${forward}'` : `mkfifo '${forward}'`} ;; esac\nexit $rc\n`, { mode: 0o755 });
      const out = join(dir, `${swap}.tgz`);
      const started = Date.now();
      const r = spawnSync('/usr/bin/dash', [script(dir), out], { encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, MAILHARDEN_COLLECT_ROOT: root }, timeout: 60_000 });
      assert.equal(r.status, 0, `${swap}: ${r.error?.message ?? ''} after ${Date.now() - started} ms: ${r.stderr}`);
      const bytes = gunzipSync(readFileSync(out));
      assert.equal(bytes.includes('TOPSECRETDBPW'), false, `${swap}: the secret is in the archive (${bytes.includes('TOPSECRETDBPW2') ? 'named with ..' : bytes.includes('TOPSECRETDBPW3') || bytes.includes('TOPSECRETDBPW4') ? 'a key' : 'through the link'})`);
      // The link's metadata is still there for the host rules: evil's .forward is a link to the file.
      assert.ok(bytes.includes(hex('/etc/mysql/debian.cnf')), swap);
      rmSync(forward);
    }
  });

  it('the archive is written to a new file of its own: a link a user put at a name the collector would use is not written through', (t) => {
    if (!needs(t, '/usr/bin/dash')) return;
    const { dir, root } = exampleTree();
    const victim = join(dir, 'victim');
    writeFileSync(victim, 'precious\n');
    const out = join(dir, 'out.tar.gz');
    // exec keeps the PID: the link is at $out.tmp.$$ as the collector computes it.
    const r = spawnSync('/bin/sh', ['-c', `ln -s "$2" "$1.tmp.$$" && exec /usr/bin/dash "$0" "$1"`, script(dir), out, victim], { encoding: 'utf8', env: { ...process.env, MAILHARDEN_COLLECT_ROOT: root }, timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(victim, 'utf8'), 'precious\n');
    assert.ok(gunzipSync(readFileSync(out)).includes('mailharden-collect 1'));
  });

  it('an archive that is not one, damaged or hostile: exit 2 with one line, nothing read outside', () => {
    const dir = tempDir('mh-collect-bad-');
    const write = (name: string, data: Buffer): string => {
      writeFileSync(join(dir, name), data);
      return join(dir, name);
    };
    const tar = (members: [string, string][]): Buffer => Buffer.concat([...members.flatMap(([n, body]) => [header(n, body.length), pad(Buffer.from(body))]), Buffer.alloc(1024)]);
    const cases: [string, Buffer, RegExp][] = [
      ['plain.tar.gz', Buffer.from('not gzip'), /not a gzip archive/],
      ['truncated.tar.gz', gzipSync(tar([['manifest', 'mailharden-collect 1\n']])).subarray(0, 20), /not a gzip archive/],
      ['nomanifest.tar.gz', gzipSync(tar([['../../etc/passwd', 'x']])), /no manifest/],
      ['format.tar.gz', gzipSync(tar([['manifest', 'something else\n']])), /not format 1/],
      // A path with .. in it, a relative one, a link without a target, content that is not there.
      ['dotdot.tar.gz', gzipSync(tar([['manifest', `mailharden-collect 1\nE ${hex('/etc/../../x')} 81a4 0 0 1 1 - - - - -\n`]])), /manifest line 2: a path that is not an absolute, normalised one/],
      ['relative.tar.gz', gzipSync(tar([['manifest', `mailharden-collect 1\nE ${hex('etc/x')} 81a4 0 0 1 1 - - - - -\n`]])), /manifest line 2: a path/],
      ['link.tar.gz', gzipSync(tar([['manifest', `mailharden-collect 1\nE ${hex('/etc/x')} a1ff 0 0 1 1 - - - - -\n`]])), /a link without a valid target/],
      ['content.tar.gz', gzipSync(tar([['manifest', `mailharden-collect 1\nE ${hex('/etc/x')} 81a4 0 0 1 1 - - - - 7\n`]])), /files\/7 is not in the archive/],
    ];
    for (const [name, data, expect] of cases) {
      const r = run(['lint', '--root', write(name, data)]);
      assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, expect, name);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    // Found by review: a manifest of 64 MiB of newlines, or of one line of spaces (64 KiB compressed),
    // was split into as many strings at once: Node died out of memory with a V8 trace (3.7 GB and a
    // SIGTRAP for 500 MiB at the default heap; here 256 MiB of heap makes 64 MiB enough).
    for (const [name, fill, expect] of [['newlines.tar.gz', 0x0a, /manifest line 200010: more than 200000 paths/], ['spaces.tar.gz', 0x20, /manifest line 2: not a line of the manifest/]] as const) {
      const body = Buffer.alloc(64 * 1024 * 1024, fill);
      body.write(fill === 0x0a ? 'mailharden-collect 1\n' : 'mailharden-collect 1\nE', 0, 'latin1');
      const bomb = gzipSync(Buffer.concat([header('manifest', body.length), body, Buffer.alloc(1024)]), { level: 1 });
      const r = run(['lint', '--root', write(name, bomb)], { env: { NODE_OPTIONS: '--max-old-space-size=256' } });
      assert.equal(r.code, 2, `${name}: ${r.stdout}${r.stderr.slice(0, 2000)}`);
      assert.match(r.stderr, expect, name);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    }
    // A bad header checksum.
    const damaged = tar([['manifest', 'mailharden-collect 1\n']]);
    damaged[10] = 0x41;
    assert.throws(() => tarMembers(damaged, 'x'), /bad checksum/);
  });
});

function hex(s: string): string {
  return Buffer.from(s).toString('hex');
}

/** A ustar header for a regular file (the fields the reader checks). */
function header(name: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'latin1');
  h.write('0000644\0', 100);
  h.write('0000000\0', 108);
  h.write('0000000\0', 116);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('0', 156);
  h.write('ustar\u000000', 257, 'latin1');
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return h;
}

function pad(b: Buffer): Buffer {
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
}

/** A directory whose only programs are busybox's applets, and e2fsprogs' lsattr (Debian's busybox has none). */
function busyboxPath(dir: string): string {
  const bin = join(dir, 'busybox-bin');
  mkdirSync(bin, { recursive: true });
  for (const applet of ['sh', 'stat', 'od', 'tr', 'grep', 'awk', 'sort', 'head', 'tar', 'gzip', 'mktemp', 'rm', 'mv', 'mkdir', 'cat', 'wc', 'readlink', 'hostname', 'date', 'dd']) symlinkSync('/bin/busybox', join(bin, applet));
  symlinkSync('/usr/bin/lsattr', join(bin, 'lsattr'));
  return bin;
}
