import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { makeCdb, morercpthostsKeys } from '../src/model/cdb.js';
import { CLI, run } from './helpers/cli.js';
import { needsQmail, newmrh, qmailCase, sendOne } from './helpers/qmail.js';
import { needs, tempDir } from './helpers/real.js';

/**
 * apply for qmail judged by the real programs, without a daemon (the live proof is
 * test/live-qmail.test.ts): the morercpthosts.cdb mailharden builds is byte for byte qmail-newmrh's,
 * qmail-smtpd accepts a domain that only morercpthosts holds, and the run script apply writes is
 * valid shell that lint finds nothing in.
 */

/** mailharden's cdb for a morercpthosts text: what apply's builtin writes (src/apply/run.ts). */
const ours = (text: Buffer): Buffer => makeCdb(morercpthostsKeys(text).map((key) => ({ key, data: Buffer.alloc(0) })));

/** qmail-newmrh's cdb for the same text, built in a case directory of its own. */
function theirs(p: NonNullable<ReturnType<typeof needsQmail>>, text: Buffer): Buffer {
  const c = qmailCase({ morercpthosts: text });
  const r = newmrh(p, c);
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(join(c, 'control', 'morercpthosts.cdb'));
}

/** 62 domains: more than rcpthosts takes (50), so 12 go to morercpthosts. */
const DOMAINS = Array.from({ length: 62 }, (_, i) => `d${String(i).padStart(2, '0')}.example.org`);

/** A tree with the users apply's run script needs, control/me, and a stale morercpthosts with a cdb that is not one. */
function tree(): string {
  const root = tempDir('mh-qapply-');
  chmodSync(root, 0o755);
  const file = (path: string, content: string, mode = 0o644): void => {
    mkdirSync(join(root, path, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, path), content);
    chmodSync(join(root, path), mode);
  };
  file('etc/passwd', 'root:x:0:0::/root:/bin/sh\nqmaild:x:7791:2108::/var/qmail:/bin/false\nqmaill:x:7792:2108::/var/qmail:/bin/false\n');
  file('etc/group', 'root:x:0:\nnofiles:x:2108:\n');
  file('var/qmail/control/me', 'mx.example.org\n');
  file('var/qmail/control/morercpthosts', 'old.example\n');
  file('var/qmail/control/morercpthosts.cdb', 'old.example\n');
  return root;
}

function policy(domains: readonly string[]): string {
  return [
    'version: 1',
    'mta: [qmail]',
    'relay:',
    `  domains: [${domains.join(', ')}]`,
    'qmail:',
    '  smtpd: { address: 127.0.0.1, port: 2525 }',
    '',
  ].join('\n');
}

describe('apply for qmail, judged by the real qmail-newmrh and qmail-smtpd', () => {
  it('morercpthosts.cdb: the bytes qmail-newmrh builds, for duplicates, upper case, comments, blanks and 60+ domains', (t) => {
    const p = needsQmail(t);
    if (!p) return;
    const lines = [
      '# the other domains',
      ...DOMAINS.map((d, i) => (i % 7 === 0 ? d.toUpperCase() : i % 5 === 0 ? `${d}  ` : d)),
      'd03.example.org',
      'D03.EXAMPLE.ORG',
      '',
      '   ',
      '.sub.example.org # a comment after a domain is part of it',
      'tab.example.org\t',
      'crlf.example.org\r',
    ];
    for (const text of [`${lines.join('\n')}\n`, lines.join('\n'), '', '\n', '# only a comment\n']) {
      const bytes = Buffer.from(text, 'latin1');
      assert.ok(ours(bytes).equals(theirs(p, bytes)), JSON.stringify(text.slice(0, 80)));
    }
  });

  it("apply's morercpthosts.cdb is qmail-newmrh's, and qmail-smtpd accepts a domain only it holds", (t) => {
    const p = needsQmail(t);
    if (!p) return;
    const root = tree();
    const policyFile = join(root, '..', `${root.split('/').pop()}.yaml`);
    // Upper case and a duplicate that differs only in case: apply writes each domain once, in lower case.
    writeFileSync(policyFile, policy([...DOMAINS.slice(0, 55), 'D60.Example.ORG', ...DOMAINS.slice(55)]));
    const r = run(['apply', policyFile, '--root', root]);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const control = join(root, 'var', 'qmail', 'control');
    const rcpthosts = readFileSync(join(control, 'rcpthosts'), 'latin1').split('\n').filter((l) => l && !l.startsWith('#'));
    const more = readFileSync(join(control, 'morercpthosts'), 'latin1');
    assert.equal(rcpthosts.length, 50);
    assert.ok(!more.includes('old.example') && more.includes('d61.example.org'), more);
    assert.ok(readFileSync(join(control, 'morercpthosts.cdb')).equals(theirs(p, Buffer.from(more, 'latin1'))));

    const qmail = join(root, 'var', 'qmail');
    for (const [rcpt, reply] of [
      ['x@d61.example.org', /^250 /], // only in morercpthosts
      ['x@d60.example.org', /^250 /],
      ['x@d00.example.org', /^250 /], // in rcpthosts
      ['x@old.example', /^553 /], // was in the old morercpthosts
      ['x@example.net', /^553 /],
    ] as const) {
      const s = sendOne(p, qmail, rcpt);
      assert.match(s.replies[2] ?? '', reply, `${rcpt}\n${s.transcript}`);
    }
  });

  it('the run script apply writes passes sh -n and lint of kind qmail-run finds nothing in it', (t) => {
    if (!needs(t, CLI)) return;
    const root = tree();
    const policyFile = join(root, '..', `${root.split('/').pop()}.yaml`);
    writeFileSync(policyFile, policy(['example.org']));
    const r = run(['apply', policyFile, '--root', root]);
    assert.equal(r.code, 0, `${r.stdout}${r.stderr}`);
    const script = join(root, 'var', 'qmail', 'supervise', 'qmail-smtpd', 'run');
    const syntax = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
    assert.equal(syntax.status, 0, syntax.stderr);
    const l = run(['lint', '--type', 'qmail-run', '-f', 'json', '--fail-on', 'none', script]);
    assert.equal(l.code, 0, l.stderr);
    assert.deepEqual((JSON.parse(l.stdout) as { findings: { ruleId: string; message: string }[] }).findings.map((f) => `${f.ruleId}: ${f.message}`), []);
  });
});
