import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { SourceFile } from '../src/core/source.js';
import { lintText } from '../src/lint/text.js';
import { connectionLimit } from '../src/model/connection-limits.js';
import { antiSpamOf } from '../src/model/sendmail-antispam.js';
import { parseAs } from '../src/parsers/documents.js';
import { parseAccess } from '../src/parsers/access.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, MAKEMAP, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';
import { Daemon, liveEnabled, smtpSession as liveSession } from './helpers/live.js';
import { smtpSession } from './helpers/smtp-bs.js';

/** The port of the live test's own daemon (loopback only). */
const LIVE_PORT = 2599;

/**
 * The anti-spam and limit rules (MH1095-MH1098, MH1100, MH1101) judged by the real programs: Debian's
 * sendmail.mc with the FEATUREs changed, built by m4; an access map built by makemap; then sendmail
 * -bt (rulesets with ${client_addr} and ${client_rate} set by .D) and -bs (an SMTP session).
 */

const idsOn = (text: string, kind: 'sendmail-cf' | 'sendmail-mc' | 'access', id: string) => lintText(text, kind, rules, { path: `test.${kind}` }).filter((f) => f.ruleId === id);

const work = tempDir('mh-abuse-');
after(() => rmSync(work, { recursive: true, force: true }));
let serial = 0;

/** Debian's .mc with the lines of the FEATUREs named in `drop` removed and `add` put before MAILER_DEFINITIONS. */
function mcWith(drop: string[], add: string[]): string {
  const kept = debianMc()
    .split('\n')
    .filter((l) => !drop.some((f) => l.startsWith(`FEATURE(\`${f}'`)));
  const at = kept.findIndex((l) => l.startsWith('MAILER_DEFINITIONS'));
  kept.splice(at, 0, ...add);
  return kept.join('\n');
}

/** The cf m4 builds from an .mc, its access map moved to `map` (a makemap source of the test's own). */
function build(mc: string, map?: string): { cf: string; stderr: string } {
  const r = m4Build(mc);
  assert.equal(r.status, 0, r.stderr);
  const cf = map ? r.stdout.replace(/^(Kaccess hash .*) \/etc\/mail\/access$/m, `$1 ${map}`) : r.stdout;
  if (map) assert.notEqual(cf, r.stdout, 'the cf has a Kaccess line');
  return { cf, stderr: r.stderr };
}

/** An access map built by the real makemap; returns the path the cf's Kaccess line names. */
function accessMap(source: string): string {
  const dir = join(work, `map${serial++}`);
  mkdirSync(dir);
  const path = join(dir, 'access');
  writeFileSync(path, source);
  const r = spawnSync(MAKEMAP, ['hash', path], { input: source, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return path;
}

/** `sendmail -C cf -bt`: each line of `input` run, and what each named ruleset returned, in order. */
function bt(cf: string, input: string): { returns: { ruleset: string; value: string }[]; output: string } {
  const path = join(work, `t${serial++}.cf`);
  writeFileSync(path, cf, { mode: 0o644 });
  const r = spawnSync(SENDMAIL, ['-C', path, '-bt'], { input, encoding: 'utf8', timeout: 30_000 });
  const returns = [...r.stdout.matchAll(/^(\S+)\s+returns: (.*)$/gm)].map((m) => ({ ruleset: m[1]!, value: m[2]!.trim() }));
  return { returns, output: r.stdout };
}

/** What ruleset `name` (as -bt shortens it) returned last. */
const last = (r: { returns: { ruleset: string; value: string }[] }, name: string): string | undefined => r.returns.filter((x) => name.startsWith(x.ruleset)).pop()?.value;


/** What a server says on connecting, sending nothing, until it closes the connection or 5 s pass. */
function firstWords(host: string, port: number): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ text, closed: false });
    }, 5000);
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      if (text.length < 4096) text += d;
    });
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true });
    });
  });
}

