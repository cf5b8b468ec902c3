import assert from 'node:assert/strict';
import { statSync, chmodSync, cpSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, run } from './helpers/cli.js';
import { liveEnabled, smtpSession } from './helpers/live.js';
import { needsQmail, tcprules } from './helpers/qmail.js';
import { freePort, installPrograms, MountedService, queuedMessages, UNSHARE } from './helpers/qmail-service.js';
import { needs, needsRoot, TCPRULES, tempDir } from './helpers/real.js';

/**
 * The proof of qmail hardening (issue 17, "Proof"), with the real programs: a qmail tree with the
 * weaknesses apply covers; lint reports them; apply of a qmail policy; lint again; then the run script
 * apply wrote is started verbatim (tcpserver from ucspi-tcp, the notqmail qmail-smtpd built from
 * ../shared/vendor) with the tree on /var/qmail in a mount namespace of its own, and sessions over TCP
 * from chosen addresses of 127/8 show what the policy promises: relay exactly for its networks (at the
 * edges), its domains accepted and no other, a greeting without the software name, a message one byte
 * over databytes refused, and nothing for the probe to report. The same sessions against the tree as
 * it was before apply show the opposite, so the checks can fail.
 *
 * Live (it starts a daemon on loopback and mounts in a namespace): MAILHARDEN_LIVE=1 and root run it;
 * CI fails without them. Nothing outside the temporary directories changes; the process group started
 * is the only one signalled. The transcripts go to t.diagnostic (key lines) and to a file in the work
 * directory; MAILHARDEN_LIVE_QMAIL_LOG=FILE copies them there too.
 */

const TCPSERVER = '/usr/bin/tcpserver';
/** Ids that exist nowhere else: the smtpd user qmaild is 7791 in group nofiles, 2108. */
const USERS = { alias: 7790, qmaild: 7791, qmaill: 7792, qmailp: 7793, qmailq: 7794, qmailr: 7795, qmails: 7796 } as const;
const NOFILES = 2108;
const QMAIL_GROUP = 2107;
const GREETING = 'mx.example.com';
const DATABYTES = 5000;
/** The policy's relay network 127.0.0.8/29: its edges and the addresses just outside. */
const INSIDE = ['127.0.0.8', '127.0.0.15'];
const OUTSIDE = ['127.0.0.7', '127.0.0.16'];
const REMOTE = 'user@elsewhere.test';

/** The rules lint must report on the weak tree, and apply must leave none of. */
const WEAKNESSES = {
  MH4009: 'smtpgreeting names the software',
  MH4018: 'databytes "1k" (a one-byte limit)',
  MH4013: 'rcpthosts entries that never match (CRLF, inline comment)',
  MH4003: 'morercpthosts.cdb older than morercpthosts',
  MH4014: 'morercpthosts.cdb that is not a cdb',
  MH5001: 'tcp.smtp lets everyone relay',
  MH4004: 'tcp.smtp.cdb older than tcp.smtp',
  MH4006: 'tcpserver without -u/-g (qmail-smtpd as root)',
  MH4040: 'no memory limit',
  MH4007: 'no rcpthosts guard',
  MH4041: 'tcpserver without -v',
  MH4042: 'no log/run',
  MH4043: '~alias/.qmail-root missing',
  MH4044: '~alias owned by root, not alias (hier.c)',
  MH4011: 'the control directory writable by its group',
} as const;

