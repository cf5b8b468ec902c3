import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, readFileSync, readlinkSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { lint } from '../src/lint/request.js';
import { rules } from '../rules/index.js';
import { run } from './helpers/cli.js';
import { DEBIAN_ACCESS, DEBIAN_HELPFILE, DEBIAN_SUBMIT_MC, stockTree } from './helpers/debian-tree.js';
import { debianCf, DEBIAN_MC, M4, MAKEMAP, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';
import { Workdir } from '../src/apply/workdir.js';

/**
 * apply on a stock Debian install (a --root tree, test/helpers/debian-tree.ts): the files it edits and
 * rebuilds are those the cf in force names, judged by the real makemap (what the databases hold) and
 * by lint --root afterwards (nothing apply leaves behind is a finding).
 */

const ALIASES = 'postmaster: root\ndecode: "|/usr/bin/uudecode"\nstaff: root\n';

/** The keys and values of a database, as the real makemap dumps it. */
function dump(type: string, path: string): Map<string, string> {
  const r = spawnSync(MAKEMAP, ['-u', type, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `makemap -u ${type} ${path}: ${r.stderr}`);
  return new Map(r.stdout.split('\n').filter(Boolean).map((l) => {
    const m = /^(\S+)\s+(.*)$/.exec(l)!;
    return [m[1]!.toLowerCase(), m[2]!];
  }));
}

/** A stock tree with an aliases file that has a program alias, and a policy file for it. */
function setup(t: TestContext, policy: string): { root: string; policyPath: string } | undefined {
  if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, DEBIAN_HELPFILE, DEBIAN_ACCESS)) return undefined;
  if (!needsRoot(t, 'the stock tree has files of other owners, and sendmail -bi writes the db as TrustedUser')) return undefined;
  const root = stockTree();
  const aliases = join(root, 'etc/aliases');
  writeFileSync(aliases, ALIASES);
  const old = Date.now() / 1000 - 7200;
  utimesSync(aliases, old, old);
  const policyPath = join(tempDir('mh-inforce-'), 'policy.yaml');
  writeFileSync(policyPath, policy);
  return { root, policyPath };
}

const findingKeys = async (root: string): Promise<string[]> => (await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false })).findings.map((f) => `${f.ruleId} ${f.file}`);

/** The findings of `after` that `before` does not have (as a multiset of rule and file). */
function added(before: readonly string[], after: readonly string[]): string[] {
  const left = [...before];
  return after.filter((k) => {
    const i = left.indexOf(k);
    if (i < 0) return true;
    left.splice(i, 1);
    return false;
  });
}

const POLICY = `version: 1
profile: debian
mta: [sendmail]
relay:
  networks: [127.0.0.0/8, 10.1.2.0/24]
privacy: [authwarnings, noexpn, novrfy, noetrn, restrictmailq, restrictqrun, needmailhelo]
aliases:
  strip: [decode]
  root: ops@example.com
greeting: "$j"
`;