describe('MH1095 connection controls, against m4 and sendmail -bt/-bs', () => {
  const drop = ['ratecontrol', 'conncontrol'];
  const stockMc = debianMc();
  const plainMc = mcWith(drop, ["FEATURE(`conncontrol')dnl", "FEATURE(`ratecontrol')dnl"]);
  const noTermMc = mcWith(drop, ["FEATURE(`conncontrol', `nodelay')dnl", "FEATURE(`ratecontrol', `nodelay')dnl"]);
  const termOnlyMc = mcWith(drop, ["FEATURE(`conncontrol', `', `terminate')dnl", "FEATURE(`ratecontrol', `', `terminate')dnl"]);

  it('nodelay+terminate (Debian) is checked in check_relay with 421; without nodelay there is no check_relay and the limit answers at RCPT', (t) => {
    if (!needs(t, SENDMAIL, M4, MAKEMAP, DEBIAN_MC)) return;
    const map = accessMap('ClientRate:192.0.2.1\t2\nClientConn:192.0.2.1\t2\n');
    const ask = '.D{client_addr}192.0.2.1\n.D{client_rate}3\n.D{client_connections}3\ncheck_relay client.example $| 192.0.2.1\nBasic_check_relay client.example $| 192.0.2.1\n';
    const stock = bt(build(stockMc, map).cf, ask);
    assert.match(last(stock, 'check_relay') ?? '', /421 Connection rate limit exceeded/);
    const plain = bt(build(plainMc, map).cf, ask);
    assert.equal(last(plain, 'check_relay'), undefined, 'no check_relay ruleset under delay_checks without nodelay');
    assert.match(last(plain, 'Basic_check_relay') ?? '', /452 Connection rate limit exceeded/);
    const noTerm = bt(build(noTermMc, map).cf, ask);
    assert.match(last(noTerm, 'check_relay') ?? '', /452 Connection rate limit exceeded/);
    // Under the limit nothing is refused.
    assert.doesNotMatch(last(bt(build(stockMc, map).cf, ask.replace(/rate\}3/, 'rate}1').replace(/connections\}3/, 'connections}1')), 'check_relay') ?? '', /error/);

    // Lint: on the .mc and on the cf m4 built from it.
    for (const [mc, expected] of [[stockMc, []], [plainMc, ['delayed', 'delayed']], [termOnlyMc, ['delayed', 'delayed']], [noTermMc, ['noTerminate', 'noTerminate']]] as const) {
      const fromMc = idsOn(mc, 'sendmail-mc', 'MH1095');
      const fromCf = idsOn(build(mc).cf, 'sendmail-cf', 'MH1095');
      assert.equal(fromMc.length, expected.length, fromMc.map((f) => f.message).join('\n'));
      assert.equal(fromCf.length, expected.length, fromCf.map((f) => f.message).join('\n'));
      for (const f of [...fromMc, ...fromCf]) assert.match(f.message, expected[0] === 'delayed' ? /only at each RCPT/ : /452/);
    }
  });

  it('delayed to RCPT, even a 421 (terminate) leaves the session open: the real sendmail -bs goes on after it', async (t) => {
    if (!needs(t, SENDMAIL, M4, MAKEMAP, DEBIAN_MC)) return;
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    // -1 is read as a limit below any count (see MH1096), so the limit is exceeded even in -bs, where no connection is counted.
    const map = accessMap('ClientConn:\t-1\n');
    for (const [mc, code] of [[plainMc, 452], [termOnlyMc, 421]] as const) {
      const s = await smtpSession(build(mc, map).cf, ['EHLO client.example', 'MAIL FROM:<>', 'RCPT TO:<root@localhost>', 'NOOP', 'QUIT']);
      assert.equal(s.find((x) => x.command.startsWith('RCPT'))!.code, code, JSON.stringify(s));
      assert.equal(s.find((x) => x.command === 'NOOP')!.code, 250, 'the session goes on');
    }
  });

  it('on a real daemon: without terminate the client over its limit gets 452 and the session goes on; with it, 421 and the connection is closed', async (t) => {
    if (!needs(t, SENDMAIL, M4, MAKEMAP, DEBIAN_MC)) return;
    if (!needsRoot(t, 'sendmail -bd needs root')) return;
    if (!liveEnabled(t, `starts sendmail -bd on 127.0.0.1:${LIVE_PORT} with a cf, queue and pid file of its own`)) return;
    // A limit below every count (-1, see MH1096) for every client: the connection itself is over it.
    const map = accessMap('ClientConn:\t-1\n');
    for (const [mc, terminate] of [[stockMc, true], [noTermMc, false]] as const) {
      const dir = join(work, `daemon${serial++}`);
      mkdirSync(join(dir, 'q'), { recursive: true, mode: 0o700 });
      const cfPath = join(dir, 'test.cf');
      const cf = build(mc, map)
        .cf.replace(/^O DaemonPortOptions=.*\n/gm, '')
        .replace(/^O QueueDirectory=.*$/m, `O QueueDirectory=${dir}/q`)
        .replace(/^O PidFile=.*$/m, `O PidFile=${dir}/sendmail.pid`);
      writeFileSync(cfPath, `${cf}O DaemonPortOptions=Name=MTA-test, Addr=127.0.0.1, Port=${LIVE_PORT}\n`, { mode: 0o644 });
      const daemon = new Daemon(SENDMAIL, `${dir}/sendmail.pid`, [LIVE_PORT], ['-C', cfPath]);
      daemon.start();
      try {
        if (terminate) {
          // Nothing is sent: the server's 421 and its closing the connection are all there is to see (a
          // command written after the 421 may race the close and end in ECONNRESET instead).
          const heard = await firstWords('127.0.0.1', LIVE_PORT);
          assert.match(heard.text, /^421 4\.3\.2 Too many open connections/, heard.text);
          assert.ok(heard.closed, 'the server closes the connection after its 421');
        } else {
          const s = await liveSession({ host: '127.0.0.1', port: LIVE_PORT, commands: ['EHLO client.example', 'MAIL FROM:<>', 'NOOP', 'QUIT'] });
          assert.deepEqual([s.greeting.code, ...s.replies.map((r) => r.code)], [220, 250, 452, 250, 221], s.transcript);
        }
      } finally {
        daemon.stop();
      }
    }
  });

  it('before FEATURE(`access_db\') m4 writes no RateControl ruleset; lint reports it', (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const mc = mcWith(['ratecontrol'], []).replace("FEATURE(`access_db'", "FEATURE(`ratecontrol', `nodelay', `terminate')dnl\nFEATURE(`access_db'");
    const built = build(mc);
    assert.match(built.stderr, /FEATURE\(`ratecontrol'\) requires FEATURE\(`access_db'\)/);
    assert.doesNotMatch(built.cf, /^SRateControl/m);
    assert.match(built.cf, /^SConnControl/m);
    // The cf shows it too: ratecontrol.m4's VERSIONID comment without the ruleset.
    for (const found of [idsOn(mc, 'sendmail-mc', 'MH1095'), idsOn(built.cf, 'sendmail-cf', 'MH1095')]) {
      assert.equal(found.length, 1, found.map((f) => f.message).join('\n'));
      assert.match(found[0]!.message, /no RateControl ruleset/);
    }
  });
});

