import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { lint } from '../src/lint/request.js';
import { SourceFile } from '../src/core/source.js';
import { parseQmailControl } from '../src/parsers/qmail-control.js';
import { rules } from '../rules/index.js';
import { needs, needsRoot, TCPRULES, TCPRULESCHECK, tempDir } from './helpers/real.js';
import { buildTree, loadTreeFixtures, type TreeFixture } from './helpers/tree-spec.js';
import { newmrh, needsQmail, rulesEnv, sendOne, showctl, smtpSession, tcprules, writeCaseFile, type CaseFile, type QmailPrograms, type Session, type SessionOptions } from './helpers/qmail.js';

/**
 * Every qmail rule judged by the real qmail-smtpd (notqmail 1.09, built from ../shared/vendor): for
 * each rule a case directory that reproduces its claim, the session that shows it, and the fixed case
 * with the good behaviour and no finding. A case is a `--root` tree whose /var/qmail is the directory
 * qmail-smtpd starts in (it reads ./control/...).
 */

const RUN = '#!/bin/sh\nexec tcpserver -x /etc/tcp.smtp.cdb -u 65534 -g 65534 0 smtp /var/qmail/bin/qmail-smtpd 2>&1\n';

interface Case {
  root: string;
  /** Where qmail-smtpd starts: <root>/var/qmail. */
  qmail: string;
}

/** A tree with `control/<name>` files under /var/qmail, and `extra` files by absolute path. */
function makeCase(control: Record<string, CaseFile>, extra: Record<string, CaseFile> = {}): Case {
  const root = tempDir('mh-qcase-');
  chmodSync(root, 0o755);
  const qmail = join(root, 'var', 'qmail');
  mkdirSync(join(qmail, 'control'), { recursive: true, mode: 0o755 });
  for (const [name, f] of Object.entries(control)) writeCaseFile(join(qmail, 'control', name), f);
  for (const [path, f] of Object.entries(extra)) writeCaseFile(join(root, path), f);
  return { root, qmail };
}

/** The findings of one rule in a case, as `path:line:column`. */
async function findingsOf(c: Case, id: string): Promise<string[]> {
  const report = await lint({ paths: [], root: c.root, rules, version: 'test', cwd: c.root, config: false });
  return report.findings.filter((f) => f.ruleId === id && !f.suppressed).map((f) => `${where(c.root, f.file)}:${f.line}:${f.column}`);
}

/** A finding's file as an absolute path inside the tree. */
const where = (root: string, file: string): string => `/${relative(root, join(root, file))}`;

const ME = { me: 'mx.example.com\n' };
const OWN = { ...ME, rcpthosts: 'example.com\n' };

/** The last reply to RCPT in a session sent by sendOne (HELO, MAIL, RCPT, …). */
const rcptReply = (s: Session): string => s.replies[2] ?? '';
/** The reply to the end of DATA. */
const dataReply = (s: Session): string => s.replies[4] ?? '';

function relay(p: QmailPrograms, c: Case, o?: SessionOptions): Session {
  return sendOne(p, c.qmail, 'x@relay.test', o);
}

interface RuleCase {
  id: string;
  what: string;
  bad: () => Case;
  good: () => Case;
  /** The bad case's session shows the claim; the good one the good behaviour. */
  showBad: (p: QmailPrograms, c: Case) => void;
  showGood: (p: QmailPrograms, c: Case) => void;
  root?: boolean;
}

