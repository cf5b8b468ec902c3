import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import type { Report } from '../src/core/rule.js';
import type { HostDocument } from '../src/host/document.js';
import { LAYOUTS, readAccounts } from '../src/host/layout.js';
import { HostTree, type AttributeReader } from '../src/host/tree.js';
import { lint } from '../src/lint/request.js';
import { rules } from '../rules/index.js';
import immutableBit from '../rules/host/MH6007-immutable-bit.js';
import { debianCf, needs, SENDMAIL, tempDir } from './helpers/real.js';
import { smtpSession } from './helpers/smtp-bs.js';

const asRoot = process.getuid?.() === 0;

/** A host document over a tree, with no mail files parsed (enough for rules that only look at metadata). */
function hostOf(tree: HostTree): HostDocument {
  return { kind: 'host', tree, layout: LAYOUTS.debian, accounts: readAccounts(tree), files: [], fileOf: () => undefined };
}

/** Runs one host rule's check directly and returns what it reported. */
function run(rule: typeof immutableBit, host: HostDocument): Report[] {
  const out: Report[] = [];
  rule.check(host, { file: new SourceFile('', ''), kind: 'host', settings: { localOnly: false }, directiveProblems: [], suppressionUses: [], part: { first: true, last: true, state: (init) => init() }, report: (r) => out.push(r) });
  return out;
}

/** `lint --root` over a directory; the unsuppressed findings of one rule, as `path:line message`. */
async function findingsOf(root: string, id: string): Promise<string[]> {
  const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, profile: 'debian' });
  return report.findings.filter((f) => f.ruleId === id && !f.suppressed).map((f) => `/${f.file}:${f.line} ${f.message}`);
}

/** A fresh tree root (0755, as `/` is). */
function newRoot(): string {
  const root = tempDir('mh-host-');
  chmodSync(root, 0o755);
  return root;
}

function put(root: string, path: string, text: string, mode = 0o644): string {
  const full = join(root, path);
  mkdirSync(join(full, '..'), { recursive: true, mode: 0o755 });
  writeFileSync(full, text);
  chmodSync(full, mode);
  return full;
}

describe('MH6007 immutable-bit: the attribute reader seam', () => {
  const root = newRoot();
  put(root, '/etc/mail/sendmail.cf', 'V10/Berkeley\n');
  put(root, '/etc/aliases', 'postmaster: root\n');
  put(root, '/etc/mail/access', 'Connect:127.0.0.1 RELAY\n', 0o600);
  const host = (path: string) => join(root, path);

  it('reports the files whose attributes say "not immutable"', () => {
    const fake: AttributeReader = () => new Map([[host('/etc/mail/sendmail.cf'), '----i---------e-------'], [host('/etc/aliases'), '--------------e-------'], [host('/etc/mail/access'), '--------------e-------']]);
    const found = run(immutableBit, hostOf(new HostTree(root, fake))).map((r) => r.path);
    assert.deepEqual(found.sort(), ['/etc/aliases', '/etc/mail/access']);
  });

  it('reports nothing where the attributes cannot be read (filesystem without them, no lsattr)', () => {
    const none: AttributeReader = () => new Map();
    assert.deepEqual(run(immutableBit, hostOf(new HostTree(root, none))), []);
    const partial: AttributeReader = () => new Map([[host('/etc/aliases'), '--------------e-------']]);
    assert.deepEqual(run(immutableBit, hostOf(new HostTree(root, partial))).map((r) => r.path), ['/etc/aliases']);
  });

  it('asks for each file once, by its real path, and never for links, directories or missing files', () => {
    symlinkSync('../aliases', join(root, '/etc/mail/aliases'));
    const asked: string[] = [];
    const spy: AttributeReader = (paths) => {
      asked.push(...paths);
      return new Map();
    };
    new HostTree(root, spy).immutable(['/etc/mail/aliases', '/etc/mail', '/etc/nothing', '/etc/mail/access']);
    assert.deepEqual(asked, [host('/etc/aliases'), host('/etc/mail/access')]);
  });

  it('the default reader (lsattr) agrees with chattr where the filesystem keeps attributes', (t) => {
    if (!asRoot) return t.skip('chattr +i needs root');
    const file = host('/etc/mail/sendmail.cf');
    if (spawnSync('chattr', ['+i', file]).status !== 0) return t.skip('this filesystem keeps no attributes');
    try {
      const got = new HostTree(root).immutable(['/etc/mail/sendmail.cf', '/etc/aliases']);
      assert.equal(got.get('/etc/mail/sendmail.cf'), true);
      assert.equal(got.get('/etc/aliases'), false);
    } finally {
      spawnSync('chattr', ['-i', file]);
    }
  });
});