describe('MH1102 ClientRate:/ClientConn: entries without the FEATUREs, against m4, makemap and sendmail -bt', () => {
  it('a cf built without ratecontrol/conncontrol applies no limit, and the model says so', (t) => {
    if (!needs(t, SENDMAIL, M4, MAKEMAP, DEBIAN_MC)) return;
    const map = accessMap('ClientRate:192.0.2.1\t2\nClientConn:192.0.2.1\t2\n');
    const ask = '.D{client_addr}192.0.2.1\n.D{client_rate}3\n.D{client_connections}3\nBasic_check_relay client.example $| 192.0.2.1\n';
    const without = build(mcWith(['ratecontrol', 'conncontrol'], []), map).cf;
    const withThem = build(debianMc(), map).cf;
    assert.doesNotMatch(last(bt(without, ask), 'Basic_check_relay') ?? '', /error/);
    assert.doesNotMatch(without, /^SRateControl|^SConnControl/m);
    assert.deepEqual(antiSpamOf(parseAs('sendmail-cf', new SourceFile('without.cf', without))).controls, []);
    // The same map with Debian's FEATUREs: the limit is applied (at connection, in check_relay).
    assert.match(last(bt(withThem, ask.replace('Basic_check_relay', 'check_relay')), 'check_relay') ?? '', /421/);
    assert.deepEqual(antiSpamOf(parseAs('sendmail-cf', new SourceFile('with.cf', withThem))).controls.map((c) => [c.feature, c.written]), [['ratecontrol', true], ['conncontrol', true]]);
  });
});