describe('apply on a stock Debian tree: what is written is what sendmail reads', () => {
  it("edits /etc/aliases through the link the cf's AliasFile names and rebuilds /etc/mail/aliases.db; the access map of Kaccess; lint --root then finds nothing apply caused", async (t) => {
    const s = setup(t, POLICY);
    if (!s) return;
    const { root, policyPath } = s;
    const before = await findingKeys(root);
    const dbBefore = statSync(join(root, 'etc/mail/aliases.db'));
    const r = run(['apply', policyPath, '--root', root, '--no-backup']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^ {2}sendmail -bi -oA\/etc\/mail\/aliases {4}# rebuild the aliases database/m);
    assert.match(r.stdout, /^ {2}makemap hash \/etc\/mail\/access < \/etc\/mail\/access {4}# rebuild the access database/m);

    // The link stays a link; the text it names is edited; the database sendmail opens is rebuilt, with its mode and owner.
    assert.equal(readlinkSync(join(root, 'etc/mail/aliases')), '../aliases');
    assert.doesNotMatch(readFileSync(join(root, 'etc/aliases'), 'utf8'), /uudecode/);
    assert.ok(!existsSync(join(root, 'etc/aliases.db')), 'a database beside /etc/aliases, which sendmail does not read');
    const db = dump('hash', join(root, 'etc/mail/aliases.db'));
    assert.ok(!db.has('decode'), 'decode still in /etc/mail/aliases.db');
    assert.equal(db.get('root'), 'ops@example.com');
    assert.equal(db.get('staff'), 'root');
    const dbAfter = lstatSync(join(root, 'etc/mail/aliases.db'));
    assert.deepEqual([dbAfter.mode & 0o7777, dbAfter.uid, dbAfter.gid], [dbBefore.mode & 0o7777, dbBefore.uid, dbBefore.gid]);
    const access = dump('hash', join(root, 'etc/mail/access.db'));
    assert.equal(access.get('connect:10.1.2'), 'RELAY');
    // Debian's access is 0600 and its database 0640 smmta:smmsp: the rebuilt one keeps the owner and is
    // readable by no more than its source.
    const accessDb = lstatSync(join(root, 'etc/mail/access.db'));
    assert.equal((lstatSync(join(root, 'etc/mail/access')).mode & 0o777).toString(8), '600');
    assert.equal((accessDb.mode & 0o7777).toString(8), '600');

    // Sources before what is built from them: the cf is not older than its .mc, the databases not older than their texts.
    const mtime = (p: string): number => statSync(join(root, p)).mtimeMs;
    assert.ok(mtime('etc/mail/sendmail.cf') >= mtime('etc/mail/sendmail.mc'), 'sendmail.cf older than sendmail.mc');
    assert.ok(mtime('etc/mail/aliases.db') >= mtime('etc/aliases'), 'aliases.db older than aliases');
    assert.ok(mtime('etc/mail/access.db') >= mtime('etc/mail/access'), 'access.db older than access');

    const after = await findingKeys(root);
    assert.deepEqual(after.filter((k) => k.startsWith('MH6010')), [], 'lint reports a stale or missing derived file after apply');
    assert.deepEqual(added(before, after), [], 'findings lint reports after apply that it did not before');

    // A second run finds nothing to do.
    const again = run(['apply', policyPath, '--root', root, '--no-backup']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes:/m);
  });

  it('paths.aliases naming the link (/etc/mail/aliases) edits the file it points at and rebuilds the database under the link', async (t) => {
    const s = setup(t, `${POLICY}paths:\n  aliases: /etc/mail/aliases\n`);
    if (!s) return;
    const { root, policyPath } = s;
    const r = run(['apply', policyPath, '--root', root, '--no-backup']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.equal(readlinkSync(join(root, 'etc/mail/aliases')), '../aliases');
    assert.doesNotMatch(readFileSync(join(root, 'etc/aliases'), 'utf8'), /uudecode/);
    assert.ok(!dump('hash', join(root, 'etc/mail/aliases.db')).has('decode'));
    assert.ok(!existsSync(join(root, 'etc/aliases.db')));
  });

  it('a link that leads out of the root is refused, naming it', async (t) => {
    const s = setup(t, POLICY);
    if (!s) return;
    const { root, policyPath } = s;
    const link = join(root, 'etc/mail/aliases');
    spawnSync('rm', [link]);
    spawnSync('ln', ['-s', '../../../../../../../../etc/aliases', link]);
    const r = run(['apply', policyPath, '--root', root, '--dry-run']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\/etc\/mail\/aliases is a symlink \(to \.\.\/\.\.\/[^)]*\) that leads out of the root/);
  });

  it("a link another user may have made is followed only to a file the profile or policy names (smmta's /etc/mail/aliases to /etc/shadow, Mailman's aliases to /etc/shadow, the access map likewise)", async (t) => {
    const s = setup(t, POLICY);
    if (!s) return;
    const { root, policyPath } = s;
    const shadow = join(root, 'etc/shadow');
    const secret = 'root:$6$secret$hash:19000:0:99999:7:::\ngames:*:19000:0:99999:7:::\n';
    writeFileSync(shadow, secret, { mode: 0o640 });
    // The tree's /etc/mail is smmta's, as on Debian: its link to ../aliases is followed, since the
    // profile names /etc/aliases (the first test); pointed at /etc/shadow, it is refused.
    const link = join(root, 'etc/mail/aliases');
    spawnSync('rm', [link]);
    spawnSync('ln', ['-s', '../shadow', link]);
    const r = run(['apply', policyPath, '--root', root, '--no-backup']);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /\/etc\/mail\/aliases is a symlink \(to \.\.\/shadow\) in a directory another user \(uid \d+, or its group or others\) can change, leading to \/etc\/shadow, which neither the profile nor the policy's paths name/);
    assert.equal(readFileSync(shadow, 'utf8'), secret);

    // A second alias file in a directory its owner (uid 38, Mailman's list) controls, linked to /etc/shadow.
    spawnSync('rm', [link]);
    spawnSync('ln', ['-s', '../aliases', link]);
    const data = join(root, 'var/lib/mailman/data');
    spawnSync('mkdir', ['-p', data]);
    spawnSync('chown', ['38:38', data]);
    spawnSync('ln', ['-s', '/etc/shadow', join(data, 'aliases')]);
    const cf = join(root, 'etc/mail/sendmail.cf');
    writeFileSync(cf, readFileSync(cf, 'utf8').replace(/^O AliasFile=.*$/m, 'O AliasFile=/etc/mail/aliases,/var/lib/mailman/data/aliases'));
    const m = run(['apply', policyPath, '--root', root, '--no-backup']);
    assert.equal(m.code, 3, m.stderr);
    assert.match(m.stderr, /\/var\/lib\/mailman\/data\/aliases is a symlink \(to \/etc\/shadow\) in a directory another user \(uid 38, or its group or others\) can change/);
    assert.equal(readFileSync(shadow, 'utf8'), secret);
    assert.ok(!existsSync(join(data, 'aliases.db')));

    // The access map the cf names, linked by smmta to /etc/shadow.
    writeFileSync(cf, readFileSync(cf, 'utf8').replace(/^O AliasFile=.*$/m, 'O AliasFile=/etc/mail/aliases'));
    const access = join(root, 'etc/mail/access');
    spawnSync('rm', [access]);
    spawnSync('ln', ['-s', '../shadow', access]);
    const a = run(['apply', policyPath, '--root', root, '--no-backup']);
    assert.equal(a.code, 3, a.stderr);
    assert.match(a.stderr, /\/etc\/mail\/access is a symlink \(to \.\.\/shadow\) in a directory another user/);
    assert.equal(readFileSync(shadow, 'utf8'), secret);
  });

  it("every file map of AliasFile is edited, and the access map's class decides makemap's (btree); a map without a file (nis) is left out", async (t) => {
    const s = setup(t, POLICY);
    if (!s) return;
    const { root, policyPath } = s;
    const cfPath = join(root, 'etc/mail/sendmail.cf');
    const cf = readFileSync(cfPath, 'utf8');
    const edited = cf.replace(/^O AliasFile=.*$/m, 'O AliasFile=/etc/mail/aliases,nis:mail.aliases,btree:/etc/mail/local-aliases').replace(/^Kaccess hash /m, 'Kaccess btree ');
    assert.notEqual(edited, cf);
    writeFileSync(cfPath, edited);
    writeFileSync(join(root, 'etc/mail/local-aliases'), 'decode: root\nlocal: root\n');
    const r = run(['apply', policyPath, '--root', root, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}sendmail -bi -oA\/etc\/mail\/aliases {4}#/m);
    assert.match(r.stdout, /^ {2}sendmail -bi -oAbtree:\/etc\/mail\/local-aliases {4}#/m);
    assert.match(r.stdout, /^ {2}makemap btree \/etc\/mail\/access < \/etc\/mail\/access {4}#/m);
    assert.match(r.stdout, /^-decode: root$/m, 'decode stripped from the second file too');
    assert.doesNotMatch(r.stdout, /mail\.aliases/);
    // Built for real: each database with its class, where sendmail opens it.
    const real = run(['apply', policyPath, '--root', root, '--no-backup']);
    assert.equal(real.code, 0, `${real.stdout}\n${real.stderr}`);
    assert.deepEqual([...dump('btree', join(root, 'etc/mail/local-aliases.db'))].filter(([k]) => k !== '@'), [['local', 'root']], 'the @ key is sendmail\'s mark of a complete build');
    assert.ok(!dump('hash', join(root, 'etc/mail/aliases.db')).has('decode'));
    assert.equal(dump('btree', join(root, 'etc/mail/access.db')).get('connect:10.1.2'), 'RELAY');
  });

  it('databases are built where a hardened sendmail accepts them (DontBlameSendmail=safe refuses a sticky /tmp)', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'the build directory of a root run')) return;
    const work = Workdir.make();
    const dir = tempDir('mh-hardened-');
    try {
      const cf = join(dir, 'hardened.cf');
      writeFileSync(cf, debianCf().replace(/^O DontBlameSendmail=.*$/m, 'O DontBlameSendmail=safe'));
      const build = (at: string): number | null => {
        writeFileSync(join(at, 'aliases'), 'root: ops@example.com\n');
        return spawnSync(SENDMAIL, ['-C', cf, '-bi', `-oA${join(at, 'aliases')}`], { encoding: 'utf8' }).status;
      };
      const tmpOne = tempDir('mh-hardened-tmp-');
      chmodSync(tmpOne, 0o700);
      assert.notEqual(build(tmpOne), 0, 'under the sticky /tmp the hardened sendmail builds nothing (the measurement this depends on)');
      assert.equal(build(work.path), 0, `${work.path}: the run's build directory`);
    } finally {
      work.close();
    }
  });
});