const cases: RuleCase[] = [
  {
    id: 'MH4001',
    what: 'no rcpthosts: any domain is accepted from any client (open relay)',
    bad: () => makeCase(ME),
    good: () => makeCase(OWN),
    showBad: (p, c) => {
      const s = relay(p, c);
      assert.equal(rcptReply(s), '250 ok');
      assert.deepEqual(s.queued.map((q) => q.to), [['x@relay.test']]);
    },
    showGood: (p, c) => assert.match(rcptReply(relay(p, c)), /^553 sorry, that domain isn't in my list of allowed rcpthosts/),
  },
  {
    id: 'MH4002',
    what: 'rcpthosts with only comments: every domain refused with 553',
    bad: () => makeCase({ ...ME, rcpthosts: '# our domains\n' }),
    good: () => makeCase({ ...ME, rcpthosts: '# our domains\nexample.com\n' }),
    showBad: (p, c) => assert.match(rcptReply(sendOne(p, c.qmail, 'x@example.com')), /^553 /),
    showGood: (p, c) => assert.deepEqual(sendOne(p, c.qmail, 'x@example.com').queued.map((q) => q.to), [['x@example.com']]),
  },
  {
    id: 'MH4003',
    what: 'morercpthosts.cdb older than morercpthosts: the domain added since is refused',
    bad: () => {
      const c = makeCase({ ...OWN, morercpthosts: 'example.org\n' });
      newmrhIn(c);
      writeFileSync(join(c.qmail, 'control', 'morercpthosts'), 'example.org\nexample.net\n');
      age(join(c.qmail, 'control', 'morercpthosts.cdb'), -3600);
      return c;
    },
    good: () => {
      const c = makeCase({ ...OWN, morercpthosts: 'example.org\nexample.net\n' });
      newmrhIn(c);
      return c;
    },
    showBad: (p, c) => {
      assert.equal(rcptReply(sendOne(p, c.qmail, 'x@example.org')), '250 ok');
      assert.match(rcptReply(sendOne(p, c.qmail, 'x@example.net')), /^553 /);
    },
    showGood: (p, c) => assert.equal(rcptReply(sendOne(p, c.qmail, 'x@example.net')), '250 ok'),
  },
  {
    id: 'MH4004',
    what: 'tcp.smtp edited after its cdb was built: the old rules stay in force (no relay for the new network)',
    bad: () => {
      const c = makeCase(OWN, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN, mode: 0o755 } });
      writeCaseFile(join(c.root, 'etc', 'tcp.smtp'), '127.:allow,RELAYCLIENT=""\n:allow\n');
      tcprules(join(c.root, 'etc'), '127.:allow,RELAYCLIENT=""\n:allow\n');
      writeCaseFile(join(c.root, 'etc', 'tcp.smtp'), '127.:allow,RELAYCLIENT=""\n192.168.1.:allow,RELAYCLIENT=""\n:allow\n');
      age(join(c.root, 'etc', 'tcp.smtp.cdb'), -3600);
      return c;
    },
    good: () => {
      const c = makeCase(OWN, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN, mode: 0o755 } });
      writeCaseFile(join(c.root, 'etc', 'tcp.smtp'), '127.:allow,RELAYCLIENT=""\n192.168.1.:allow,RELAYCLIENT=""\n:allow\n');
      age(join(c.root, 'etc', 'tcp.smtp'), -3600);
      tcprules(join(c.root, 'etc'), '127.:allow,RELAYCLIENT=""\n192.168.1.:allow,RELAYCLIENT=""\n:allow\n');
      return c;
    },
    showBad: (p, c) => assert.match(rcptReply(relayFrom(p, c, '192.168.1.5')), /^553 /),
    showGood: (p, c) => assert.equal(rcptReply(relayFrom(p, c, '192.168.1.5')), '250 ok'),
  },
  {
    id: 'MH4005',
    what: 'tcpserver without -x: no rule applies, so even the networks of tcp.smtp cannot relay (rcpthosts alone decides)',
    bad: () => {
      const c = withRules('127.:allow,RELAYCLIENT=""\n:allow\n');
      writeCaseFile(join(c.root, 'var/qmail/supervise/qmail-smtpd/run'), { content: RUN.replace('-x /etc/tcp.smtp.cdb ', ''), mode: 0o755 });
      return c;
    },
    good: () => {
      const c = withRules('127.:allow,RELAYCLIENT=""\n:allow\n');
      writeCaseFile(join(c.root, 'var/qmail/supervise/qmail-smtpd/run'), { content: RUN, mode: 0o755 });
      return c;
    },
    // Without -x tcpserver sets no variable from the rules.
    showBad: (p, c) => assert.match(rcptReply(sendOne(p, c.qmail, 'x@relay.test', { remoteIp: '127.0.0.1' })), /^553 /),
    showGood: (p, c) => assert.equal(rcptReply(relayFrom(p, c, '127.0.0.1')), '250 ok'),
  },
  {
    id: 'MH4007',
    what: 'a run script without the rcpthosts guard starts a service that relays for anyone if rcpthosts is missing',
    bad: () => makeCase(ME, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN, mode: 0o755 } }),
    good: () => makeCase(ME, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN.replace('exec ', 'if [ ! -f /var/qmail/control/rcpthosts ]; then exit 1; fi\nexec '), mode: 0o755 } }),
    showBad: (p, c) => assert.equal(rcptReply(relay(p, c)), '250 ok'),
    // The guard, run by sh in the case's tree: it refuses to start, so no qmail-smtpd answers at all.
    showGood: (_p, c) => {
      const guard = readFileSync(join(c.root, 'var/qmail/supervise/qmail-smtpd/run'), 'utf8').split('\n')[1]!.replaceAll('/var/qmail/', `${c.qmail}/`);
      assert.equal(spawnSync('sh', ['-c', guard]).status, 1);
    },
  },
  {
    id: 'MH4008',
    what: 'databytes 0: a message of any size is accepted; a limit refuses one byte over with 552',
    bad: () => makeCase({ ...OWN, databytes: '0\n' }),
    good: () => makeCase({ ...OWN, databytes: '1000\n' }),
    showBad: (p, c) => assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'x'.repeat(100_000) })), /^250 ok/),
    showGood: (p, c) => {
      assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'x'.repeat(900) })), /^250 ok/);
      assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'x'.repeat(1000) })), /^552 sorry, that message size exceeds my databytes limit/);
    },
  },
  {
    id: 'MH4009',
    what: 'smtpgreeting naming the software: the banner says it',
    bad: () => makeCase({ ...OWN, smtpgreeting: 'mx.example.com qmail 1.03\n' }),
    good: () => makeCase({ ...OWN, smtpgreeting: 'mx.example.com\n' }),
    showBad: (p, c) => {
      // The greeting, and again the answers to HELO and QUIT.
      const s = sendOne(p, c.qmail, 'x@example.com');
      assert.equal(s.greeting, '220 mx.example.com qmail 1.03 ESMTP');
      assert.equal(s.replies[0], '250 mx.example.com qmail 1.03');
      assert.equal(s.replies.at(-1), '221 mx.example.com qmail 1.03');
    },
    showGood: (p, c) => assert.equal(sendOne(p, c.qmail, 'x@example.com').greeting, '220 mx.example.com ESMTP'),
  },
  {
    id: 'MH4012',
    what: 'a comment on the first line of me is the value: the banner is the comment',
    bad: () => makeCase({ me: '# the host name\nmx.example.com\n', rcpthosts: 'example.com\n' }),
    good: () => makeCase(OWN),
    showBad: (p, c) => assert.equal(sendOne(p, c.qmail, 'x@example.com').greeting, '220 # the host name ESMTP'),
    showGood: (p, c) => assert.equal(sendOne(p, c.qmail, 'x@example.com').greeting, '220 mx.example.com ESMTP'),
  },
  {
    id: 'MH4013',
    what: 'rcpthosts entries that never match (CRLF, inline comment, *., @, trailing dot, leading blank): 553',
    bad: () => makeCase({ ...ME, rcpthosts: 'example.com\r\n' }),
    good: () => makeCase(OWN),
    showBad: (p, c) => assert.match(rcptReply(sendOne(p, c.qmail, 'x@example.com')), /^553 /),
    showGood: (p, c) => assert.equal(rcptReply(sendOne(p, c.qmail, 'x@example.com')), '250 ok'),
  },
  {
    id: 'MH4014',
    what: 'morercpthosts.cdb that is not a cdb: 421 for every domain not in rcpthosts',
    bad: () => makeCase({ ...OWN, morercpthosts: 'example.org\n', 'morercpthosts.cdb': 'example.org\n' }),
    good: () => {
      const c = makeCase({ ...OWN, morercpthosts: 'example.org\n' });
      newmrhIn(c);
      return c;
    },
    showBad: (p, c) => {
      assert.match(rcptReply(sendOne(p, c.qmail, 'x@example.org')), /^421 unable to read controls/);
      assert.match(rcptReply(relay(p, c)), /^421 unable to read controls/);
      assert.equal(rcptReply(sendOne(p, c.qmail, 'x@example.com')), '250 ok');
    },
    showGood: (p, c) => {
      assert.equal(rcptReply(sendOne(p, c.qmail, 'x@example.org')), '250 ok');
      assert.match(rcptReply(relay(p, c)), /^553 /);
    },
  },
  {
    id: 'MH4015',
    what: 'a control file qmail-smtpd cannot read (0600 root, run as 65534): 421 as the greeting',
    root: true,
    bad: () => makeCase({ ...ME, rcpthosts: { content: 'example.com\n', mode: 0o600 } }, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN, mode: 0o755 } }),
    good: () => makeCase(OWN, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN, mode: 0o755 } }),
    showBad: (p, c) => assert.match(sendOne(p, c.qmail, 'x@example.com', { uid: 65534 }).greeting, /^421 unable to read controls/),
    showGood: (p, c) => assert.equal(sendOne(p, c.qmail, 'x@example.com', { uid: 65534 }).greeting, '220 mx.example.com ESMTP'),
  },
  {
    id: 'MH4016',
    what: 'neither me nor smtpgreeting: 421 and no mail at all',
    bad: () => makeCase({ rcpthosts: 'example.com\n' }, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN, mode: 0o755 } }),
    good: () => makeCase(OWN, { '/var/qmail/supervise/qmail-smtpd/run': { content: RUN, mode: 0o755 } }),
    showBad: (p, c) => {
      const s = sendOne(p, c.qmail, 'x@example.com');
      assert.match(s.greeting, /^421 unable to read controls/);
      assert.deepEqual(s.queued, []);
    },
    showGood: (p, c) => assert.equal(sendOne(p, c.qmail, 'x@example.com').greeting, '220 mx.example.com ESMTP'),
  },
  {
    id: 'MH4017',
    what: 'an empty smtpgreeting: the banner is "220  ESMTP", with no fallback to me',
    bad: () => makeCase({ ...OWN, smtpgreeting: '' }),
    good: () => makeCase(OWN),
    showBad: (p, c) => assert.equal(sendOne(p, c.qmail, 'x@example.com').greeting, '220  ESMTP'),
    showGood: (p, c) => assert.equal(sendOne(p, c.qmail, 'x@example.com').greeting, '220 mx.example.com ESMTP'),
  },
  {
    id: 'MH4018',
    what: 'databytes "1k" is one byte: every message refused with 552',
    bad: () => makeCase({ ...OWN, databytes: '1k\n' }),
    good: () => makeCase({ ...OWN, databytes: '1024\n' }),
    showBad: (p, c) => assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'hi' })), /^552 /),
    showGood: (p, c) => assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'hi' })), /^250 ok/),
  },
  {
    id: 'MH4049',
    what: 'a domain of locals that rcpthosts does not list: mail for it from other hosts is refused with 553',
    bad: () => makeCase({ ...OWN, locals: 'example.com\nexample.net\n' }),
    good: () => makeCase({ ...ME, rcpthosts: 'example.com\nexample.net\n', locals: 'example.com\nexample.net\n' }),
    showBad: (p, c) => assert.match(rcptReply(sendOne(p, c.qmail, 'x@example.net')), /^553 /),
    showGood: (p, c) => assert.equal(rcptReply(sendOne(p, c.qmail, 'x@example.net')), '250 ok'),
  },
  {
    id: 'MH4050',
    what: 'tcpsvd -i with RELAYCLIENT in the catch-all file 0: qmail-smtpd relays for every client (an empty 0 lets every client in without it)',
    bad: () => withPeers({ '0': '+RELAYCLIENT=\n' }),
    good: () => withPeers({ '0': '' }),
    // What tcpsvd gives qmail-smtpd from the file that matches 203.0.113.9: "0" in the bad case, nothing in the good one.
    showBad: (p, c) => assert.equal(rcptReply(relay(p, c, { remoteIp: '203.0.113.9', relayclient: '' })), '250 ok'),
    showGood: (p, c) => assert.match(rcptReply(relay(p, c, { remoteIp: '203.0.113.9' })), /^553 /),
  },
  {
    id: 'MH5001',
    what: 'the default rule sets RELAYCLIENT: any client relays',
    bad: () => withRules(':allow,RELAYCLIENT=""\n'),
    good: () => withRules('127.:allow,RELAYCLIENT=""\n:allow\n'),
    showBad: (p, c) => assert.equal(rcptReply(relayFrom(p, c, '203.0.113.9')), '250 ok'),
    showGood: (p, c) => assert.match(rcptReply(relayFrom(p, c, '203.0.113.9')), /^553 /),
  },
  {
    id: 'MH5009',
    what: '"allow, RELAYCLIENT" with a blank: the variable is " RELAYCLIENT" and nobody relays',
    bad: () => withRules('127.:allow, RELAYCLIENT=""\n:allow\n'),
    good: () => withRules('127.:allow,RELAYCLIENT=""\n:allow\n'),
    showBad: (p, c) => assert.match(rcptReply(relayFrom(p, c, '127.0.0.1')), /^553 /),
    showGood: (p, c) => assert.equal(rcptReply(relayFrom(p, c, '127.0.0.1')), '250 ok'),
  },
  {
    id: 'MH5010',
    what: 'RELAYCLIENT=".relay.test": appended to every recipient, local ones too',
    bad: () => withRules('127.:allow,RELAYCLIENT=".relay.test"\n:allow\n'),
    good: () => withRules('127.:allow,RELAYCLIENT=""\n:allow\n'),
    showBad: (p, c) => assert.deepEqual(sendFrom(p, c, '127.0.0.1', 'x@example.com').queued.map((q) => q.to), [['x@example.com.relay.test']]),
    showGood: (p, c) => assert.deepEqual(sendFrom(p, c, '127.0.0.1', 'x@example.com').queued.map((q) => q.to), [['x@example.com']]),
  },
];

