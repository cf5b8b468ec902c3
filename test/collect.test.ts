import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
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
  for (const applet of ['sh', 'stat', 'od', 'tr', 'grep', 'awk', 'sort', 'head', 'tar', 'gzip', 'mktemp', 'rm', 'mv', 'mkdir', 'cat', 'wc', 'readlink', 'hostname', 'date']) symlinkSync('/bin/busybox', join(bin, applet));
  symlinkSync('/usr/bin/lsattr', join(bin, 'lsattr'));
  return bin;
}