/** The weak tree: an old qmail installation, as issue 17 lists its weaknesses. */
function weakTree(root: string): void {
  const file = (path: string, content: string, mode = 0o644): void => {
    const at = join(root, path);
    mkdirSync(join(at, '..'), { recursive: true, mode: 0o755 });
    writeFileSync(at, content);
    chmodSync(at, mode);
  };
  chmodSync(root, 0o755);
  const account = (name: string, id: number, gid: number, home: string): string => `${name}:x:${id}:${gid}::${home}:/bin/false`;
  file('etc/passwd', ['root:x:0:0:root:/root:/bin/sh', ...Object.entries(USERS).map(([name, id]) => account(name, id, id <= USERS.qmailp ? NOFILES : QMAIL_GROUP, name === 'alias' ? '/var/qmail/alias' : '/var/qmail')), ''].join('\n'));
  file('etc/group', `root:x:0:\nqmail:x:${QMAIL_GROUP}:\nnofiles:x:${NOFILES}:\n`);
  const control = 'var/qmail/control';
  file(`${control}/me`, 'mx.example.com\n');
  file(`${control}/smtpgreeting`, 'mx.example.com notqmail 1.09\n');
  file(`${control}/databytes`, '1k\n');
  file(`${control}/rcpthosts`, 'example.com\r\n.example.com # and the subdomains\n');
  file(`${control}/locals`, 'example.com\n');
  file(`${control}/virtualdomains`, '.example.com:alias-sub\n');
  file(`${control}/morercpthosts`, 'other.example\n');
  file(`${control}/morercpthosts.cdb`, 'other.example\n');
  file(`${control}/tcp.smtp`, ':allow,RELAYCLIENT=""\n');
  file(`${control}/tcp.smtp.cdb`, 'stale\n');
  const old = new Date('2020-01-01T00:00:00Z');
  for (const cdb of ['morercpthosts.cdb', 'tcp.smtp.cdb']) utimesSync(join(root, control, cdb), old, old);
  file('var/qmail/supervise/qmail-smtpd/run', '#!/bin/sh\nexec tcpserver -x /var/qmail/control/tcp.smtp.cdb 0 smtp /var/qmail/bin/qmail-smtpd\n', 0o755);
  file('var/qmail/alias/.qmail-postmaster', '&root\n');
  file('var/qmail/alias/.qmail-decode', '|/usr/bin/uudecode\n');
  mkdirSync(join(root, 'var/qmail/bin'), { mode: 0o755 });
  // hier.c: ~alias is alias's (here root's), control/ is nobody else's to write (here its group's).
  chmodSync(join(root, control), 0o775);
}

function policy(port: number): string {
  return [
    'version: 1',
    'mta: [qmail]',
    `hostname: ${GREETING}`,
    'paths:',
    '  tcpRules: /var/qmail/control/tcp.smtp',
    'relay:',
    '  networks: [127.0.0.8/29]',
    '  domains: [example.com, .example.com]',
    'aliases:',
    '  postmaster: root',
    '  strip: [decode]',
    'qmail:',
    `  greeting: ${GREETING}`,
    `  databytes: ${DATABYTES}`,
    '  hier: true',
    '  smtpd:',
    '    address: 127.0.0.1',
    `    port: ${port}`,
    '    memory: 40000000',
    '',
  ].join('\n');
}

interface Finding {
  ruleId: string;
  message: string;
  file?: string;
  suppressed?: boolean;
}

function lintIds(root: string): { ids: Set<string>; findings: Finding[] } {
  const r = run(['lint', '--root', root, '-f', 'json', '--fail-on', 'none']);
  assert.equal(r.code, 0, r.stderr);
  const findings = (JSON.parse(r.stdout) as { findings: Finding[] }).findings.filter((f) => !f.suppressed);
  return { ids: new Set(findings.map((f) => f.ruleId)), findings };
}

/**
 * A message whose bytes as qmail-smtpd counts them number `size`: it counts what it passes to
 * qmail-queue (qmail-smtpd.c put()): CRLF as LF, the final "." line not at all, its own Received
 * header not at all. Lines of 72 characters, none starting with a dot.
 */
function messageOf(size: number): { counted: string; wire: string } {
  const lines = ['Subject: databytes', ''];
  let used = lines.reduce((n, l) => n + l.length + 1, 0);
  while (used < size) {
    const len = Math.min(72, size - used - 1);
    lines.push('x'.repeat(len));
    used += len + 1;
  }
  const counted = `${lines.join('\n')}\n`;
  assert.equal(Buffer.byteLength(counted), size);
  return { counted, wire: `${lines.join('\r\n')}\r\n.` };
}