/** A case whose run script starts qmail-smtpd under tcpsvd -i with these instruction files (ipsvd-instruct(5)). */
function withPeers(files: Record<string, string>): Case {
  const run = '#!/bin/sh\nexec chpst -m 2000000 tcpsvd -v -u qmaild:nofiles -i ./peers 0 smtp /var/qmail/bin/qmail-smtpd 2>&1\n';
  const extra: Record<string, CaseFile> = { '/etc/sv/qmail-smtpd/run': { content: run, mode: 0o755 } };
  for (const [name, text] of Object.entries(files)) extra[`/etc/sv/qmail-smtpd/peers/${name}`] = text;
  return makeCase(OWN, extra);
}

/** A case with tcp.smtp and its cdb (built by the real tcprules) in /etc. */
function withRules(text: string): Case {
  const c = makeCase(OWN);
  writeCaseFile(join(c.root, 'etc', 'tcp.smtp'), text);
  age(join(c.root, 'etc', 'tcp.smtp'), -3600);
  tcprules(join(c.root, 'etc'), text);
  return c;
}

/** A session from `ip` with the variables the case's rules cdb gives it, as tcpserver -x would set them. */
function sendFrom(p: QmailPrograms, c: Case, ip: string, rcpt: string): Session {
  const env = rulesEnv(join(c.root, 'etc', 'tcp.smtp.cdb'), ip);
  assert.ok(env, `the rules deny ${ip}`);
  return sendOne(p, c.qmail, rcpt, { remoteIp: ip, env });
}
const relayFrom = (p: QmailPrograms, c: Case, ip: string): Session => sendFrom(p, c, ip, 'x@relay.test');

