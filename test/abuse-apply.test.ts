import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sendmailSettings } from '../src/apply/plan.js';
import { clientLimitCheck } from '../src/apply/verify.js';
import type { Check } from '../src/apply/verify.js';
import { clientEntries } from '../src/render/networks.js';
import { LAYOUTS } from '../src/host/layout.js';
import { policyFromText } from '../src/policy/validate.js';
import { renderSendmailCf } from '../src/render/sendmail-cf.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, MAKEMAP, needs, needsRoot, SENDMAIL, sendmailCheckWhole, tempDir } from './helpers/real.js';
import { DEBIAN_ACCESS, DEBIAN_SUBMIT_MC, stockTree } from './helpers/debian-tree.js';
import { run } from './helpers/cli.js';
import { smtpSession } from './helpers/smtp-bs.js';

const xLines = (cf: string): string[] => cf.split('\n').filter((l) => /^X/.test(l));

/** Lines for a cf that keep the session's mail in a queue of the test's own and never deliver it. */
function ownQueue(): { lines: string; done: () => void } {
  const dir = tempDir('mh-queue-');
  mkdirSync(join(dir, 'q'), { mode: 0o700 });
  return { lines: `O QueueDirectory=${join(dir, 'q')}\nO DeliveryMode=queue\n`, done: () => rmSync(dir, { recursive: true, force: true }) };
}

describe('milters.failMode (issue 18): F=T or F=R on every filter, nothing else changed', () => {
  it('the .mc and the cf get the flag; m4 builds the same X lines; the real sendmail -bs answers 451 (tempfail) or refuses the session (reject) while the filter is down', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const dir = tempDir('mh-milter-');
    const sock = join(dir, 'none.sock');
    // Two filters as people write them: one without flags, one quoted twice with F=R and another flag.
    const mcIn = debianMc().replace(/^MAILER_DEFINITIONS/m, `INPUT_MAIL_FILTER(\`test', \`S=unix:${sock}, T=S:1s;R:2s')dnl\nMAIL_FILTER(\`other', \`\`S=local:${sock},F=R4'')dnl\nMAILER_DEFINITIONS`);
    const cfIn = `${debianCf()}Xtest, S=unix:${sock}, T=S:1s;R:2s\nXother, S=local:${sock},F=R4\nO InputMailFilters=test\n`;
    for (const mode of ['tempfail', 'reject'] as const) {
      const letter = mode === 'tempfail' ? 'T' : 'R';
      const want = sendmailSettings(await policyFromText(`version: 1\nmilters: { failMode: ${mode} }\n`, 'p.yaml'), LAYOUTS.debian);
      const mc = renderSendmailMc(mcIn, want, 'sendmail.mc');
      const cf = renderSendmailCf(cfIn, want, 'sendmail.cf');
      assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, `${mode}: mc idempotent`);
      assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf, `${mode}: cf idempotent`);
      // Only the F field: the other fields, their blanks and the quoting are as they were.
      // F=4 (421, tempdrop) decides over R: reject takes it away; under T it changes nothing and stays.
      const other = mode === 'tempfail' ? `4${letter}` : letter;
      const expected = [`Xtest, S=unix:${sock}, T=S:1s;R:2s, F=${letter}`, `Xother, S=local:${sock},F=${other}`];
      assert.deepEqual(xLines(cf), expected, `${mode}: the cf's X lines`);
      assert.ok(mc.includes(`INPUT_MAIL_FILTER(\`test', \`S=unix:${sock}, T=S:1s;R:2s, F=${letter}')dnl`), `${mode}: INPUT_MAIL_FILTER`);
      assert.ok(mc.includes(`MAIL_FILTER(\`other', \`\`S=local:${sock},F=${other}'')dnl`), `${mode}: MAIL_FILTER keeps its two quotes`);
      const built = m4Build(mc);
      assert.equal(built.status, 0, built.stderr);
      assert.equal(built.stderr, '');
      assert.deepEqual(xLines(built.stdout), expected, `${mode}: the X lines m4 builds from the rendered .mc`);
      const check = sendmailCheckWhole(cf);
      assert.equal(check.status, 0, check.output);
    }
    // Without the key, nothing moves.
    assert.equal(renderSendmailCf(cfIn, {}, 'sendmail.cf'), cfIn);
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    const queue = ownQueue();
    try {
      const session = async (mode: string): Promise<string> => {
        const want = sendmailSettings(await policyFromText(`version: 1\nmilters: { failMode: ${mode} }\n`, 'p.yaml'), LAYOUTS.debian);
        const built = m4Build(renderSendmailMc(mcIn, want, 'sendmail.mc')).stdout;
        for (const cf of [renderSendmailCf(cfIn, want, 'sendmail.cf'), built]) assert.match(cf, /^Xtest, /m);
        const s = await smtpSession(`${built}${queue.lines}`, ['EHLO client.example', 'MAIL FROM:<root>', 'QUIT']);
        return s.map((x) => `${x.command || 'greeting'}: ${x.lines.at(-1)!.slice(0, 3)}`).join(', ');
      };
      // Measured before: with no flag the same filter lets the message through (MH1093, test/auth-real.test.ts).
      assert.equal(await session('tempfail'), 'greeting: 220, EHLO client.example: 250, MAIL FROM:<root>: 451, QUIT: 221');
      assert.match(await session('reject'), /^greeting: 554, EHLO client\.example: 250, MAIL FROM:<root>: 550/);
    } finally {
      queue.done();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('equates apply cannot edit as written are refused, not rewritten', async () => {
    const want = { milterFailMode: 'tempfail' as const };
    const base = debianMc();
    for (const [line, why] of [
      ["INPUT_MAIL_FILTER(`a', S=local:/x, F=R)dnl", /not quoted/],
      ["INPUT_MAIL_FILTER(`a', `S=local:/x, F=`'R')dnl", /not plain text/],
      ["INPUT_MAIL_FILTER(`a', `S=local:/dnl/x')dnl", /hold dnl/],
      ["INPUT_MAIL_FILTER(`a')dnl", /names no socket/],
    ] as const) {
      assert.throws(() => renderSendmailMc(base.replace(/^MAILER_DEFINITIONS/m, `${line}\nMAILER_DEFINITIONS`), want, 'sendmail.mc'), (e: Error) => why.test(e.message), line);
    }
    // A quoted F value in the cf (sendmail's munchstring reads the quotes) is left as it is.
    const cf = `${debianCf()}Xa, S=local:/x, F="R"\n`;
    assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf);
  });
});