/** What the service does, observed over TCP: the facts the test asserts, and the transcripts. */
interface Observed {
  greeting: string;
  /** RCPT of a remote recipient, by client address: the reply's last line. */
  relay: Map<string, string>;
  /** RCPT from outside the network, by recipient. */
  domains: Map<string, string>;
  /** The reply to the end of DATA of a message of databytes bytes, and of one byte more. */
  atLimit: string;
  overLimit: string;
  queued: { from: string; to: string[]; message: string }[];
  probe: { code: number; ids: string[]; text: string };
  transcripts: string[];
}

async function observe(port: number, queuedDir: string): Promise<Observed> {
  const transcripts: string[] = [];
  const session = async (from: string, commands: string[]) => {
    const s = await smtpSession({ host: '127.0.0.1', port, localAddress: from, commands, timeoutMs: 15_000 });
    transcripts.push(s.transcript.replace(/x{72}(\r?\n?C?:? ?x*)*/g, '<72 x per line>'));
    return s;
  };
  const last = (r: { lines: string[] } | undefined): string => r?.lines.at(-1) ?? '(none)';
  const relay = new Map<string, string>();
  let greeting = '';
  for (const from of [...OUTSIDE, ...INSIDE]) {
    const s = await session(from, ['HELO client.test', 'MAIL FROM:<a@client.test>', `RCPT TO:<${REMOTE}>`, 'QUIT']);
    greeting = last(s.greeting);
    relay.set(from, last(s.replies[2]));
  }
  const domains = new Map<string, string>();
  const rcpts = ['postmaster@example.com', 'user@sub.example.com', 'user@example.net'];
  const d = await session(OUTSIDE[0]!, ['HELO client.test', 'MAIL FROM:<a@client.test>', ...rcpts.map((r) => `RCPT TO:<${r}>`), 'QUIT']);
  rcpts.forEach((r, i) => domains.set(r, last(d.replies[2 + i])));
  const data = async (size: number): Promise<string> => {
    const s = await session(OUTSIDE[0]!, ['HELO client.test', 'MAIL FROM:<a@client.test>', 'RCPT TO:<postmaster@example.com>', 'DATA', messageOf(size).wire, 'QUIT']);
    return last(s.replies[4]);
  };
  const atLimit = await data(DATABYTES);
  const overLimit = await data(DATABYTES + 1);
  const p = run(['probe', `127.0.0.1:${port}`, '-f', 'json', '--fail-on', 'none', '--timeout', '10']);
  const findings = p.code === 0 ? (JSON.parse(p.stdout) as { findings: Finding[] }).findings : [];
  const probe = { code: p.code, ids: [...new Set(findings.map((f) => f.ruleId))].sort(), text: `${findings.map((f) => `${f.ruleId}: ${f.message}`).join('\n')}${p.stderr}` };
  return { greeting, relay, domains, atLimit, overLimit, queued: queuedMessages(queuedDir), probe, transcripts };
}

function summary(o: Observed): string {
  return [
    `greeting: ${o.greeting}`,
    ...[...o.relay].map(([from, line]) => `RCPT TO:<${REMOTE}> from ${from}: ${line}`),
    ...[...o.domains].map(([rcpt, line]) => `RCPT TO:<${rcpt}> from ${OUTSIDE[0]}: ${line}`),
    `DATA of ${DATABYTES} bytes: ${o.atLimit}`,
    `DATA of ${DATABYTES + 1} bytes: ${o.overLimit}`,
    `queued: ${o.queued.length} (${o.queued.map((q) => `${q.to.join(',')} ${q.message.length} bytes`).join('; ')})`,
    `probe: exit ${o.probe.code}, ${o.probe.ids.join(' ') || 'no findings'}`,
  ].join('\n');
}

