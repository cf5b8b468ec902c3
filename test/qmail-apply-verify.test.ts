import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { buildPlan } from '../src/apply/plan.js';
import { qmailChecks } from '../src/apply/verify-qmail.js';
import { judgeQmailCandidate } from '../src/apply/qmail-candidate.js';
import { Dirs } from '../src/apply/dirs.js';
import { Workdir } from '../src/apply/workdir.js';
import { realRunner } from '../src/apply/verify.js';
import { readAccounts } from '../src/host/layout.js';
import { HostTree } from '../src/host/tree.js';
import { policyFromText } from '../src/policy/validate.js';
import { loadTemplates } from '../src/render/templates.js';
import { run } from './helpers/cli.js';
import { needsQmail } from './helpers/qmail.js';
import { needs, needsRoot, TCPRULES, TCPRULESCHECK, tempDir } from './helpers/real.js';

/**
 * apply's last step for qmail (src/apply/verify-qmail.ts) asks the real programs: tcprulescheck on the
 * rules cdb, and a session of qmail-smtpd run as the smtpd user. Here the plan's root is a tree whose
 * /var/qmail/bin/qmail-smtpd is the vendored notqmail (which reads ./control of /var/qmail), so the
 * checks ask the real programs about the tree before and after apply.
 */

const POLICY = `version: 1
mta: [qmail]
hostname: mx.example.com
relay:
  networks: [10.1.2.0/24, 192.0.2.128/25]
  domains: [example.com, .example.com]
qmail:
  greeting: mx.example.com
  databytes: 100000
  smtpd: { address: 127.0.0.1, port: 2525 }
`;

function tree(smtpd: string): string {
  const root = tempDir('mh-qverify-');
  chmodSync(root, 0o755);
  const q = join(root, 'var', 'qmail');
  for (const d of ['control', 'bin', 'alias', 'supervise/qmail-smtpd']) mkdirSync(join(q, d), { recursive: true, mode: 0o755 });
  mkdirSync(join(root, 'etc'), { mode: 0o755 });
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nqmaild:x:7791:2108::/var/qmail:/bin/true\nqmaill:x:7792:2108::/var/qmail:/bin/true\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nnofiles:x:2108:\n');
  writeFileSync(join(q, 'control', 'me'), 'mx.example.com\n');
  writeFileSync(join(q, 'control', 'smtpgreeting'), 'mx.example.com notqmail 1.09\n');
  writeFileSync(join(q, 'control', 'rcpthosts'), 'example.com\n');
  // An open relay: every client gets RELAYCLIENT.
  writeFileSync(join(root, 'etc', 'tcp.smtp'), ':allow,RELAYCLIENT=""\n');
  // The vendored qmail-smtpd reads ./control: started in /var/qmail of the tree.
  copyFileSync(smtpd, join(q, 'bin', 'notqmail-smtpd'));
  chmodSync(join(q, 'bin', 'notqmail-smtpd'), 0o755);
  writeFileSync(join(q, 'bin', 'qmail-smtpd'), `#!/bin/sh\ncd ${q} && exec ${q}/bin/notqmail-smtpd\n`, { mode: 0o755 });
  writeFileSync(join(q, 'supervise', 'qmail-smtpd', 'run'), '#!/bin/sh\nexec tcpserver -x /etc/tcp.smtp.cdb 0 smtp /var/qmail/bin/qmail-smtpd\n', { mode: 0o755 });
  return root;
}

async function checks(root: string) {
  const policy = await policyFromText(POLICY, 'policy.yaml');
  const plan = buildPlan(policy, { root, render: await loadTemplates(), policyName: 'policy.yaml', attributes: () => new Map() });
  return qmailChecks(plan, policy, realRunner, readAccounts(new HostTree(root)));
}

