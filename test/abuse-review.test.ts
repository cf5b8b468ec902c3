import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { policyFromText } from '../src/policy/validate.js';
import { renderSendmailCf } from '../src/render/sendmail-cf.js';
import { smtpSession } from './helpers/smtp-bs.js';
import { clientEntries } from '../src/render/networks.js';
import { debianCf, debianMc, DEBIAN_MC, MAKEMAP, M4, m4Build, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';
import { clientControlCheck, clientLimitCheck } from '../src/apply/verify.js';
import { DEBIAN_ACCESS, DEBIAN_SUBMIT_MC, stockTree } from './helpers/debian-tree.js';
import { run } from './helpers/cli.js';

/** The policy's problems, or '' when it is accepted. */
async function refusal(yaml: string): Promise<string> {
  try {
    await policyFromText(`version: 1\n${yaml}\n`, 'p.yaml');
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * What the real sendmail's check_relay (Debian's cf: FEATURE(ratecontrol) and FEATURE(conncontrol)) answers a
 * client holding 9 connections, with an access map made by the real makemap of `map`: `conn` (421) or `ok`.
 */
function connAnswers(map: string, clients: readonly string[]): string[] {
  const dir = tempDir('mh-review-');
  mkdirSync(join(dir, 'mail'));
  const access = join(dir, 'mail/access');
  writeFileSync(access, map);
  const mm = spawnSync('/bin/sh', ['-c', '"$1" hash "$2" < "$2"', 'sh', MAKEMAP, access], { encoding: 'utf8' });
  assert.equal(mm.status, 0, mm.stderr);
  const stock = debianCf();
  const cf = stock.replace(/^(Kaccess hash .*) \/etc\/mail\/access$/m, `$1 ${access}`);
  assert.notEqual(cf, stock, 'the stock Kaccess line');
  writeFileSync(join(dir, 'test.cf'), cf);
  const input = clients.map((a) => `.D{client_addr}${a}\n.D{client_rate}1\n.D{client_connections}9\ncheck_relay x $| ${a}\n`).join('');
  const bt = spawnSync(SENDMAIL, ['-C', join(dir, 'test.cf'), '-bt'], { input, encoding: 'utf8', timeout: 30_000 });
  assert.equal(bt.status, 0, bt.stderr);
  const answers = bt.stdout.split('\n').filter((l) => /check_relay\s+returns:/.test(l));
  assert.equal(answers.length, clients.length, bt.stdout);
  return answers.map((l) => (/421 Too many open connections/.test(l) ? 'conn' : /returns: OK/.test(l) ? 'ok' : l));
}

describe('review of abuse.clients and limits: values the policy took that sendmail reads otherwise', () => {
  it('an IPv6 address key sendmail never looks up (a zero group in a prefix, an address not as inet_ntop writes it) is refused, as the CIDR form is', async (t) => {
    for (const network of ['IPv6:2001:db8:0', 'IPv6:2001:db8::0:1', 'IPv6:2001:0:0:1', 'IPv6:2001:db8:0:0:1:0:0:5', 'IPv6:2001:DB8::0:1']) {
      assert.match(await refusal(`abuse: { clients: [{ network: "${network}", connections: 3 }] }`), /network/, network);
    }
    // What sendmail does write is still taken: a prefix of non-zero groups, an address as inet_ntop writes it.
    for (const network of ['IPv6:2001:db8:1', 'IPv6:::1', 'IPv6:2001:db8::1', 'IPv6:2001:db8:0:1:2:3:4:5', 'IPv6:2001:DB8']) {
      assert.equal(await refusal(`abuse: { clients: [{ network: "${network}", connections: 3 }] }`), '', network);
    }
    if (!needs(t, SENDMAIL, MAKEMAP)) return;
    // The real sendmail: IPv6:2001:db8:0 limits 2001:db8:0:5::1 but not 2001:db8::1:0:0:5 (the same /48,
    // written with "::" by inet_ntop); IPv6:2001:db8::0:1 never limits 2001:db8::1, IPv6:2001:db8::1 does.
    const map = 'ClientConn:IPv6:2001:db8:0\t3\nClientConn:IPv6:2001:db8::0:1\t3\nClientConn:IPv6:2001:db8:1\t3\n';
    assert.deepEqual(connAnswers(map, ['IPv6:2001:db8:0:5::1', 'IPv6:2001:db8::1:0:0:5', 'IPv6:2001:db8::1', 'IPv6:2001:db8:1::5']), ['conn', 'ok', 'ok', 'conn']);
    assert.deepEqual(connAnswers('ClientConn:IPv6:2001:db8::1\t3\n', ['IPv6:2001:db8::1']), ['conn']);
  });

  it('two spellings of one network (a CIDR and its address key) are refused: one of their limits would be dropped', async () => {
    const p = await policyFromText('version: 1\nabuse: { clients: [{ network: 10.0.1.0/24, rate: 5 }] }\n', 'p.yaml');
    assert.equal(clientEntries(p.abuse!.clients!, undefined).length, 1);
    for (const pair of [['10.0.1.0/24', '10.0.1'], ['2001:db8::/32', 'IPv6:2001:DB8'], ['10.0.0.0/8', '10'], ['192.168.7.9/32', '192.168.7.9']]) {
      // Without the check, clientEntries keeps the first network's value for the shared key and drops the second's silently.
      assert.match(await refusal(`abuse: { clients: [{ network: "${pair[0]}", rate: 5 }, { network: "${pair[1]}", rate: 0 }] }`), /listed twice \(as ".*" too: the same access keys\)/, pair.join(' '));
    }
    // Nested networks are no duplicates: the more specific one wins for its keys.
    assert.equal(await refusal('abuse: { clients: [{ network: 10.0.0.0/20, rate: 5 }, { network: 10.0.1.0/24, rate: 0 }] }'), '');
  });

  it('maxMimeHeaderLength "N/M" above an int is refused: sendmail reads 4294967396/1000 as 100/1000', async (t) => {
    assert.match(await refusal('limits: { maxMimeHeaderLength: "4294967396/1000" }'), /maxMimeHeaderLength.*above 2147483647/);
    assert.match(await refusal('limits: { maxMimeHeaderLength: "4096/4294967336" }'), /maxMimeHeaderLength/);
    assert.equal(await refusal('limits: { maxMimeHeaderLength: "2147483647/2147483647" }'), '');
    if (!needs(t, SENDMAIL)) return;
    // The real sendmail: the value apply's verification compares (-d37.1 prints the text) is not the one it uses;
    // its warning for a header limit under 128 shows what it read.
    const read = (value: string): string => {
      const dir = tempDir('mh-review-');
      writeFileSync(join(dir, 'test.cf'), debianCf().replace(/^#?O MaxMimeHeaderLength=.*$/m, `O MaxMimeHeaderLength=${value}`));
      const r = spawnSync(SENDMAIL, ['-C', join(dir, 'test.cf'), '-d37.1', '-bt'], { input: '', encoding: 'utf8', timeout: 30_000 });
      return `${r.stdout}${r.stderr}`;
    };
    const big = read('4294967396/1000');
    assert.match(big, /setoption MaxMimeHeaderLength \(0x[0-9a-f]+\)=4294967396\/1000/);
    assert.match(big, /Warning: MaxMimeHeaderLength: header length limit set lower than 128/);
    assert.doesNotMatch(read('4096/1000'), /Warning: MaxMimeHeaderLength/);
  });
});

describe('review of init --from-system: abuse is read from the access map sendmail reads', () => {
  it('a cf whose Kaccess names another file: the limits derived are that file\'s, so apply keeps them (it wrote the other file\'s, looser, before)', async (t) => {
    if (!needs(t, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, DEBIAN_ACCESS)) return;
    if (!needsRoot(t, 'the stock tree has files of other owners')) return;
    const root = stockTree();
    const cfPath = join(root, 'etc/mail/sendmail.cf');
    const cf = readFileSync(cfPath, 'utf8');
    const moved = cf.replace(/^(Kaccess hash .*) \/etc\/mail\/access$/m, '$1 /etc/mail/access.real');
    assert.notEqual(moved, cf);
    writeFileSync(cfPath, moved);
    const stock = readFileSync(join(root, 'etc/mail/access'), 'utf8');
    const limits = (rate: number, conn: number): string => stock.replace(/^ClientRate:\t+10$/m, `ClientRate:\t${rate}`).replace(/^ClientConn:\t+10$/m, `ClientConn:\t${conn}`);
    // The map in force: 2 and 1; a file sendmail does not read: 500 and 500.
    writeFileSync(join(root, 'etc/mail/access.real'), limits(2, 1));
    writeFileSync(join(root, 'etc/mail/access'), limits(500, 500));
    const file = join(tempDir('mh-review-'), 'derived.yaml');
    const r = run(['init', '--from-system', '--root', root, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const derived = await policyFromText(readFileSync(file, 'utf8'), file);
    assert.deepEqual(derived.abuse?.clientDefault, { rate: 2, connections: 1 });
    const applied = run(['apply', file, '--root', root, '--no-backup']);
    assert.equal(applied.code, 0, `${applied.stdout}\n${applied.stderr}`);
    const after = readFileSync(join(root, 'etc/mail/access.real'), 'utf8');
    assert.deepEqual(after.split('\n').filter((l) => /^Client(Rate|Conn):\s/.test(l)), ['ClientRate:\t2', 'ClientConn:\t1']);
  });
});

describe('review of milters.failMode in a cf: equates with quotes are not cut at their commas', () => {
  it('an X line with a quoted value is left as it is (sendmail reads `S="local:/x, F=T, y"` as a socket and no flag: mail passes while the filter is down)', async (t) => {
    const dir = tempDir('mh-review-');
    const sock = join(dir, 'none.sock');
    const quoted = `${debianCf()}Xg, S="local:${sock}, F=R, y"\nO InputMailFilters=g\n`;
    // Before: apply rewrote the text inside the quotes (F=R to F=T, the socket's name) and counted it a flag.
    assert.equal(renderSendmailCf(quoted, { milterFailMode: 'tempfail' }, 'sendmail.cf'), quoted);
    if (!needs(t, SENDMAIL)) return;
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    mkdirSync(join(dir, 'q'), { mode: 0o700 });
    const queue = `O QueueDirectory=${join(dir, 'q')}\nO DeliveryMode=queue\n`;
    const mail = async (xLine: string): Promise<string> => {
      const s = await smtpSession(`${debianCf()}${xLine}\nO InputMailFilters=g\n${queue}`, ['EHLO client.example', 'MAIL FROM:<root>', 'QUIT']);
      return s.find((x) => x.command.startsWith('MAIL'))!.lines.at(-1)!.slice(0, 3);
    };
    assert.equal(await mail(`Xg, S=local:${sock}, F=T`), '451', 'F=T in a field of its own');
    assert.equal(await mail(`Xg, S="local:${sock}, F=T, y"`), '250', 'F=T inside the quoted socket is no flag');
  });
});

describe('review of the access map blocks: a BEGIN line without its END', () => {
  it("a half-deleted block's BEGIN stays a comment: the second apply changes nothing and the site's entries after it stay in the database", async (t) => {
    if (!needs(t, MAKEMAP, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, DEBIAN_ACCESS)) return;
    if (!needsRoot(t, 'the stock tree has files of other owners')) return;
    const root = stockTree();
    const access = join(root, 'etc/mail/access');
    writeFileSync(access, `${readFileSync(access, 'utf8')}# BEGIN mailharden client limits: an old copy, its END deleted by hand\nFrom:spammer@example.com\tREJECT\nConnect:10.9\tREJECT\n`);
    const policy = join(tempDir('mh-review-'), 'p.yaml');
    writeFileSync(policy, 'version: 1\nprofile: debian\nmta: [sendmail]\nrelay: { networks: [192.168.1.0/24] }\nabuse: { clientDefault: { rate: 10 } }\n');
    for (const n of [1, 2]) {
      const r = run(['apply', policy, '--root', root, '--no-backup']);
      assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
      if (n === 2) assert.match(r.stdout, /^No changes/m, 'the second apply');
    }
    // Before: the second apply took the stray BEGIN for its block's and removed the lines to the END, the relay block among them.
    const dump = spawnSync(MAKEMAP, ['-u', 'hash', access], { encoding: 'utf8' });
    assert.equal(dump.status, 0, dump.stderr);
    const db = new Map(dump.stdout.split('\n').filter(Boolean).map((l) => /^(\S*)\s+(.*)$/.exec(l)!.slice(1, 3) as [string, string]));
    assert.equal(db.get('from:spammer@example.com'), 'REJECT');
    assert.equal(db.get('connect:10.9'), 'REJECT');
    assert.equal(db.get('connect:192.168.1'), 'RELAY');
    assert.equal(db.get('clientrate:'), '10');
  });
});

describe('review of verify: the client limits are in force only with the rulesets that read them', () => {
  it('a cf without FEATURE(ratecontrol) and FEATURE(conncontrol): the map answers the limits, and the rulesets check fails', async (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC)) return;
    const dir = tempDir('mh-review-');
    const access = join(dir, 'access');
    writeFileSync(access, 'ClientRate:\t10\nClientConn:\t5\n');
    const mm = spawnSync('/bin/sh', ['-c', '"$1" hash "$2" < "$2"', 'sh', MAKEMAP, access], { encoding: 'utf8' });
    assert.equal(mm.status, 0, mm.stderr);
    const runner = (cfText: string) => {
      const path = join(dir, `${Math.random().toString(36).slice(2)}.cf`);
      writeFileSync(path, cfText.replace(/^(Kaccess hash .*) \/etc\/mail\/access$/m, `$1 ${access}`));
      return (args: string[], input = '') => {
        const r = spawnSync(SENDMAIL, ['-C', path, ...args], { input, encoding: 'utf8', timeout: 30_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
    };
    const built = m4Build(debianMc().replace(/^FEATURE\(`(conn|rate)control'.*\n/gm, ''));
    assert.equal(built.status, 0, built.stderr);
    const entries = [{ tag: 'ClientRate' as const, key: '', value: 10 }, { tag: 'ClientConn' as const, key: '', value: 5 }];
    const bare = runner(built.stdout);
    // The map check alone passed here, where nothing reads the map's limits.
    assert.ok(clientLimitCheck(entries, bare).ok);
    const missing = clientControlCheck({ rate: true, conn: true }, bare);
    assert.equal(missing.ok, false);
    assert.match(missing.detail, /no ruleset RateControl, ConnControl/);
    const stock = clientControlCheck({ rate: true, conn: true }, runner(debianCf()));
    assert.ok(stock.ok, stock.detail);
    const broken = clientControlCheck({ rate: true, conn: false }, runner('this is no cf\n'));
    assert.equal(broken.ok, false, broken.detail);
  });
});

describe('review of milters.failMode: a filter the .mc writes as a raw X line', () => {
  it('LOCAL_CONFIG X line: apply sets the flag in the cf only and says that a build from the .mc loses it (m4 writes it back without one)', async (t) => {
    if (!needs(t, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, DEBIAN_ACCESS)) return;
    if (!needsRoot(t, 'the stock tree has files of other owners')) return;
    const root = stockTree();
    const mcPath = join(root, 'etc/mail/sendmail.mc');
    const mc = readFileSync(mcPath, 'utf8').replace(/^MAILER_DEFINITIONS/m, 'LOCAL_CONFIG\nXlc, S=local:/run/lc.sock\nO InputMailFilters=lc\nMAILER_DEFINITIONS');
    writeFileSync(mcPath, mc);
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), built.stdout);
    const policy = join(tempDir('mh-review-'), 'p.yaml');
    writeFileSync(policy, 'version: 1\nprofile: debian\nmta: [sendmail]\nmilters: { failMode: tempfail }\n');
    const r = run(['apply', policy, '--root', root, '--no-backup']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.deepEqual(readFileSync(join(root, 'etc/mail/sendmail.cf'), 'utf8').split('\n').filter((l) => /^X/.test(l)), ['Xlc, S=local:/run/lc.sock, F=T']);
    assert.deepEqual(m4Build(readFileSync(mcPath, 'utf8')).stdout.split('\n').filter((l) => /^X/.test(l)), ['Xlc, S=local:/run/lc.sock'], 'the next build from the .mc');
    assert.match(r.stderr.replace(/\n/g, ' '), /note: milters\.failMode: lc is in \/etc\/mail\/sendmail\.cf but not an INPUT_MAIL_FILTER or MAIL_FILTER of \/etc\/mail\/sendmail\.mc .*the next build of the cf from \/etc\/mail\/sendmail\.mc loses it/);
    // A filter the .mc declares gets no such note.
    const root2 = stockTree();
    const mc2 = readFileSync(join(root2, 'etc/mail/sendmail.mc'), 'utf8').replace(/^MAILER_DEFINITIONS/m, "INPUT_MAIL_FILTER(`lc', `S=local:/run/lc.sock')dnl\nMAILER_DEFINITIONS");
    writeFileSync(join(root2, 'etc/mail/sendmail.mc'), mc2);
    writeFileSync(join(root2, 'etc/mail/sendmail.cf'), m4Build(mc2).stdout);
    const r2 = run(['apply', policy, '--root', root2, '--no-backup']);
    assert.equal(r2.code, 0, r2.stderr);
    assert.doesNotMatch(r2.stderr, /milters\.failMode: lc/);
  });
});