describe('MH1096 ClientRate:/ClientConn: values, against makemap and sendmail -bt', () => {
  it("the model's reading of each value is the limit the real RateControl applies", (t) => {
    if (!needs(t, SENDMAIL, M4, MAKEMAP, DEBIAN_MC)) return;
    const values = ['ten', '-1', '00', '5x', '0x10', '010', '1.5', '+3', ' 7', '12', '0'];
    const source = values.map((v, i) => `ClientRate:192.0.2.${10 + i}\t${v}\n`).join('');
    const cf = build(debianMc(), accessMap(source)).cf;
    const refused = (i: number, rate: number): boolean => /Connection rate limit exceeded/.test(last(bt(cf, `.D{client_addr}192.0.2.${10 + i}\n.D{client_rate}${rate}\nRateControl x\n`), 'RateControl') ?? '');
    const entries = parseAccess(new SourceFile('access', source)).entries;
    values.forEach((v, i) => {
      const limit = connectionLimit(entries[i]!)!;
      assert.ok(limit, v);
      if (v === '0') {
        assert.ok(!refused(i, 1000), '0 is no limit');
      } else if (limit.read <= 0) {
        assert.ok(refused(i, 1), `${JSON.stringify(v)} refuses at rate 1`);
      } else {
        assert.ok(!refused(i, limit.read), `${JSON.stringify(v)} allows ${limit.read}`);
        assert.ok(refused(i, limit.read + 1), `${JSON.stringify(v)} refuses ${limit.read + 1}`);
      }
    });
    const reported = idsOn(source, 'access', 'MH1096').map((f) => f.line);
    // Every value but the plain ones (12 and 0; makemap drops the blank before 7, the parser too).
    assert.deepEqual(reported, [1, 2, 3, 4, 5, 6, 7, 8]);
  });
});