function newmrhIn(c: Case): void {
  const r = newmrh(qmailOnce!, c.qmail);
  assert.equal(r.status, 0, r.stderr);
}

function age(path: string, seconds: number): void {
  const t = Date.now() / 1000 + seconds;
  utimesSync(path, t, t);
}

let qmailOnce: QmailPrograms | undefined;
function ready(t: TestContext, root?: boolean): QmailPrograms | undefined {
  const p = needsQmail(t);
  if (!p || !needs(t, TCPRULES, TCPRULESCHECK)) return undefined;
  if (root && !needsRoot(t, 'running qmail-smtpd as another user needs root')) return undefined;
  qmailOnce = p;
  return p;
}

describe('qmail rules judged by the real qmail-smtpd', () => {
  for (const rc of cases) {
    it(`${rc.id}: ${rc.what}`, async (t) => {
      const p = ready(t, rc.root);
      if (!p) return;
      const bad = rc.bad();
      assert.notDeepEqual(await findingsOf(bad, rc.id), [], `${rc.id} is not reported on its case`);
      rc.showBad(p, bad);
      const good = rc.good();
      assert.deepEqual(await findingsOf(good, rc.id), [], `${rc.id} is reported on the fixed case`);
      rc.showGood(p, good);
    });
  }
});

describe('FORMATS.md §10, each misread as qmail-smtpd does it, and as mailharden reports it', () => {
  it('rcpthosts: each entry that never matches is refused with 553 and reported; an indented "#" line is only info', async (t) => {
    const p = ready(t);
    if (!p) return;
    const entries: [string, string][] = [
      ['example.com # ours', 'example.com'],
      ['*.example.org', 'a.example.org'],
      ['@example.net', 'example.net'],
      ['example.info.', 'example.info'],
      [' example.biz', 'example.biz'],
    ];
    for (const [entry, domain] of entries) {
      const c = makeCase({ ...ME, rcpthosts: `${entry}\n` });
      assert.match(rcptReply(sendOne(p, c.qmail, `x@${domain}`)), /^553 /, entry);
      assert.deepEqual(await findingsOf(c, 'MH4013'), ['/var/qmail/control/rcpthosts:1:' + (entry.includes('#') ? '12' : entry.startsWith('@') ? '1' : entry.endsWith('.') ? '13' : '1')], entry);
    }
    // An indented comment is an entry no domain matches: the domains below it still work (locals
    // delivers example.com, so that MH4049 has nothing to say either).
    const c = makeCase({ ...ME, rcpthosts: ' # ours\nexample.com\n', locals: 'example.com\n' });
    assert.equal(rcptReply(sendOne(p, c.qmail, 'x@example.com')), '250 ok');
    const report = await lint({ paths: [], root: c.root, rules, version: 'test', cwd: c.root, config: false });
    assert.deepEqual(report.findings.filter((f) => f.ruleId === 'MH4013').map((f) => f.severity), ['info']);
    assert.deepEqual(report.findings.filter((f) => f.file.endsWith('rcpthosts') && f.severity !== 'info').map((f) => f.ruleId), []);
  });

  it('rcpthosts and morercpthosts in CRLF: no entry matches (high when every line has the CR)', async (t) => {
    const p = ready(t);
    if (!p) return;
    const c = makeCase({ ...ME, rcpthosts: 'example.com\r\n', morercpthosts: 'example.org\r\n' });
    newmrhIn(c);
    assert.match(rcptReply(sendOne(p, c.qmail, 'x@example.com')), /^553 /);
    assert.match(rcptReply(sendOne(p, c.qmail, 'x@example.org')), /^553 /);
    const report = await lint({ paths: [], root: c.root, rules, version: 'test', cwd: c.root, config: false });
    assert.deepEqual(report.findings.filter((f) => f.ruleId === 'MH4013').map((f) => `${where(c.root, f.file)} ${f.severity}`).sort(), [
      '/var/qmail/control/morercpthosts high',
      '/var/qmail/control/rcpthosts high',
    ]);
  });

  it('me empty, smtpgreeting with a blank first line: the banner is "220  ESMTP" (MH4017, MH4012)', async (t) => {
    const p = ready(t);
    if (!p) return;
    const emptyMe = makeCase({ me: '', rcpthosts: 'example.com\n' });
    assert.equal(sendOne(p, emptyMe.qmail, 'x@example.com').greeting, '220  ESMTP');
    assert.deepEqual(await findingsOf(emptyMe, 'MH4017'), ['/var/qmail/control/me:1:1']);
    const blank = makeCase({ ...OWN, smtpgreeting: '\nmx.example.com\n' });
    assert.equal(sendOne(p, blank.qmail, 'x@example.com').greeting, '220  ESMTP');
    assert.deepEqual(await findingsOf(blank, 'MH4012'), ['/var/qmail/control/smtpgreeting:1:1']);
    assert.deepEqual(await findingsOf(blank, 'MH4017'), []);
  });

  it('databytes "100 # limit" is 100 and works: info, not high; a comment first is no limit (MH4008)', async (t) => {
    const p = ready(t);
    if (!p) return;
    const c = makeCase({ ...OWN, databytes: '100 # limit\n' });
    assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'hi' })), /^250 ok/);
    assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'x'.repeat(200) })), /^552 /);
    const report = await lint({ paths: [], root: c.root, rules, version: 'test', cwd: c.root, config: false });
    assert.deepEqual(report.findings.filter((f) => f.file.endsWith('databytes')).map((f) => `${f.ruleId} ${f.severity}`), ['MH4018 info']);
    const comment = makeCase({ ...OWN, databytes: '# 100 bytes\n100\n' });
    assert.match(dataReply(sendOne(p, comment.qmail, 'x@example.com', { body: 'x'.repeat(100_000) })), /^250 ok/);
    assert.deepEqual(await findingsOf(comment, 'MH4008'), ['/var/qmail/control/databytes:1:1']);
  });

  it('a DATABYTES from the rules overrides the file; a RELAYCLIENT value rewrites local recipients too', (t) => {
    const p = ready(t);
    if (!p) return;
    const c = makeCase({ ...OWN, databytes: '1000\n' });
    assert.match(dataReply(sendOne(p, c.qmail, 'x@example.com', { body: 'x'.repeat(5000), databytes: '0' })), /^250 ok/);
    const s = smtpSession(p, c.qmail, ['HELO c', 'MAIL FROM:<a@c.test>', 'RCPT TO:<x@example.com>', 'RCPT TO:<y@relay.test>', 'DATA', 'hi', '.', 'QUIT'], { relayclient: '.r.test' });
    assert.deepEqual(s.queued.map((q) => q.to), [['x@example.com.r.test', 'y@relay.test.r.test']]);
  });

  it('qmail-showctl, the second opinion: rcpthosts as read, and the leading digits of databytes', (t) => {
    const p = ready(t);
    if (!p) return;
    const c = makeCase({ ...ME, rcpthosts: '# ours\nexample.com # inline\n.example.com\n', databytes: '1k\n' });
    const out = showctl(p, c.qmail);
    assert.match(out, /SMTP clients may send messages to recipients at example\.com # inline\./);
    assert.match(out, /SMTP clients may send messages to recipients at \.example\.com\./);
    assert.match(out, /databytes: SMTP DATA limit is 1 bytes\./);
  });

  it('MH4040: under the memory limit apply writes (ulimit -v) a client sending a 30 MB line is dropped with 421 out of memory; without one qmail-smtpd reads it whole', (t) => {
    const p = ready(t);
    if (!p) return;
    const c = makeCase({ ...ME, rcpthosts: 'example.com\n' });
    const input = `HELO client.test\r\nMAIL FROM:<${'a'.repeat(30_000_000)}@client.test>\r\nQUIT\r\n`;
    const session = (limit: string): string => {
      const r = spawnSync('/bin/sh', ['-c', `${limit}exec "$0"`, p.smtpd], { cwd: c.qmail, env: { PATH: '/usr/bin:/bin', TCPREMOTEIP: '192.0.2.10', TCPLOCALIP: '127.0.0.1' }, input, encoding: 'latin1', timeout: 60_000, maxBuffer: 1024 * 1024 });
      return (r.stdout ?? '').split('\r\n').filter((l) => /^\d{3} /.test(l)).slice(2).join(' | ');
    };
    // The limit of the run script apply writes for memory: 20000000 (src/render/qmail.ts: KiB rounded up).
    assert.match(session('ulimit -v 19532; '), /^421 out of memory/);
    // Without: the whole line is read into memory and parsed (an address that long is a syntax error).
    assert.match(session(''), /^555 syntax error/);
  });
});