/** The version string of the installed sendmail (`8.17.1.9`). */
function sendmailVersion(): string {
  const r = spawnSync(SENDMAIL, ['-d0.1', '-bt'], { input: '', encoding: 'utf8', timeout: 30_000 });
  const m = /Version (\S+)/.exec(r.stdout);
  if (!m) throw new Error(`no version in: ${r.stdout}`);
  return m[1]!;
}

function realSendmail(t: TestContext): boolean {
  if (!asRoot) {
    t.skip('sendmail -bs, newaliases -oA and -bv on other files need root (FORMATS.md §2)');
    return false;
  }
  return needs(t, SENDMAIL);
}

describe('MH6008 helpfile-version agrees with what HELP answers (sendmail -bs)', () => {
  // name → help file text (undefined: no file), the directory it is put in with its mode, and
  // whether HELP or HELP mail shows the version (measured; the rule must agree).
  const cases: { name: string; leaks: boolean; text?: string; dir?: string; dirMode?: number }[] = [
    { name: 'Debian stock help file', leaks: true, text: existsText('/etc/mail/helpfile') },
    { name: 'empty file', leaks: false, text: '' },
    { name: '#vers 2 and no macros', leaks: false, text: '#vers\t2\nsmtp\tHello $j\nmail\tMAIL From:<sender>\n' },
    { name: '$v in a topic line', leaks: true, text: '#vers\t2\nsmtp\tHello\nmail\tversion $v\n' },
    { name: '$Z in the smtp line', leaks: true, text: '#vers\t2\nsmtp\tHello $Z\n' },
    { name: '$$v is a dollar sign', leaks: false, text: '#vers\t2\nsmtp\tprice $$v\n' },
    { name: 'no #vers line', leaks: true, text: 'smtp\tHello\n' },
    { name: '#vers 2 with a space', leaks: true, text: '#vers 2\nsmtp\tHello\n' },
    { name: '#vers<TAB>1', leaks: true, text: '#vers\t1\nsmtp\tHello\n' },
    { name: '#vers<TAB>2 after the first smtp line', leaks: true, text: 'smtp\tHello\n#vers\t2\nsmtp\tagain\n' },
    { name: 'no #vers, no smtp line, literal $v', leaks: false, text: 'mail\tversion $v\n' },
    { name: 'version written out', leaks: true, text: '#vers\t2\nsmtp\tHello\nmail\tSendmail 8.17.1.9 here\n' },
    { name: 'missing file', leaks: true },
    { name: 'group-writable directory', leaks: true, text: '#vers\t2\nsmtp\tHello\n', dir: '/srv/help', dirMode: 0o775 },
    { name: 'sticky world-writable directory (TrustStickyBit)', leaks: false, text: '#vers\t2\nsmtp\tHello\n', dir: '/srv/sticky', dirMode: 0o1777 },
  ];
  let version: string | undefined;
  for (const c of cases) {
    it(c.name, async (t) => {
      if (!realSendmail(t)) return;
      if (c.text === undefined && c.name === 'Debian stock help file') return t.skip('no /etc/mail/helpfile on this machine');
      version ??= sendmailVersion();
      const root = newRoot();
      const dir = c.dir ?? '/etc/mail';
      mkdirSync(join(root, dir), { recursive: true, mode: 0o755 });
      chmodSync(join(root, dir), c.dirMode ?? 0o755);
      const treePath = `${dir}/helpfile`;
      if (c.text !== undefined) put(root, treePath, c.text);
      // The tree's cf names the tree path; the real run is given the same file by its real path.
      put(root, '/etc/mail/sendmail.cf', debianCf().replace(/^O HelpFile=.*$/m, `O HelpFile=${treePath}`));
      const found = await findingsOf(root, 'MH6008');
      const session = await smtpSession(debianCf().replace(/^O HelpFile=.*$/m, `O HelpFile=${join(root, treePath)}`), ['EHLO client.example', 'HELP', 'HELP mail', 'QUIT']);
      const replies = session.slice(2, 4).flatMap((e) => e.lines);
      const leaks = replies.some((l) => l.includes(version!));
      const shown = `rule: ${found.join(' | ') || 'nothing'}\nsendmail: ${replies.join(' | ')}`;
      assert.equal(leaks, c.leaks, shown);
      assert.equal(found.length > 0, leaks, shown);
    });
  }
});