const CLIENTS = `version: 1
profile: debian
mta: [sendmail]
abuse:
  clients:
    - { network: 192.168.16.0/20, rate: 4, connections: 2 }
    - { network: 192.168.20.0/24, rate: 0 }
    - { network: "2001:db8:1::/48", connections: 3 }
  clientDefault: { rate: 10, connections: 5 }
`;

/** A client as check_relay sees it: its address, and the rate and open connections sendmail counted. */
type Probe = [address: string, rate: number, connections: number];

/** A cf file that reads the tree's access map (the stock Kaccess line pointed under the root). */
function treeCf(cfText: string, root: string): string {
  const cf = cfText.replace(/^(Kaccess hash .*) \/etc\/mail\/access$/m, `$1 ${join(root, 'etc/mail/access')}`);
  assert.notEqual(cf, cfText, 'the cf has the stock Kaccess line');
  const path = join(tempDir('mh-rate-'), 'test.cf');
  writeFileSync(path, cf, { mode: 0o644 });
  return path;
}

/** apply's verification of the client limits, asked of the real sendmail on a cf reading the tree's map. */
async function verifyLimits(cfText: string, root: string): Promise<Check> {
  const path = treeCf(cfText, root);
  const a = (await policyFromText(CLIENTS, 'p.yaml')).abuse!;
  return clientLimitCheck(clientEntries(a.clients ?? [], a.clientDefault), (args, input = '') => {
    const r = spawnSync(SENDMAIL, ['-C', path, ...args], { input, encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  });
}

/**
 * What the real sendmail's check_relay answers each client (`-bt`, ${client_addr}, ${client_rate} and
 * ${client_connections} set with .D) on a cf whose access map is the tree's: `rate`, `conn` (the 421 of
 * ratecontrol and conncontrol) or `ok`.
 */
function checkRelay(cfText: string, root: string, probes: readonly Probe[]): string[] {
  const path = treeCf(cfText, root);
  const input = probes.map(([a, r, c]) => `.D{client_addr}${a}\n.D{client_rate}${r}\n.D{client_connections}${c}\ncheck_relay client.example $| ${a}\n`).join('');
  const bt = spawnSync(SENDMAIL, ['-C', path, '-bt'], { input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(bt.status, 0, bt.stderr);
  const answers = bt.stdout.split('\n').filter((l) => /^(> )*check_relay\s+returns:/.test(l));
  assert.equal(answers.length, probes.length, bt.stdout);
  return answers.map((l) => (/421 Connection rate limit exceeded/.test(l) ? 'rate' : /421 Too many open connections/.test(l) ? 'conn' : /\$# error/.test(l) ? l : 'ok'));
}

const PROBES: [Probe, string][] = [
  [['192.168.17.5', 5, 1], 'rate'],
  [['192.168.17.5', 4, 2], 'ok'],
  [['192.168.17.5', 1, 3], 'conn'],
  [['192.168.20.9', 1000, 2], 'ok'],
  [['192.168.20.9', 1000, 3], 'conn'],
  [['10.9.9.9', 11, 0], 'rate'],
  [['10.9.9.9', 10, 6], 'conn'],
  [['10.9.9.9', 10, 5], 'ok'],
  [['127.0.0.1', 1000, 1000], 'ok'],
  [['IPv6:2001:db8:1::5', 10, 4], 'conn'],
  [['IPv6:2001:db8:1::5', 10, 3], 'ok'],
];

/** The keys and values of the tree's access database, as the real makemap dumps them. */
function accessDb(root: string): Map<string, string> {
  const r = spawnSync(MAKEMAP, ['-u', 'hash', join(root, 'etc/mail/access')], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return new Map(r.stdout.split('\n').filter(Boolean).map((l) => /^(\S*)\s+(.*)$/.exec(l)!.slice(1, 3) as [string, string]));
}

describe('milter flags as sendmail reads them (miltersOfCf, failMode, MH1093)', () => {
  // Each X line, what the model reads, and what the real sendmail -bs does with the filter down.
  const CASES: [equates: (sock: string) => string, socket: (sock: string) => string, flags: string, mode: string][] = [
    // A quoted value is one field: the comma and "F=T" inside are part of the socket, and there is no flag.
    [(s) => `S="local:${s}, F=T, y"`, (s) => `local:${s}, F=T, y`, '', 'open'],
    [(s) => `S=local:${s}, F="T"`, (s) => `local:${s}`, 'T', 'tempfail'],
    [(s) => `S=local:${s}, F=T"R,"`, (s) => `local:${s}`, 'TR,', 'tempfail'],
    [(s) => `S=local:${s}, F=\\R`, (s) => `local:${s}`, 'R', 'reject'],
    [(s) => `S=local:${s}, F=RT`, (s) => `local:${s}`, 'RT', 'tempfail'],
    [(s) => `S=local:${s}, F=4R`, (s) => `local:${s}`, '4R', 'tempdrop'],
    // Two F= fields add up (setbitn): an empty second one takes nothing away.
    [(s) => `S=local:${s}, F=R, F=`, (s) => `local:${s}`, 'R', 'reject'],
  ];

  it('the model: a quoted value is one field, T decides over 4 and 4 over R, a field without = drops the filter; MH1093 reports the quoted one', async () => {
    const { SourceFile } = await import('../src/core/source.js');
    const { parseSendmailCf } = await import('../src/parsers/sendmail-cf.js');
    const { failMode, miltersOfCf } = await import('../src/model/sendmail-milters.js');
    const { lintText } = await import('../src/lint/text.js');
    const { rules } = await import('../rules/index.js');
    for (const [equates, socket, flags, mode] of CASES) {
      const cf = `V10/Berkeley\nXg, ${equates('/run/g.sock')}\n`;
      const got = miltersOfCf(parseSendmailCf(new SourceFile('t.cf', cf))).map((m) => [m.name, m.socket, m.flags, failMode(m)]);
      assert.deepEqual(got, [['g', socket('/run/g.sock'), flags, mode]], cf);
      const open = lintText(cf, 'sendmail-cf', rules.filter((r) => r.meta.id === 'MH1093')).filter((f) => /has no F=T or F=R/.test(f.message));
      assert.equal(open.length, mode === 'open' ? 1 : 0, cf);
    }
    // sendmail refuses these ("Xg: `=' expected", measured with -bs): no filter is installed.
    for (const bad of ['Xg, S=local:/run/g.sock, F=T,', 'Xg, S=local:/run/g.sock, T']) assert.deepEqual(miltersOfCf(parseSendmailCf(new SourceFile('t.cf', `V10/Berkeley\n${bad}\n`))), [], bad);
  });

  it('the real sendmail -bs, the filter down: accepted (open), 451 at MAIL (tempfail), 554 greeting (reject), 421 greeting (tempdrop)', async (t) => {
    if (!needs(t, SENDMAIL)) return;
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    const queue = ownQueue();
    const dir = tempDir('mh-milter-');
    try {
      for (const [equates, , , mode] of CASES) {
        const cf = `${debianCf()}Xg, ${equates(join(dir, 'none.sock'))}\nO InputMailFilters=g\n${queue.lines}`;
        // The greeting alone first (no input: a 421 closes the session before any command).
        const path = join(dir, 'test.cf');
        writeFileSync(path, cf, { mode: 0o644 });
        const greeting = spawnSync(SENDMAIL, ['-C', path, '-bs'], { input: '', encoding: 'utf8', timeout: 30_000 }).stdout.split('\n').find((l) => /^\d{3}[ -]/.test(l))?.slice(0, 3);
        let seen: string;
        if (greeting === '421') seen = 'tempdrop';
        else if (greeting === '554') seen = 'reject';
        else {
          const s = await smtpSession(cf, ['EHLO client.example', 'MAIL FROM:<root>', 'QUIT']);
          const mail = s.find((x) => x.command.startsWith('MAIL'))!.lines.at(-1)!.slice(0, 3);
          seen = mail === '451' ? 'tempfail' : mail === '250' ? 'open' : `MAIL ${mail}`;
        }
        assert.equal(seen, mode, `Xg, ${equates('…')}`);
      }
    } finally {
      queue.done();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('abuse.clients (issue 18): ClientRate:/ClientConn: in the access map, FEATURE(ratecontrol) and FEATURE(conncontrol) in the .mc', () => {
  it('apply on a stock Debian tree writes the block, makemap builds it, and the real check_relay refuses exactly the clients above their limits with 421; a second apply changes nothing', async (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, DEBIAN_ACCESS)) return;
    if (!needsRoot(t, 'the stock tree has files of other owners')) return;
    const root = stockTree();
    const policy = join(tempDir('mh-clients-'), 'policy.yaml');
    writeFileSync(policy, CLIENTS);
    // Before: Debian's own defaults (ClientRate: 10, ClientConn: 10) let 192.168.17.5 open 5 and hold 3.
    const cf = readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8');
    spawnSync('/bin/sh', ['-c', '"$1" hash "$2" < "$2"', 'sh', MAKEMAP, join(root, 'etc/mail/access')]);
    assert.deepEqual(checkRelay(cf, root, [['192.168.17.5', 5, 1], ['192.168.17.5', 1, 3]]), ['ok', 'ok'], 'the stock map');
    assert.equal((await verifyLimits(cf, root)).ok, false, "apply's check on the stock map");
    const r = run(['apply', policy, '--root', root, '--no-backup']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /^ {2}makemap hash \/etc\/mail\/access < \/etc\/mail\/access/m);
    // The stock mc and cf already have both FEATUREs (Debian's mc: `nodelay', `terminate'): untouched.
    assert.equal(readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8'), cf);
    const text = readFileSync(join(root, 'etc/mail/access'), 'utf8');
    const block = text.slice(text.indexOf('# BEGIN mailharden client limits'));
    assert.match(block, /^ClientRate:192\.168\.16\t4$/m);
    assert.match(block, /^ClientRate:192\.168\.20\t0$/m);
    assert.match(block, /^ClientConn:192\.168\.20\t2$/m);
    assert.match(block, /^ClientConn:IPv6:2001:db8:1\t3$/m);
    assert.match(block, /^ClientRate:\t10\nClientConn:\t5\n# END mailharden client limits$/m);
    // Debian's bare defaults went (the policy's replace them); its loopback exceptions stay.
    assert.deepEqual(text.split('\n').filter((l) => /^Client(Rate|Conn):\s/.test(l)), ['ClientRate:\t10', 'ClientConn:\t5']);
    assert.match(text, /^ClientRate:127\t+0$/m);
    const db = accessDb(root);
    assert.equal(db.get('clientrate:192.168.31'), '4');
    assert.equal(db.get('clientrate:'), '10');
    assert.equal(db.get('clientconn:'), '5');
    assert.deepEqual(
      checkRelay(cf, root, PROBES.map(([p]) => p)).map((a, i) => `${PROBES[i]![0].join(' ')}: ${a}`),
      PROBES.map(([p, want]) => `${p.join(' ')}: ${want}`),
    );
    const verified = await verifyLimits(cf, root);
    assert.ok(verified.ok, verified.detail);
    assert.equal(verified.detail, '35 entries', 'the 16 keys of the /20 twice, the /24 rate in place of one, the IPv6 connections, the two defaults');
    const again = run(['apply', policy, '--root', root, '--no-backup']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /^No changes/m);
  });

  it('the .mc gets the FEATUREs before its MAILER lines (nodelay only after delay_checks); m4 builds the rulesets check_relay runs; without access_db it is refused', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const want = sendmailSettings(await policyFromText(CLIENTS, 'p.yaml'), LAYOUTS.debian);
    assert.deepEqual(want.clientControl, { rate: true, conn: true });
    const bare = debianMc().replace(/^FEATURE\(`(conn|rate)control'.*\n/gm, '');
    assert.doesNotMatch(bare, /control'/);
    assert.doesNotMatch(m4Build(bare).stdout, /^SRateControl/m, 'without the FEATUREs m4 writes no ruleset');
    const mc = renderSendmailMc(bare, want, 'sendmail.mc');
    assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, 'idempotent');
    const added = mc.split('\n').filter((l) => /control'/.test(l));
    assert.deepEqual(added, ["FEATURE(`ratecontrol', `nodelay', `terminate')dnl", "FEATURE(`conncontrol', `nodelay', `terminate')dnl"]);
    assert.ok(mc.indexOf(added[0]!) < mc.indexOf('MAILER_DEFINITIONS'), 'before the MAILER lines');
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stderr, '');
    // nodelay: check_relay calls both rulesets first (proto.m4, _CONTROL_IMMEDIATE_).
    assert.match(built.stdout, /^Scheck_relay\nR\$\*\t\t\$: \$>"RateControl" dummy\nR\$\*\t\t\$: \$>"ConnControl" dummy$/m);
    assert.match(built.stdout, /\$: 421 Connection rate limit exceeded\./);
    // Without delay_checks there is nothing to run before: no `nodelay' (m4 would stop with an error).
    const undelayed = renderSendmailMc(bare.replace(/^FEATURE\(`delay_checks'.*\n/m, ''), want, 'sendmail.mc');
    assert.match(undelayed, /^FEATURE\(`ratecontrol', `', `terminate'\)dnl$/m);
    const b2 = m4Build(undelayed);
    assert.equal(b2.status, 0, b2.stderr);
    assert.equal(b2.stderr, '');
    assert.match(b2.stdout, /^SRateControl$/m);
    assert.match(b2.stdout, /^SConnControl$/m);
    assert.throws(() => renderSendmailMc(bare.replace(/^FEATURE\(`access_db'.*\n/m, ''), want, 'sendmail.mc'), /needs FEATURE\(`access_db'\)/);
    // A rate alone asks for ratecontrol alone.
    const rateOnly = sendmailSettings(await policyFromText('version: 1\nabuse: { clientDefault: { rate: 20 } }\n', 'p.yaml'), LAYOUTS.debian);
    assert.deepEqual(renderSendmailMc(bare, rateOnly, 'sendmail.mc').split('\n').filter((l) => /control'/.test(l)), ["FEATURE(`ratecontrol', `nodelay', `terminate')dnl"]);
  });

  it('a tree whose cf lacks the rulesets: apply writes the map and the .mc and says the cf must be rebuilt; with no .mc it says apply cannot add them', async (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, DEBIAN_ACCESS)) return;
    if (!needsRoot(t, 'the stock tree has files of other owners')) return;
    const bare = debianMc().replace(/^FEATURE\(`(conn|rate)control'.*\n/gm, '');
    const built = m4Build(bare);
    assert.equal(built.status, 0, built.stderr);
    const policy = join(tempDir('mh-clients-'), 'policy.yaml');
    writeFileSync(policy, CLIENTS);
    const root = stockTree();
    writeFileSync(join(root, 'etc/mail/sendmail.mc'), bare);
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), built.stdout);
    const r = run(['apply', policy, '--root', root, '--no-backup']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, /note: \/etc\/mail\/sendmail\.cf lacks FEATURE ratecontrol \(ruleset RateControl\) and conncontrol \(ruleset ConnControl\), which reads the client limits: rebuild it from \/etc\/mail\/sendmail\.mc/);
    // The .mc apply wrote builds a cf that enforces the map apply wrote.
    const rebuilt = m4Build(readFileSync(join(root, 'etc/mail/sendmail.mc'), 'utf8'));
    assert.equal(rebuilt.status, 0, rebuilt.stderr);
    assert.deepEqual(checkRelay(rebuilt.stdout, root, [['192.168.17.5', 5, 1], ['10.9.9.9', 10, 6]]), ['rate', 'conn']);
    // The cf before: with delay_checks and no ratecontrol, no check_relay at all reads the limits.
    assert.doesNotMatch(built.stdout, /^S(RateControl|ConnControl)$/m);
    const cfOnly = stockTree();
    rmSync(join(cfOnly, 'etc/mail/sendmail.mc'));
    writeFileSync(join(cfOnly, 'etc/mail/sendmail.cf'), built.stdout);
    const r2 = run(['apply', policy, '--root', cfOnly, '--no-backup', '--dry-run']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.match(r2.stderr, /there is no \/etc\/mail\/sendmail\.mc, and apply does not add rulesets to a cf by editing/);
  });
});

describe('init --from-system (issue 18): abuse and milters from a system', () => {
  it("Debian's access map gives abuse.clients and clientDefault; apply only moves them into its block, and the limits sendmail reads are the same; a cf whose filters all have F=T gives milters.failMode", async (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, DEBIAN_ACCESS)) return;
    if (!needsRoot(t, 'the stock tree has files of other owners')) return;
    const root = stockTree();
    const cfText = readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8');
    const cf = `${cfText}Xa, S=local:/run/a.sock, F=T\nXb, S=inet:8891@127.0.0.1, T=S:1s, F=T\n`;
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), cf);
    const mc = readFileSync(join(root, 'etc/mail/sendmail.mc'), 'utf8').replace(/^MAILER_DEFINITIONS/m, "INPUT_MAIL_FILTER(`a', `S=local:/run/a.sock, F=T')dnl\nINPUT_MAIL_FILTER(`b', `S=inet:8891@127.0.0.1, T=S:1s, F=T')dnl\nMAILER_DEFINITIONS");
    writeFileSync(join(root, 'etc/mail/sendmail.mc'), mc);
    spawnSync('/bin/sh', ['-c', '"$1" hash "$2" < "$2"', 'sh', MAKEMAP, join(root, 'etc/mail/access')]);
    const limitsBefore = checkRelay(cf, root, PROBES.map(([p]) => p));
    const file = join(tempDir('mh-init-abuse-'), 'derived.yaml');
    const r = run(['init', '--from-system', '--root', root, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    const derived = await policyFromText(text, file);
    // Debian's FEATURE(`greet_pause', `1000') gives greetPause with them (one abuse key from two sources).
    assert.deepEqual(derived.abuse, { greetPause: 1, clients: [{ network: '127', rate: 0, connections: 0 }, { network: 'IPv6:::1', rate: 0, connections: 0 }], clientDefault: { rate: 10, connections: 10 } });
    assert.deepEqual(derived.milters, { failMode: 'tempfail' });
    assert.match(text.replace(/\n#   /g, ' '), /^# - rewrite \/etc\/mail\/access: .*its ClientRate: and ClientConn: entries move into mailharden's block of client limits; the same limits$/m);
    const applied = run(['apply', file, '--root', root, '--no-backup']);
    assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
    assert.match(applied.stdout, /^ {2}change \/etc\/mail\/access$/m);
    assert.doesNotMatch(applied.stdout, /^ {2}change \/etc\/mail\/sendmail\.(cf|mc)$/m);
    assert.equal(readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8'), cf);
    assert.deepEqual(checkRelay(cf, root, PROBES.map(([p]) => p)), limitsBefore, 'the same answers from check_relay');
    assert.match(run(['apply', file, '--root', root, '--no-backup', '--dry-run']).stdout, /^No changes/m);
  });
});