describe('fixtures/roots: each qmail tree in front of the real qmail-smtpd, and what mailharden says of it', () => {
  // qmail-smtpd runs outside the tree: a link to an absolute path there would name the test machine's file.
  const outside = (f: TreeFixture) => f.entries.some((e) => e.type === 'link' && e.target.startsWith('/') && e.path.startsWith('/var/qmail/control/'));
  for (const fx of loadTreeFixtures().filter((f) => /^MH4/.test(f.name) && f.entries.some((e) => e.path.startsWith('/var/qmail/control/')) && !outside(f))) {
    it(fx.name, async (t) => {
      const p = ready(t, true);
      if (!p) return;
      const root = buildTree(fx);
      const qmail = join(root, 'var', 'qmail');
      const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false });
      const said = (id: string) => report.findings.some((f) => f.ruleId === id && !f.suppressed);
      // qmail-smtpd runs as qmaild; nobody (65534) stands in for it.
      const s = sendOne(p, qmail, 'x@relay.test', { uid: 65534 });
      const has = (name: string) => fx.entries.some((e) => e.path === `/var/qmail/control/${name}`);
      if (s.greeting.startsWith('421')) {
        assert.ok((!has('me') && !has('smtpgreeting')) || said('MH4015') || said('MH4016'), `421 at the greeting, and no rule says why:\n${s.transcript}`);
        return;
      }
      assert.match(s.greeting, /^220 /);
      assert.equal(said('MH4001'), rcptReply(s) === '250 ok', `MH4001 ${said('MH4001') ? 'reported' : 'not reported'}, and qmail-smtpd answered RCPT to a foreign domain with "${rcptReply(s)}"`);
      assert.equal(said('MH4014'), rcptReply(s).startsWith('421'), `MH4014 against "${rcptReply(s)}"`);
      if (said('MH4009')) assert.match(s.greeting, /qmail|1\.0\d/i);
      if (said('MH4017')) assert.equal(s.greeting, '220  ESMTP');
      // databytes: with no limit reported, 100 kB goes through; with a unit dropped, two bytes do not.
      if (said('MH4001') || !has('rcpthosts')) return;
      const local = (fx.entries.find((e) => e.path === '/var/qmail/control/rcpthosts' && e.type === 'file') as { content?: string } | undefined)?.content?.split('\n').find((l) => /^[a-z]/.test(l));
      if (!local) return;
      const big = sendOne(p, qmail, `x@${local}`, { uid: 65534, body: 'x'.repeat(100_000) });
      if (said('MH4008')) assert.match(dataReply(big), /^250 ok/, big.transcript);
    });
  }
});