describe('MH1097 DNS blocklists, against m4', () => {
  it('FEATURE(`dnsbl\') without a list makes m4 complain and write an empty-labelled lookup; lint reports it and dead lists, in the .mc and the cf', (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const none = mcWith([], ["FEATURE(`dnsbl')dnl"]);
    const built = build(none);
    assert.match(built.stderr, /missing argument for FEATURE\(`dnsbl'\)/);
    assert.match(built.cf, /\$\(dnsbl \$4\.\$3\.\$2\.\$1\.\. \$: OK \$\)/);
    assert.equal(idsOn(none, 'sendmail-mc', 'MH1097').length, 1);
    assert.equal(idsOn(built.cf, 'sendmail-cf', 'MH1097').length, 1);
    const dead = mcWith([], ["FEATURE(`dnsbl', `relays.ordb.org')dnl", "FEATURE(`enhdnsbl', `dnsbl.sorbs.net', `', `t', `127.0.0.2')dnl", "FEATURE(`dnsbl', `bl.spamcop.net')dnl"]);
    const deadCf = build(dead).cf;
    assert.match(deadCf, /\$\(dnsbl \$4\.\$3\.\$2\.\$1\.relays\.ordb\.org\. \$: OK \$\)/);
    for (const found of [idsOn(dead, 'sendmail-mc', 'MH1097'), idsOn(deadCf, 'sendmail-cf', 'MH1097')]) {
      assert.deepEqual(found.map((f) => f.severity), ['high', 'medium'], found.map((f) => f.message).join('\n'));
    }
    assert.equal(idsOn(debianCf(), 'sendmail-cf', 'MH1097').length, 0);
  });
});

describe('MH1098 block_bad_helo, against sendmail -bt', () => {
  it('without delay_checks check_rcpt accepts a local recipient whatever the HELO name; with it a bogus name is refused', (t) => {
    if (!needs(t, SENDMAIL, M4, MAKEMAP, DEBIAN_MC)) return;
    const withDc = mcWith([], ["FEATURE(`block_bad_helo')dnl"]);
    const without = mcWith(['delay_checks', 'ratecontrol', 'conncontrol'], ["FEATURE(`block_bad_helo')dnl"]);
    const rcpt = (cf: string, helo: string): string => last(bt(cf, `.D{client_addr}192.0.2.1\n.D{client_name}client.example.org\n.Ds${helo}\n.D{mail_from}<>\ncheck_rcpt <root@localhost>\n`), 'check_rcpt') ?? '';
    // An empty access map of the test's own: the machine's /etc/mail/access must not decide.
    const map = accessMap('');
    const cfWith = build(withDc, map).cf;
    const cfWithout = build(without, map).cf;
    for (const helo of ['foo', 'localhost', '[127.0.0.1]']) {
      assert.match(rcpt(cfWith, helo), /bogus HELO name used/, helo);
      assert.equal(rcpt(cfWithout, helo), 'RELAY', helo);
    }
    assert.doesNotMatch(rcpt(cfWith, 'mail.example.org'), /error/);
    assert.equal(idsOn(withDc, 'sendmail-mc', 'MH1098').length, 0);
    assert.equal(idsOn(cfWith, 'sendmail-cf', 'MH1098').length, 0);
    assert.equal(idsOn(without, 'sendmail-mc', 'MH1098').length, 1);
    assert.equal(idsOn(cfWithout, 'sendmail-cf', 'MH1098').length, 1);
  });
});

describe('MH1100 MinFreeBlocks and MH1101 MaxNOOPCommands, against sendmail -bs', () => {
  it('MinFreeBlocks=0 turns the free space check off: MAIL is accepted where a limit above the free space gives 452', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    const mail = async (value: string) => (await smtpSession(`${debianCf()}\nO MinFreeBlocks=${value}\n`, ['EHLO client.example', 'MAIL FROM:<root@localhost>', 'QUIT'])).find((x) => x.command.startsWith('MAIL'))!;
    assert.equal((await mail('999999999999')).code, 452);
    assert.equal((await mail('0')).code, 250);
    assert.equal(idsOn(`${debianCf()}\nO MinFreeBlocks=0\n`, 'sendmail-cf', 'MH1100').length, 1);
    assert.equal(idsOn(`${debianCf()}\nO MinFreeBlocks=999999999999\n`, 'sendmail-cf', 'MH1100').length, 0);
    assert.equal(idsOn(debianCf(), 'sendmail-cf', 'MH1100').length, 0);
  });

  it('MaxNOOPCommands=0 removes the slowdown that a positive limit puts on NOOPs past it', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    const timed = async (value: string): Promise<number> => {
      const noops = ['NOOP', 'NOOP', 'NOOP', 'NOOP'];
      const started = Date.now();
      const s = await smtpSession(`${debianCf()}\nO MaxNOOPCommands=${value}\n`, ['EHLO client.example', ...noops, 'QUIT'], 60_000);
      assert.equal(s.filter((x) => x.command === 'NOOP' && x.code === 250).length, noops.length);
      return Date.now() - started;
    };
    // With a limit of 2, the third and fourth NOOP wait 1 s and 2 s; with 0 none does.
    const limited = await timed('2');
    const off = await timed('0');
    assert.ok(limited - off > 2500, `limit 2: ${limited} ms, 0: ${off} ms`);
    assert.equal(idsOn(`${debianCf()}\nO MaxNOOPCommands=0\n`, 'sendmail-cf', 'MH1101').length, 1);
    assert.equal(idsOn(`${debianCf()}\nO MaxNOOPCommands=2\n`, 'sendmail-cf', 'MH1101').length, 0);
  });
});