test('live: a weak qmail tree, linted, applied, and proven with tcpserver and the real qmail-smtpd on loopback', { timeout: 120_000 }, async (t) => {
  if (!liveEnabled(t, 'it starts tcpserver and qmail-smtpd on 127.0.0.1 in a mount namespace of its own')) return;
  if (!needsRoot(t, 'the live qmail test mounts in a namespace of its own and runs qmail-smtpd as another user')) return;
  if (!needs(t, TCPSERVER, TCPRULES, UNSHARE, CLI)) return;
  const programs = needsQmail(t);
  if (!programs) return;

  const work = tempDir('mh-live-qmail-');
  const log: string[] = [];
  const section = (title: string, text: string): void => void log.push(`=== ${title}\n${text.endsWith('\n') ? text : `${text}\n`}`);
  const services: MountedService[] = [];
  const onExit = (): void => services.forEach((s) => s.stopNow());
  process.on('exit', onExit);
  try {
    // 1. The weak tree, and a copy of it for the sessions that show the checks can fail.
    const tree = join(work, 'tree');
    mkdirSync(tree);
    weakTree(tree);
    const before = join(work, 'before');
    cpSync(tree, before, { recursive: true, preserveTimestamps: true });

    // 2. lint reports each weakness.
    const first = lintIds(tree);
    section('lint before apply', first.findings.map((f) => `${f.ruleId} ${f.file}: ${f.message}`).join('\n'));
    for (const [id, what] of Object.entries(WEAKNESSES)) assert.ok(first.ids.has(id), `lint must report ${id} (${what}) on the weak tree; it reported ${[...first.ids].join(' ')}`);

    // 3. apply, twice: the second finds nothing to change.
    const port = await freePort();
    const policyFile = join(work, 'policy.yaml');
    writeFileSync(policyFile, policy(port));
    const applied = run(['apply', policyFile, '--root', tree]);
    section('apply', `exit ${applied.code}\n${applied.stdout}${applied.stderr}`);
    assert.equal(applied.code, 0, `${applied.stdout}${applied.stderr}`);
    const again = run(['apply', policyFile, '--root', tree]);
    section('apply again', `exit ${again.code}\n${again.stdout}${again.stderr}`);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes: /m, again.stdout);

    // 4. lint finds none of them any more, nor anything else.
    const second = lintIds(tree);
    section('lint after apply', second.findings.map((f) => `${f.ruleId} ${f.file}: ${f.message}`).join('\n') || '(nothing)');
    const left = Object.keys(WEAKNESSES).filter((id) => second.ids.has(id));
    assert.deepEqual(left, [], second.findings.filter((f) => left.includes(f.ruleId)).map((f) => `${f.ruleId}: ${f.message}`).join('\n'));
    assert.deepEqual([...second.ids], [], second.findings.map((f) => `${f.ruleId}: ${f.message}`).join('\n'));
    // The log directory log/run names: made for qmaill, 0750.
    const logDir = statSync(join(tree, 'var/log/qmail/smtpd'));
    assert.deepEqual([logDir.uid, logDir.mode & 0o7777], [USERS.qmaill, 0o750]);
    // hier.c's ~alias: alias:qmail 02755.
    const alias = statSync(join(tree, 'var/qmail/alias'));
    assert.deepEqual([alias.uid, alias.gid, alias.mode & 0o7777], [USERS.alias, QMAIL_GROUP, 0o2755]);

    // 5. The run script apply wrote, started as supervise would (sh run), with the tree on /var/qmail.
    const runScript = readFileSync(join(tree, 'var/qmail/supervise/qmail-smtpd/run'), 'utf8');
    section('the run script apply wrote', runScript);
    assert.match(runScript, new RegExp(` -u ${USERS.qmaild} -g ${NOFILES} 127\\.0\\.0\\.1 ${port} /var/qmail/bin/qmail-smtpd `));
    const queued = installPrograms(join(tree, 'var/qmail'), programs.smtpd, USERS.qmaild);
    const service = new MountedService(join(tree, 'var/qmail'), ['sh', '/var/qmail/supervise/qmail-smtpd/run'], port);
    services.push(service);
    let after: Observed;
    try {
      await service.start();
      // tcpserver dropped to the numeric ids apply rendered before it accepted anything.
      assert.deepEqual(service.ids(), { uid: USERS.qmaild, gid: NOFILES, groups: [NOFILES] });
      // 6. Over TCP from chosen addresses.
      after = await observe(port, queued);
    } finally {
      await service.stop();
      section('tcpserver -v of the applied tree', service.output.join('\n'));
    }
    section('after apply: what the sessions showed', summary(after));
    section('after apply: transcripts', after.transcripts.join('\n'));
    section('after apply: probe findings', after.probe.text || '(none)');
    assert.equal(after.greeting, `220 ${GREETING} ESMTP`);
    for (const from of INSIDE) assert.match(after.relay.get(from)!, /^250 /, `relay from ${from}, inside 127.0.0.8/29`);
    for (const from of OUTSIDE) assert.match(after.relay.get(from)!, /^553 /, `relay from ${from}, outside 127.0.0.8/29`);
    assert.match(after.domains.get('postmaster@example.com')!, /^250 /);
    assert.match(after.domains.get('user@sub.example.com')!, /^250 /);
    assert.match(after.domains.get('user@example.net')!, /^553 /);
    assert.match(after.atLimit, /^250 ok/);
    assert.match(after.overLimit, /^552 /);
    // What the stand-in for qmail-queue received: the message at the limit, byte for byte after
    // qmail-smtpd's own Received header, and nothing of the one over it.
    assert.equal(after.queued.length, 1, summary(after));
    assert.deepEqual(after.queued[0]!.to, ['postmaster@example.com']);
    assert.ok(after.queued[0]!.message.endsWith(messageOf(DATABYTES).counted));
    assert.match(after.queued[0]!.message, /^Received: from unknown \(HELO client\.test\) \(127\.0\.0\.7\)\n/);
    assert.equal(after.probe.code, 0, after.probe.text);
    assert.deepEqual(after.probe.ids.filter((id) => id === 'MH7001' || id === 'MH7005'), [], after.probe.text);
    // tcpserver -v logged each connection with its client address.
    const seen = new Set([...service.output.join('\n').matchAll(/^tcpserver: ok \d+ \S+ :(127\.0\.0\.\d+)::\d+$/gm)].map((m) => m[1]));
    for (const from of [...INSIDE, ...OUTSIDE]) assert.ok(seen.has(from), service.output.join('\n'));

    // The same sessions against the tree as it was (its tcp.smtp compiled, so tcpserver can read it):
    // they must show the weaknesses, or the checks above prove nothing.
    const beforeQmail = join(before, 'var/qmail');
    tcprules(join(beforeQmail, 'control'), readFileSync(join(beforeQmail, 'control/tcp.smtp'), 'latin1'));
    const beforeQueued = installPrograms(beforeQmail, programs.smtpd, USERS.qmaild);
    const oldPort = await freePort();
    const old = new MountedService(beforeQmail, [TCPSERVER, '-v', '-R', '-x', '/var/qmail/control/tcp.smtp.cdb', '-u', String(USERS.qmaild), '-g', String(NOFILES), '127.0.0.1', String(oldPort), '/var/qmail/bin/qmail-smtpd'], oldPort);
    services.push(old);
    let was: Observed;
    try {
      await old.start();
      was = await observe(oldPort, beforeQueued);
    } finally {
      await old.stop();
    }
    section('before apply: what the sessions showed', summary(was));
    section('before apply: transcripts', was.transcripts.join('\n'));
    assert.match(was.greeting, /notqmail/);
    assert.match(was.relay.get(OUTSIDE[0]!)!, /^250 /, 'before apply everyone relays');
    assert.doesNotMatch(was.atLimit, /^250 /, 'before apply databytes 1k refuses every message');
    assert.ok(was.probe.ids.includes('MH7001') && was.probe.ids.includes('MH7005'), was.probe.text);
  } finally {
    process.off('exit', onExit);
    for (const s of services) await s.stop();
    const text = log.join('\n');
    writeFileSync(join(work, 'live-qmail-transcripts.txt'), text);
    if (process.env.MAILHARDEN_LIVE_QMAIL_LOG) writeFileSync(process.env.MAILHARDEN_LIVE_QMAIL_LOG, text);
    for (const s of log.filter((l) => /^=== (after|before) apply: what/.test(l))) t.diagnostic(s);
    t.diagnostic(`transcripts: ${join(work, 'live-qmail-transcripts.txt')}`);
  }
});