describe('qmail-showctl, the second opinion: how qmail reads each control fixture, against the parser', () => {
  /** What showctl prints for text it shows: each byte outside printable ASCII as "?". */
  const shown = (s: string) => s.replace(/[^\x20-\x7e]/g, '?');
  const dir = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'fixtures', 'qmail-control');
  for (const name of readdirSync(dir).filter((n) => /\.(rcpthosts|morercpthosts)$/.test(n))) {
    it(name, (t) => {
      const p = ready(t);
      if (!p) return;
      const text = readFileSync(join(dir, name), 'latin1');
      const control = name.endsWith('.rcpthosts') ? 'rcpthosts' : 'morercpthosts';
      const c = makeCase({ ...ME, rcpthosts: control === 'rcpthosts' ? text : 'example.com\n', [control]: text });
      const doc = parseQmailControl(new SourceFile(`control/${control}`, text));
      const out = showctl(p, c.qmail);
      // showctl lists the lines of rcpthosts, and of morercpthosts (the text, not the cdb), as control_readfile keeps them.
      const section = out.split(`\n${control}: `)[1]?.split('\n\n')[0] ?? '';
      const read = [...section.matchAll(/^SMTP clients may send messages to recipients at (.*)\.$/gm)].map((m) => m[1]!);
      assert.deepEqual(read, doc.entries.map((e) => shown(e.text)), out);
    });
  }

  it('databytes: the number qmail reads, for each way of writing it', (t) => {
    const p = ready(t);
    if (!p) return;
    for (const text of ['20971520\n', '1k\n', '100 # limit\n', '100\r\n', '# 1000\n1000\n', ' 1000\n', '4294967296\n', '-1\n', '']) {
      const c = makeCase({ ...ME, databytes: text });
      const m = /databytes: .*SMTP DATA limit is (\d+) bytes\./.exec(showctl(p, c.qmail));
      assert.ok(m, text);
      assert.equal(Number(m[1]), parseQmailControl(new SourceFile('control/databytes', text)).number, JSON.stringify(text));
    }
  });
});