describe('apply for qmail: the real programs say the policy is in force', () => {
  it('tcprulescheck and a qmail-smtpd session as qmaild fail before apply and pass after it', async (t) => {
    const p = needsQmail(t);
    if (!p || !needs(t, TCPRULES, TCPRULESCHECK, '/usr/bin/setpriv') || !needsRoot(t, 'qmail-smtpd runs as qmaild (setpriv)')) return;
    const root = tree(p.smtpd);
    const policyFile = join(root, 'policy.yaml');
    writeFileSync(policyFile, POLICY);
    // Before: the old cdb relays for everyone, the greeting names the software.
    const cdb = join(root, 'etc', 'tcp.smtp.cdb');
    const { spawnSync } = await import('node:child_process');
    assert.equal(spawnSync(TCPRULES, [cdb, `${cdb}.tmp`], { input: ':allow,RELAYCLIENT=""\n' }).status, 0);
    const before = await checks(root);
    const failed = before.filter((c) => !c.ok).map((c) => c.what);
    assert.ok(failed.some((w) => /RELAYCLIENT exactly/.test(w)), JSON.stringify(before, null, 1));
    assert.ok(failed.some((w) => /greeting/.test(w)), JSON.stringify(before, null, 1));
    assert.match(before.find((c) => /RELAYCLIENT exactly/.test(c.what))!.detail, /10\.1\.1\.255: RELAYCLIENT="", should not relay/);

    const r = run(['apply', policyFile, '--root', root]);
    assert.equal(r.code, 0, r.stderr);
    const after = await checks(root);
    assert.deepEqual(after.filter((c) => !c.ok), [], JSON.stringify(after, null, 1));
    assert.deepEqual(after.map((c) => c.what.replace(root, 'ROOT')), [
      'the rules cdb ROOT/etc/tcp.smtp.cdb sets RELAYCLIENT exactly for the policy networks (their edges)',
      'a session of ROOT/var/qmail/bin/qmail-smtpd as qmaild: greeting',
      'a session of ROOT/var/qmail/bin/qmail-smtpd as qmaild: postmaster@example.com accepted',
      'a session of ROOT/var/qmail/bin/qmail-smtpd as qmaild: relay-test@mailharden-verify.invalid refused from outside the relay networks',
    ]);
    assert.equal(after[1]!.detail, '220 mx.example.com ESMTP');
    assert.equal(after[0]!.detail, '8 addresses asked');
  });

  it('the planned control files are judged by qmail-smtpd before they are written: a rcpthosts qmaild cannot read is refused (421), a readable one passes', async (t) => {
    const p = needsQmail(t);
    if (!p || !needs(t, '/usr/bin/setpriv', '/usr/bin/unshare') || !needsRoot(t, 'a mount namespace and a session as qmaild need root')) return;
    const judge = async (mode: number) => {
      const root = tree(p.smtpd);
      const rcpthosts = join(root, 'var/qmail/control/rcpthosts');
      chmodSync(rcpthosts, mode);
      const policy = await policyFromText(POLICY, 'policy.yaml');
      const dirs = new Dirs(root);
      const work = Workdir.make();
      try {
        const plan = buildPlan(policy, { root, dirs, render: await loadTemplates(), policyName: 'policy.yaml', attributes: () => new Map() });
        const judged = judgeQmailCandidate(plan, policy, dirs, work, realRunner, readAccounts(new HostTree(root)));
        assert.ok(Array.isArray(judged), JSON.stringify(judged));
        // Nothing was written to the tree: the candidate lived in the run's private directory.
        assert.equal(readFileSync(rcpthosts, 'utf8'), 'example.com\n');
        return judged;
      } finally {
        work.close();
        dirs.close();
      }
    };
    const unreadable = await judge(0o600);
    assert.equal(unreadable[0]!.ok, false, JSON.stringify(unreadable));
    assert.match(unreadable[0]!.detail, /^421 unable to read controls/);
    const readable = await judge(0o644);
    assert.deepEqual(readable.filter((c) => !c.ok), [], JSON.stringify(readable, null, 1));
    assert.equal(readable[0]!.detail, '220 mx.example.com ESMTP');
    assert.equal(readable.length, 3);
  });
});