describe('MH6002 aliases-permissions: the modes newaliases refuses are the ones reported', () => {
  for (const mode of [0o644, 0o640, 0o600, 0o664, 0o646, 0o666, 0o744, 0o755]) {
    it(`/etc/aliases mode 0${mode.toString(8)}`, async (t) => {
      if (!realSendmail(t)) return;
      const root = newRoot();
      const aliases = put(root, '/etc/aliases', 'mhtest: root\n', mode);
      mkdirSync(join(root, '/etc/mail'), { recursive: true, mode: 0o755 });
      symlinkSync('../aliases', join(root, '/etc/mail/aliases'));
      const r = spawnSync('/usr/sbin/newaliases', [`-oA${join(root, '/etc/mail/aliases')}`], { encoding: 'utf8', timeout: 30_000 });
      const output = `${r.stdout}${r.stderr}`;
      const refused = /cannot open/.test(output);
      // newaliases exits 0 either way (FORMATS.md §6).
      assert.equal(r.status, 0, output);
      const found = (await findingsOf(root, 'MH6002')).filter((f) => f.startsWith('/etc/aliases:') && f.includes(' has mode '));
      assert.equal(found.length > 0, mode !== 0o644 && mode !== 0o640 && mode !== 0o600, found.join('\n'));
      if (refused) assert.equal(found.length, 1, `newaliases refused ${aliases} (${output.trim()}), the rule must say so`);
      assert.equal(refused, mode & 0o133 ? true : false, output);
    });
  }
});

describe('MH6004 config-writable: sendmail uses a writable cf, only -bC warns', () => {
  for (const mode of [0o644, 0o664, 0o666]) {
    it(`sendmail.cf mode 0${mode.toString(8)}`, async (t) => {
      if (!realSendmail(t)) return;
      const root = newRoot();
      const cf = put(root, '/etc/mail/sendmail.cf', debianCf(), mode);
      const found = await findingsOf(root, 'MH6004');
      const check = spawnSync(SENDMAIL, ['-C', cf, '-bC'], { input: '', encoding: 'utf8', timeout: 30_000 });
      const verify = spawnSync(SENDMAIL, ['-C', cf, '-bv', 'root'], { input: '', encoding: 'utf8', timeout: 30_000 });
      assert.equal(check.status, 0);
      assert.match(verify.stdout, /deliverable/, 'the writable cf is still used');
      assert.equal(/dangerous write permissions/.test(`${check.stdout}${check.stderr}`), mode !== 0o644);
      assert.equal(found.length > 0, mode !== 0o644, found.join('\n'));
    });
  }
});

describe('MH6010 derived-file-stale: a stale aliases.db really ignores the new alias', () => {
  it('new alias after newaliases: reported, and sendmail -bv does not know it until newaliases runs', async (t) => {
    if (!realSendmail(t)) return;
    const root = newRoot();
    const source = put(root, '/etc/aliases', 'mhold: root\n');
    mkdirSync(join(root, '/etc/mail'), { recursive: true, mode: 0o755 });
    const link = join(root, '/etc/mail/aliases');
    symlinkSync('../aliases', link);
    const build = () => spawnSync('/usr/sbin/newaliases', [`-oA${link}`], { encoding: 'utf8', timeout: 30_000 });
    const verify = () => spawnSync(SENDMAIL, ['-Am', `-oA${link}`, '-bv', 'mhnew'], { input: '', encoding: 'utf8', timeout: 30_000 }).stdout;
    assert.match(build().stdout, /1 aliases/);
    assert.deepEqual(await findingsOf(root, 'MH6010'), []);
    appendFileSync(source, 'mhnew: root\n');
    const later = Date.now() / 1000 + 60;
    utimesSync(source, later, later);
    assert.deepEqual((await findingsOf(root, 'MH6010')).map((f) => f.split(' ')[0]), ['/etc/mail/aliases.db:1']);
    assert.match(verify(), /mhnew\.\.\. User unknown/);
    assert.match(build().stdout, /2 aliases/);
    // The rebuilt database is written now, before the source's (future) time: touch it past the source, as a later build would be.
    utimesSync(join(root, '/etc/mail/aliases.db'), later + 1, later + 1);
    assert.deepEqual(await findingsOf(root, 'MH6010'), []);
    assert.match(verify(), /root\.\.\. deliverable/);
  });
});

function existsText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}
