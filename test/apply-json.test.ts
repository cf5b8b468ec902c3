import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exampleRoot } from './helpers/example.js';
import { ROOT, run } from './helpers/cli.js';
import { changedPaths, snapshot } from './helpers/snapshot.js';
import { tempDir } from './helpers/real.js';

const require = createRequire(import.meta.url);
const Ajv = require('ajv') as typeof import('ajv').default;
const schema = JSON.parse(readFileSync(join(ROOT, 'schemas', 'apply-plan.json'), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true, allowUnionTypes: true }).compile(schema);

interface Report {
  changed: boolean;
  status: string;
  exitCode: number;
  dryRun: boolean;
  files: { path: string; action: string; before: { sha256: string; size: number } | null; after: { sha256: string; size: number }; mode: string; uid: number; user: string; diff: string | null; beforeText: string | null; afterText: string | null }[];
  hostActions: { type: string; path: string; line: string }[];
  commands: { argv: string[]; file: string }[];
  notes: string[];
  summary: { create: number; change: number; unchanged: number; hostActions: number };
  backup: string | null;
  error: string | null;
}

/** The CLI's stdout as one document, checked against the shipped schema. */
function parsed(stdout: string): Report {
  const lines = stdout.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one JSON document on stdout, got:\n${stdout.slice(0, 2000)}`);
  const doc = JSON.parse(lines[0]!) as Report;
  assert.ok(validate(doc), JSON.stringify(validate.errors, null, 2));
  return doc;
}

const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');

/** `apply --format json` (issue 20): the plan for Ansible and CI, dry run and real run. */
describe('apply --format json', () => {
  it('a dry run: every file with its hashes, mode, owner and diff; host actions, commands and notes; nothing written', () => {
    const { root, policy } = exampleRoot();
    const before = snapshot(root);
    const r = run(['apply', policy, '--root', root, '--dry-run', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = parsed(r.stdout);
    assert.deepEqual(changedPaths(before, snapshot(root)), []);
    assert.equal(doc.dryRun, true);
    assert.equal(doc.changed, true);
    assert.equal(doc.status, 'planned');
    const cf = doc.files.find((f) => f.path === '/etc/mail/sendmail.cf')!;
    assert.equal(cf.action, 'change');
    // The hash of the bytes on disk now, and a diff that adds the policy's privacy options.
    assert.equal(cf.before!.sha256, sha(join(root, 'etc/mail/sendmail.cf')));
    assert.equal(cf.before!.size, readFileSync(join(root, 'etc/mail/sendmail.cf')).length);
    assert.match(cf.diff!, /^\+O PrivacyOptions=/m);
    assert.equal(cf.beforeText, readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8'));
    assert.equal(createHash('sha256').update(cf.afterText!).digest('hex'), cf.after.sha256);
    assert.equal(cf.mode, '0644');
    const created = doc.files.filter((f) => f.action === 'create');
    assert.deepEqual(created.map((f) => f.path).sort(), ['/etc/mail/helpfile', '/etc/mail/relay-domains']);
    for (const f of created) assert.equal(f.before, null);
    assert.deepEqual(doc.summary, { create: 2, change: 4, unchanged: 0, hostActions: doc.hostActions.length });
    // The smrsh links and the immutable bits the example policy asks for; the rebuilt databases.
    assert.deepEqual(doc.hostActions.filter((a) => a.type === 'link').map((a) => a.path).sort(), ['/etc/mail/smrsh/mail.local', '/etc/mail/smrsh/procmail']);
    assert.ok(doc.hostActions.some((a) => a.type === 'chattr' && a.path === '/etc/aliases' && a.line === 'chattr +i /etc/aliases'));
    assert.deepEqual(doc.commands.map((c) => c.argv[0]).sort(), ['makemap', 'sendmail']);
    assert.ok(doc.notes.some((n) => /\/var\/spool\/mqueue does not exist/.test(n)), doc.notes.join('\n'));
    // The notes still go to stderr too.
    assert.match(r.stderr, /mailharden: note: \/var\/spool\/mqueue does not exist/);
  });

  it('the real run: the after hashes are the bytes written, a backup is named; the second run has changed false', () => {
    const { root, policy } = exampleRoot();
    const plan = parsed(run(['apply', policy, '--root', root, '--dry-run', '--format', 'json', '--files-only', '--no-post-commands']).stdout);
    const r = run(['apply', policy, '--root', root, '--format', 'json', '--files-only', '--no-post-commands']);
    assert.equal(r.code, 0, r.stderr);
    const done = parsed(r.stdout);
    assert.equal(done.dryRun, false);
    assert.equal(done.changed, true);
    assert.equal(done.status, 'applied');
    assert.ok(done.backup && existsSync(done.backup), String(done.backup));
    for (const f of done.files) {
      assert.equal(sha(join(root, f.path)), f.after.sha256, f.path);
      // What the dry run promised is what was written.
      assert.equal(plan.files.find((x) => x.path === f.path)!.after.sha256, f.after.sha256, f.path);
    }
    const again = parsed(run(['apply', policy, '--root', root, '--format', 'json', '--files-only', '--no-post-commands']).stdout);
    assert.equal(again.changed, false);
    assert.equal(again.status, 'no-changes');
    assert.ok(again.files.every((f) => f.action === 'unchanged' && f.diff === null && f.before!.sha256 === f.after.sha256));
    assert.equal(again.backup, null);
    const dry = parsed(run(['apply', policy, '--root', root, '--format', 'json', '--dry-run', '--exit-code', '--files-only', '--no-post-commands']).stdout);
    assert.equal(dry.changed, false);
  });

  it('a run the gate refuses still prints the document: status failed, the error and the exit code, nothing changed', () => {
    const dir = tempDir('mh-json-gate-');
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc/mail'), { recursive: true });
    writeFileSync(join(root, 'etc/aliases'), 'postmaster: root\n');
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\nprofile: debian\nrelay:\n  networks: [10.1.0.0/16]\n');
    const r = run(['apply', join(dir, 'p.yaml'), '--root', root, '--format', 'json', '--files-only', '--no-post-commands', '--no-validate']);
    assert.equal(r.code, 2, r.stderr);
    const doc = parsed(r.stdout);
    assert.equal(doc.status, 'failed');
    assert.equal(doc.exitCode, 2);
    assert.equal(doc.changed, false);
    assert.match(doc.error!, /fail mailharden's own rules/);
    assert.match(r.stderr, /fail mailharden's own rules/);
  });

  it('what the files hold reaches the terminal escaped: a bidi override in the aliases file is \\u202e in the document', () => {
    const { root, policy } = exampleRoot();
    writeFileSync(join(root, 'etc/aliases'), `${readFileSync(join(root, 'etc/aliases'), 'utf8')}# note \u202e reversed\n`);
    const r = run(['apply', policy, '--root', root, '--dry-run', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /\u202e/);
    assert.match(r.stdout, /\\u202e/);
    const doc = parsed(r.stdout);
    assert.match(doc.files.find((f) => f.path === '/etc/aliases')!.beforeText!, /\u202e reversed/);
  });

  it('--format takes text or json only', () => {
    const { root, policy } = exampleRoot();
    const r = run(['apply', policy, '--root', root, '--dry-run', '--format', 'sarif']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format: "sarif" is not text or json/);
  });
});
