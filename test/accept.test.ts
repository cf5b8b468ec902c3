import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { exampleRoot } from './helpers/example.js';
import { run } from './helpers/cli.js';
import { M4, m4Build, needs, SENDMAIL, sendmailCheckWhole, tempDir } from './helpers/real.js';

const REASON = 'campus network, reviewed 2026-12 by J. Doe';
const MAKEMAP = '/usr/sbin/makemap';
const TCPRULES = '/usr/bin/tcprules';

/** The findings lint reports for a file, as JSON. */
function lintJson(path: string): { ruleId: string; suppressed: boolean; suppression?: { kind: string; reason: string } }[] {
  const r = run(['lint', path, '--format', 'json']);
  return (JSON.parse(r.stdout) as { findings: { ruleId: string; suppressed: boolean; suppression?: { kind: string; reason: string } }[] }).findings;
}

describe('accept: a recorded decision the gate honours', () => {
  it('access: a /16 relay network is refused with the way out; accepted for that network only, the map carries the suppression, lint agrees, makemap reads it', (t) => {
    if (!needs(t, MAKEMAP)) return;
    const { root, policy } = exampleRoot();
    const base = readFileSync(policy, 'utf8').replace('networks: [127.0.0.0/8, 192.168.10.0/24', 'networks: [127.0.0.0/8, 192.168.10.0/24, 10.1.0.0/16, 172.16.0.0/16');
    writeFileSync(policy, base);
    const refused = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--dry-run']);
    assert.equal(refused.code, 2, refused.stdout);
    assert.match(refused.stderr, /MH3001: RELAY for "Connect:10\.1"/);
    // The refusal says how: the key, the rule and the value to name.
    assert.match(refused.stderr, /^ {2}accept:\n {4}- rule: MH3001\n {6}value: 10\.1\.0\.0\/16\n {6}reason: /m);
    // Accepting one network accepts nothing about the other.
    writeFileSync(policy, `${base}accept:\n  - rule: MH3001\n    value: 10.1.0.0/16\n    reason: "${REASON}"\n`);
    const still = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--dry-run']);
    assert.equal(still.code, 2, still.stdout);
    assert.match(still.stderr, /Connect:172\.16/);
    assert.doesNotMatch(still.stderr, /Connect:10\.1"/);
    // Another rule for that value accepts nothing either.
    writeFileSync(policy, `${base.replace(', 172.16.0.0/16', '')}accept:\n  - rule: MH3002\n    value: 10.1.0.0/16\n    reason: "${REASON}"\n`);
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--dry-run']).code, 2);
    writeFileSync(policy, `${base.replace(', 172.16.0.0/16', '')}accept:\n  - rule: MH3001\n    value: 10.1.0.0/16\n    reason: "${REASON}"\n`);
    const ok = run(['apply', policy, '--root', root, '--files-only']);
    assert.equal(ok.code, 0, ok.stderr);
    const access = join(root, 'etc/mail/access');
    const text = readFileSync(access, 'utf8');
    assert.match(text, new RegExp(`^# mailharden-disable-next-line MH3001 -- accepted in the policy: ${REASON}\nConnect:10\\.1\tRELAY$`, 'm'));
    const mh3001 = lintJson(access).filter((f) => f.ruleId === 'MH3001');
    assert.deepEqual(mh3001.map((f) => [f.suppressed, f.suppression?.kind, f.suppression?.reason]), [[true, 'inline', `accepted in the policy: ${REASON}`]]);
    // makemap takes the line as a comment: the database holds the entries and nothing else.
    const dump = spawnSync(MAKEMAP, ['-u', 'hash', access], { encoding: 'utf8' });
    assert.equal(dump.status, 0, dump.stderr);
    assert.doesNotMatch(dump.stdout, /mailharden|accepted/);
    assert.match(dump.stdout, /^connect:10\.1\tRELAY$/im);
    // Idempotent; and taking the entry out of the policy takes the line out of the file.
    assert.match(run(['apply', policy, '--root', root, '--files-only']).stdout, /^No changes/m);
    writeFileSync(policy, base.replace(', 10.1.0.0/16, 172.16.0.0/16', ''));
    assert.equal(run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']).code, 0);
    assert.doesNotMatch(readFileSync(access, 'utf8'), /mailharden-disable/);
  });

  it('tcp.smtp: the suppression is a comment tcprules skips', (t) => {
    if (!needs(t, TCPRULES)) return;
    const dir = tempDir('mh-accept-');
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc'), { recursive: true });
    writeFileSync(join(root, 'etc/tcp.smtp'), '127.:allow,RELAYCLIENT=""\n:allow\n');
    const policy = join(dir, 'q.yaml');
    writeFileSync(policy, `version: 1\nmta: [qmail]\nrelay:\n  networks: [127.0.0.0/8, 10.1.0.0/16]\naccept:\n  - rule: MH5002\n    value: 10.1.0.0/16\n    reason: "${REASON}"\n`);
    const r = run(['apply', policy, '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    const rules = readFileSync(join(root, 'etc/tcp.smtp'), 'utf8');
    assert.match(rules, new RegExp(`^# mailharden-disable-next-line MH5002 -- accepted in the policy: ${REASON}\n10\\.1\\.:allow,RELAYCLIENT=""$`, 'm'));
    assert.ok(existsSync(join(root, 'etc/tcp.smtp.cdb')), 'tcprules compiled the rules');
    assert.deepEqual(lintJson(join(root, 'etc/tcp.smtp')).filter((f) => f.ruleId === 'MH5002').map((f) => f.suppressed), [true]);
  });

  it('sendmail.cf and sendmail.mc: the cf line is a comment sendmail -bC accepts; the .mc line a dnl that m4 drops', (t) => {
    if (!needs(t, SENDMAIL, M4)) return;
    const { root, policy } = exampleRoot();
    const base = readFileSync(policy, 'utf8').replace(/^dontBlameSendmail: .*$/m, 'dontBlameSendmail: [GroupWritableForwardFileSafe]');
    assert.match(base, /^dontBlameSendmail: \[GroupWritableForwardFileSafe\]$/m);
    writeFileSync(policy, `${base}accept:\n  - rule: MH1018\n    value: GroupWritableForwardFileSafe\n    reason: "${REASON}"\n`);
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands']);
    assert.equal(r.code, 0, r.stderr);
    const cfPath = join(root, 'etc/mail/sendmail.cf');
    const mcPath = join(root, 'etc/mail/sendmail.mc');
    const cf = readFileSync(cfPath, 'utf8');
    const mc = readFileSync(mcPath, 'utf8');
    assert.match(cf, new RegExp(`^# mailharden-disable-next-line MH1018 -- accepted in the policy: ${REASON}\nO DontBlameSendmail=GroupWritableForwardFileSafe$`, 'm'));
    assert.match(mc, new RegExp(`^dnl # mailharden-disable-next-line MH1018 -- accepted in the policy: ${REASON}\ndefine\\(\`confDONT_BLAME_SENDMAIL'`, 'm'));
    for (const p of [cfPath, mcPath]) assert.deepEqual(lintJson(p).filter((f) => f.ruleId === 'MH1018').map((f) => f.suppressed), [true], p);
    // m4 drops the line: the cf it builds is the one built without it, and m4 says nothing.
    const withLine = m4Build(mc);
    const without = m4Build(mc.replace(/^dnl # mailharden-disable-next-line.*\n/m, ''));
    assert.equal(withLine.stderr, without.stderr);
    // The header names the second m4 ran in: two builds may straddle a second.
    const built = (out: string): string => out.replace(/^##### built by .* on .*$/m, '##### built by (who) on (when)');
    assert.equal(built(withLine.stdout), built(without.stdout));
    const check = sendmailCheckWhole(cf);
    const plain = sendmailCheckWhole(cf.replace(/^# mailharden-disable-next-line.*\n/m, ''));
    assert.deepEqual(check, plain, 'sendmail -bC says the same of the cf with and without the line');
    // With no accept: key left (and no flag to accept), the lines an earlier run wrote go.
    writeFileSync(policy, base.replace('dontBlameSendmail: [GroupWritableForwardFileSafe]', 'dontBlameSendmail: [safe]'));
    const back = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--allow-chattr']);
    assert.equal(back.code, 0, back.stderr);
    for (const p of [cfPath, mcPath]) assert.doesNotMatch(readFileSync(p, 'utf8'), /mailharden-disable/, p);
  });
});

describe('accept: lines apply did not place are left alone', () => {
  it('a line in the suppression format followed by a continuation line stays (taking it out would join that line to the one before)', async () => {
    const { withAcceptances } = await import('../src/apply/accept.js');
    const cf = [
      'O LogLevel=9',
      '# mailharden-disable-next-line MH1013 -- accepted in the policy: a person wrote this',
      '\tcontinued text a comment swallows',
      '# mailharden-disable-next-line MH1013 -- accepted in the policy: an old one of apply',
      'O PrivacyOptions=goaway',
      '',
    ].join('\n');
    const { text } = withAcceptances(cf, 'sendmail-cf', '/etc/mail/sendmail.cf', [], false);
    assert.deepEqual(text.split('\n'), ['O LogLevel=9', '# mailharden-disable-next-line MH1013 -- accepted in the policy: a person wrote this', '\tcontinued text a comment swallows', 'O PrivacyOptions=goaway', '']);
  });
});
