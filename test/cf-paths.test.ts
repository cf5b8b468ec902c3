import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import { lint } from '../src/lint/request.js';
import { aliasSources, mailerPrograms, queueDirectory } from '../src/model/cf-paths.js';
import { parseAs } from '../src/parsers/documents.js';
import { rules } from '../rules/index.js';
import { debianCf, DEBIAN_MC, M4, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';
import { buildTree, parseTree } from './helpers/tree-spec.js';

const cfDoc = (text: string) => parseAs('sendmail-cf', new SourceFile('test.cf', text));

describe('src/model/cf-paths: the files and programs a cf names', () => {
  it("reads Debian's stock cf (built now by m4): AliasFile /etc/mail/aliases with its database next to it, Mlocal sensible-mda, Mprog /bin/sh", (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const doc = cfDoc(debianCf());
    assert.deepEqual(aliasSources(doc.sendmail).map((a) => [a.class, a.path, a.db]), [['implicit', '/etc/mail/aliases', '/etc/mail/aliases.db']]);
    assert.deepEqual(mailerPrograms(doc).map((m) => [m.mailer, m.path]), [['local', '/usr/sbin/sensible-mda'], ['prog', '/bin/sh']]);
    assert.ok(mailerPrograms(doc)[0]!.flags.includes('l'));
    assert.equal(queueDirectory(doc.sendmail), '/var/spool/mqueue');
  });

  it('reads a multiple-queue QueueDirectory as its parent', () => {
    assert.equal(queueDirectory(cfDoc('V10/Berkeley\nO QueueDirectory=/var/spool/mqueue/q*\n').sendmail), '/var/spool/mqueue');
  });

  // Each value goes through the real `sendmail -bi`: the databases it builds are the ones aliasSources names.
  const VALUES = [
    '/A/a1',
    'hash:/A/a1',
    'HASH:/A/a1',
    'hash:-N /A/a1, /A/a2',
    'implicit:/A/a1,btree:/A/a2',
    '-N /A/a1',
    'hash:/A/a1 /A/a2',
    'text:/A/a1',
    'hash:/A/a1,nis:mail.aliases',
    ' /A/a1 , hash:/A/a2 ',
  ];
  for (const value of VALUES) {
    it(`AliasFile=${value}: the databases named are those sendmail -bi builds`, (t) => {
      if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
      if (!needsRoot(t, 'sendmail -bi with -C needs root')) return;
      const dir = tempDir('mh-aliasfile-');
      for (const n of ['a1', 'a2']) writeFileSync(join(dir, n), `${n}: root\n`, { mode: 0o644 });
      const cf = debianCf().replace(/^O AliasFile=.*$/m, `O AliasFile=${value.replaceAll('/A/', `${dir}/`)}`);
      writeFileSync(join(dir, 'test.cf'), cf);
      spawnSync(SENDMAIL, ['-C', join(dir, 'test.cf'), '-bi'], { encoding: 'utf8', timeout: 30_000 });
      const built = readdirSync(dir).filter((n) => n.endsWith('.db')).map((n) => join(dir, n)).sort();
      const named = aliasSources(cfDoc(cf).sendmail).flatMap((a) => (a.db ? [a.db] : [])).sort();
      assert.deepEqual(named, built);
    });
  }

  it('every AliasFile line adds its maps (sendmail -bi builds both databases)', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'sendmail -bi with -C needs root')) return;
    const dir = tempDir('mh-aliasfile-');
    for (const n of ['a1', 'a2']) writeFileSync(join(dir, n), `${n}: root\n`, { mode: 0o644 });
    const cf = debianCf().replace(/^O AliasFile=.*$/m, `O AliasFile=${dir}/a1\nO AliasFile=hash:${dir}/a2`);
    writeFileSync(join(dir, 'test.cf'), cf);
    spawnSync(SENDMAIL, ['-C', join(dir, 'test.cf'), '-bi'], { encoding: 'utf8', timeout: 30_000 });
    assert.ok(existsSync(join(dir, 'a1.db')) && existsSync(join(dir, 'a2.db')));
    assert.deepEqual(aliasSources(cfDoc(cf).sendmail).map((a) => a.db), [`${dir}/a1.db`, `${dir}/a2.db`]);
  });
});

describe("lint --root on Debian's stock cf, laid out with Debian's owners and modes", () => {
  it('the stale aliases database is /etc/mail/aliases.db, sensible-mda is missing, /etc/mail and /etc/mail/m4 belong to smmta', async (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'building trees with other owners needs root')) return;
    const esc = (s: string) => s.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('\t', '\\t');
    const fx = parseTree('debian-stock', [
      'file /etc/debian_version 0644 root root 12.8\\n',
      'file /etc/passwd 0644 root root root:x:0:0:root:/root:/bin/bash\\nsmmta:x:108:114:Mail Transfer Agent,,,:/var/lib/sendmail:/usr/sbin/nologin\\n',
      'file /etc/group 0644 root root root:x:0:\\nsmmsp:x:114:\\n',
      'dir /etc/mail 02755 108 114',
      'dir /etc/mail/m4 02755 108 114',
      `file /etc/mail/sendmail.cf 0644 root 114 mtime=-7000 ${esc(debianCf())}`,
      'file /etc/mail/sendmail.mc 0644 root 114 mtime=-7200 divert(-1)dnl\\n',
      'file /etc/aliases 0644 root root mtime=-60 postmaster: root\\n',
      'link /etc/mail/aliases ../aliases',
      'file /etc/mail/aliases.db 0640 108 114 mtime=-3600',
      // not in force: a database next to /etc/aliases is never read
      'file /etc/aliases.db 0640 root root mtime=-7200',
      'file /usr/libexec/sendmail/sendmail 02755 root 114',
      'link /usr/sbin/sendmail-mta ../libexec/sendmail/sendmail',
      'file /usr/bin/dash 0755 root root',
      'link /bin /usr/bin',
      'link /usr/bin/sh dash',
    ].join('\n'));
    const root = buildTree(fx);
    const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, select: ['MH6004', 'MH6010', 'MH6011'] });
    const got = report.findings.map((f) => `${f.ruleId} ${f.file}`).sort();
    assert.deepEqual(got, ['MH6004 etc/mail', 'MH6004 etc/mail/m4', 'MH6010 etc/mail/aliases.db', 'MH6011 etc/mail/sendmail.cf'], report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.message}`).join('\n'));
    assert.match(report.findings.find((f) => f.ruleId === 'MH6011')!.message, /mailer local runs \/usr\/sbin\/sensible-mda, which does not exist/);
  });
});
