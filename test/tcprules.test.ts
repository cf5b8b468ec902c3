import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { prng } from './helpers/prng.js';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { checkLines, explain, explainResult } from '../src/cli/tcprules-command.js';
import { kindFromContent, kindFromName } from '../src/core/detect.js';
import { lintText } from '../src/lint/text.js';
import { SourceFile } from '../src/core/source.js';
import { blockSize, cidrToTcpRules, formatCidr, keyShape, lookupNames, parseCidr, summarize, TcpRulesModel, type Block, type TcpQuery, type TcpRecord } from '../src/model/tcprules.js';
import { parseTcpRules, type TcpRulesDocument } from '../src/parsers/tcprules.js';
import { rules } from '../rules/index.js';
import { loadFixtures } from './helpers/fixtures.js';
import { needs, tempDir } from './helpers/real.js';

const TCPRULES = '/usr/bin/tcprules';
const TCPRULESCHECK = '/usr/bin/tcprulescheck';
/** The compiled CLI next to this test (dist/ or any other --outDir), so the command is tested without the bundle. */
const MAIN = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'src', 'cli', 'main.js');

const parse = (text: string, path = 'tcp.smtp'): TcpRulesDocument => parseTcpRules(new SourceFile(path, text));

// ---------------------------------------------------------------------------------------------------
// The real programs.

/** Reads every record of a cdb file in the order it was written (cdb: 2048-byte header, then records). */
function readCdb(path: string): [string, string][] {
  const b = readFileSync(path);
  let end = b.length;
  for (let i = 0; i < 256; i++) if (b.readUInt32LE(i * 8 + 4) > 0) end = Math.min(end, b.readUInt32LE(i * 8));
  if (end === b.length) end = b.readUInt32LE(0);
  const out: [string, string][] = [];
  for (let pos = 2048; pos < end; ) {
    const kl = b.readUInt32LE(pos);
    const dl = b.readUInt32LE(pos + 4);
    out.push([b.subarray(pos + 8, pos + 8 + kl).toString('utf8'), b.subarray(pos + 8 + kl, pos + 8 + kl + dl).toString('utf8')]);
    pos += 8 + kl + dl;
  }
  return out;
}

/** The data tcprules stores for a record: `D\0` for deny, then `+VAR=value\0` per variable. */
function encode(r: TcpRecord): string {
  return `${r.action === 'deny' ? 'D\0' : ''}${r.env.map((v) => `+${v.name}=${v.value}\0`).join('')}`;
}

let workDir: string | undefined;
let serial = 0;

/** Runs `tcprules x.cdb x.tmp < text`; returns the exit status and, when it wrote one, the cdb. */
function compile(text: string): { status: number; stderr: string; cdb?: string } {
  workDir ??= tempDir('mh-tcprules-');
  const cdb = join(workDir, `r${++serial}.cdb`);
  const r = spawnSync(TCPRULES, [cdb, `${cdb}.tmp`], { input: text, encoding: 'utf8' });
  rmSync(`${cdb}.tmp`, { force: true });
  return { status: r.status ?? -1, stderr: r.stderr, ...(existsSync(cdb) ? { cdb } : {}) };
}

const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** tcprulescheck's output for each query, from one shell run (the environment holds nothing else). */
function tcprulescheck(cdb: string, queries: readonly TcpQuery[]): string[] {
  const script = queries
    .map((q) => {
      const env = [`TCPREMOTEIP=${shq(q.ip)}`, q.host !== undefined ? `TCPREMOTEHOST=${shq(q.host)}` : '', q.info !== undefined ? `TCPREMOTEINFO=${shq(q.info)}` : ''].filter(Boolean).join(' ');
      return `env -i ${env} ${TCPRULESCHECK} ${shq(cdb)}; echo "@@ $?"`;
    })
    .join('\n');
  const r = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const parts = r.stdout.split(/^@@ (\d+)\n/m);
  const out: string[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    assert.equal(parts[i + 1], '0', `tcprulescheck failed: ${parts[i]}`);
    out.push(parts[i]!);
  }
  assert.equal(out.length, queries.length, `tcprulescheck answered ${out.length} of ${queries.length} queries: ${r.stderr}`);
  return out;
}

const haveReal = (t: TestContext): boolean => needs(t, TCPRULES, TCPRULESCHECK);

// ---------------------------------------------------------------------------------------------------
// Addresses to ask about.

const ipOf = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
const MAX = 2 ** 32;

/** Network address, +1, broadcast, and the addresses just outside a block. */
function probes(b: Block): number[] {
  const last = b.net + blockSize(b) - 1;
  return [b.net, b.net + 1, last, b.net - 1, last + 1].filter((n) => n >= 0 && n < MAX);
}

/** A block for any key that starts with digits, even one that never matches (`192.168.2`, `1.2.3.0/24`). */
function looseBlock(key: string): Block | undefined {
  const m = /^(\d+(?:\.\d+){0,3})/.exec(key.replace(/^.*@/, '').trim());
  if (!m) return undefined;
  const parts = m[1]!.split('.').map((p) => Math.min(Number(p), 255));
  let net = 0;
  for (let i = 0; i < 4; i++) net = net * 256 + (parts[i] ?? 0);
  return { net, bits: parts.length * 8 };
}

/** The queries for a fixture: probes around every key, alone and with the host names and ident users its keys name. */
function queriesFor(model: TcpRulesModel): TcpQuery[] {
  const ips = new Set<string>(['198.51.100.7']);
  const hosts = new Set<string>();
  const infos: { info: string; ip?: string; host?: string }[] = [];
  for (const { key } of model.records) {
    const shape = keyShape(key);
    const block = shape.kind === 'ip' || shape.kind === 'prefix' ? shape.block : looseBlock(key);
    if (block) for (const n of probes(block)) ips.add(ipOf(n));
    if (shape.kind === 'host') hosts.add(shape.host).add(`x.${shape.host}`);
    if (shape.kind === 'host-suffix') hosts.add(`a${shape.suffix}`).add(shape.suffix.slice(1));
    const at = key.lastIndexOf('@');
    if (shape.kind === 'info-ip') infos.push({ info: key.slice(0, at), ip: key.slice(at + 1) });
    if (shape.kind === 'info-host') infos.push({ info: key.slice(0, at), host: key.slice(at + 2) });
  }
  const list = [...ips];
  const queries: TcpQuery[] = list.map((ip) => ({ ip }));
  for (const host of hosts) for (const ip of list.slice(0, 6)) queries.push({ ip, host });
  // Ident users with the address and host of their own key and with others, to pin info@ip and info@=host against the rest.
  for (const x of infos) {
    const someIps = [...new Set([...(x.ip ? [x.ip] : []), ...list.slice(0, 4)])];
    const someHosts = [...new Set([...(x.host ? [x.host] : []), ...[...hosts].slice(0, 2)])];
    for (const ip of someIps) {
      queries.push({ ip, info: x.info }, { ip, info: `${x.info}x` });
      for (const host of someHosts) queries.push({ ip, info: x.info, host });
    }
  }
  return queries;
}


// ---------------------------------------------------------------------------------------------------

describe('tcprules parser: line by line as the real tcprules reads it', () => {
  /** Single lines (without their newline) and what tcprules does with each: checked against the real program below. */
  const LINES = [
    '1.2.3.4:allow',
    '1.2.3.4:deny',
    '1.2.3.4:deny,X="1"',
    '1.2.3.4:allow,X=abca,Y=/q/,Z=""',
    '1.2.3.4:allow,X="a",X="b"',
    '1.2.3.4:allow,X=" a "  ',
    '1.2.3.4:allow,="a"',
    '1.2.3.4:allow, X="1"',
    '1.2.3.4:allow,X=:a:',
    '1.2.3.4:allow ,X="1"',
    '1.2.3.4:allow,X="1" ,Y="2"',
    '1.2.3.4:allow,X="1"junk',
    '1.2.3.4:allow,X="a"\t,Y="b"',
    '1.2.3.4:allow # trusted',
    '1.2.3.4:allow;RELAYCLIENT=""',
    '1.2.3.4:allow,X=a',
    '1.2.3.4:allow,X=',
    '1.2.3.4:allow,X',
    '1.2.3.4:allow,',
    '1.2.3.4:allow,A,B=c,"d"',
    '1.2.3.4:allowed',
    '1.2.3.4:denyX',
    '1.2.3.4: allow',
    '1.2.3.4:Allow',
    '1.2.3.4:DENY',
    '1.2.3.4:',
    ' 1.2.3.4:allow',
    '\t1.2.3.4:allow',
    '1.2.3.4 :allow',
    ' # note: allow',
    ' # note:allow',
    '1.2.3.4 allow',
    '1.2.3.4',
    '   ',
    '1.2.3.4:allow\r',
    '1.2.3.4:deny  \r',
    '1.2.3.4:allow,X="1"\r',
    '#1.2.3.4:Allow',
    ':allow',
    ':deny,X="default"',
    '10-11.:allow',
    '10.1-2.3-4:allow',
    '1.2.3.250-260:allow',
    '1.2.3.256-300:allow',
    '1.2.3.9-5:allow',
    '1.2.3.4-:allow',
    '1.2.3.-5:allow',
    '1.2.3.-:allow',
    '1.2.3.01-03:allow',
    '1.2.3.4-4294967296:allow',
    '1.2.3.18446744073709551615-1:allow',
    '1.2.3.18446744073709551617-3:allow',
    '1.2.3.x-y:allow',
    '1.2.3.4 - 5:allow',
    '1.2.3.+4-5:allow',
    '1.2.3.4-5/24:allow',
    '1-2-3.:allow',
    '1.2-3:allow',
    '-:allow',
    'foo-bar:allow',
    'info@1.2.3.4-5:allow',
    '=a-b:allow',
    '=Mail.Example.ORG:deny',
    'X@1.2.3.4:deny',
    '1.2.3.0/24:allow',
    '::1:allow',
    '2001:db8::1:allow',
    '2001:db8:1::allow',
    '::ffff:1.2.3.4:allow',
    'fe80::1:deny',
  ];

  it('accepts and refuses exactly the lines tcprules does, and writes the same records', (t) => {
    if (!haveReal(t)) return;
    const problems: string[] = [];
    for (const line of LINES) {
      const text = `${line}\n`;
      const real = compile(text);
      const doc = parse(text);
      const refused = doc.refusedAt !== undefined;
      if ((real.status === 100) !== refused || (real.status !== 0 && real.status !== 100)) {
        problems.push(`${JSON.stringify(line)}: tcprules exit ${real.status}, mailharden ${refused ? 'refuses' : 'accepts'}`);
        continue;
      }
      if (refused) continue;
      const mine = new TcpRulesModel(doc).records.map((r) => [r.key, encode(r)]);
      const theirs = readCdb(real.cdb!);
      if (JSON.stringify(mine) !== JSON.stringify(theirs)) problems.push(`${JSON.stringify(line)}: records differ\n  tcprules   ${JSON.stringify(theirs)}\n  mailharden ${JSON.stringify(mine)}`);
    }
    assert.deepEqual(problems, []);
  });

  it('reads a last line without its newline, as tcprules does', (t) => {
    if (!haveReal(t)) return;
    const real = compile('1.2.3.4:allow\n1.2.3.5:deny');
    assert.deepEqual(new TcpRulesModel(parse('1.2.3.4:allow\n1.2.3.5:deny')).records.map((r) => [r.key, encode(r)]), readCdb(real.cdb!));
  });

  it('reads the reasons and positions of refusals', () => {
    const code = (line: string) => parse(`${line}\n`).rules[0]?.refused?.code;
    assert.equal(code('1.2.3.4:allow\r'), 'cr');
    assert.equal(code('1.2.3.4: allow'), 'action');
    assert.equal(code('1.2.3.4:Allow'), 'action');
    assert.equal(code('1.2.3.4:allow # x'), 'item');
    assert.equal(code('1.2.3.x-y:allow'), 'range');
    assert.equal(code('2001:db8::1:allow'), 'ipv6');
    const doc = parse('1.2.3.4:allow\n1.2.3.5:Allow\n1.2.3.6:allow\r\n');
    assert.equal(doc.refusedAt, 2);
    assert.equal(doc.crLines, 1);
    assert.deepEqual(doc.rules[1]!.refused!.span, { start: { line: 2, column: 9 }, end: { line: 2, column: 14 } });
  });

  it('skips comments, blank lines and lines without a colon, and keeps the latter as ignored', () => {
    const doc = parse('# c: allow\n\n   \n\t\n1.2.3.4 allow\n # indented, no colon\n1.2.3.4:allow\n');
    assert.deepEqual(doc.ignored.map((l) => [l.line, l.text]), [[5, '1.2.3.4 allow']]);
    assert.deepEqual(doc.rules.map((r) => r.line), [7]);
  });
});

describe('tcprules model: lookup order and first record', () => {
  it('looks keys up in the order of tcpserver', () => {
    assert.deepEqual(lookupNames({ ip: '10.1.2.3', host: 'a.mx.example.org', info: 'bob' }), [
      'bob@10.1.2.3',
      'bob@=a.mx.example.org',
      '10.1.2.3',
      '=a.mx.example.org',
      '10.1.2.',
      '10.1.',
      '10.',
      '=.mx.example.org',
      '=.example.org',
      '=.org',
      '=',
      '',
    ]);
    assert.deepEqual(lookupNames({ ip: '10.1.2.3' }), ['10.1.2.3', '10.1.2.', '10.1.', '10.', '']);
  });

  it('the most specific key wins whatever the line order; for identical keys the first line wins', () => {
    const model = new TcpRulesModel(parse(':deny\n10.:allow,A="8"\n10.1.2.:allow,A="24"\n10.1.:allow,A="16"\n10.1.2.3:deny\n10.1.2.3:allow\n'));
    assert.equal(model.decide({ ip: '10.1.2.3' }).record?.line, 5);
    assert.equal(model.decide({ ip: '10.1.2.4' }).record?.line, 3);
    assert.equal(model.decide({ ip: '10.1.9.9' }).record?.line, 4);
    assert.equal(model.decide({ ip: '10.9.9.9' }).record?.line, 2);
    assert.equal(model.decide({ ip: '11.0.0.1' }).record?.line, 1);
    const overlap = new TcpRulesModel(parse('192.168.16-31.:deny\n192.168.17.:allow,RELAYCLIENT=""\n'));
    assert.deepEqual(explainResult(overlap.decide({ ip: '192.168.17.5' })), { ip: '192.168.17.5', line: 1, key: '192.168.17.', action: 'deny', env: {} });
    assert.deepEqual(explainResult(new TcpRulesModel(parse('1.2.3.4:allow\n')).decide({ ip: '5.6.7.8' })), { ip: '5.6.7.8', line: null, key: null, action: 'allow', env: {} });
    assert.deepEqual(explainResult(new TcpRulesModel(parse('1.2.3.4:allow,X="a",X="b"\n')).decide({ ip: '1.2.3.4' })).env, { X: 'b' });
  });

  it('converts CIDR blocks to tcprules addresses (FORMATS.md §7)', () => {
    const cases: [string, string][] = [
      ['10.0.0.0/8', '10.'],
      ['192.168.16.0/20', '192.168.16-31.'],
      ['172.16.5.128/25', '172.16.5.128-255'],
      ['172.16.0.0/12', '172.16-31.'],
      ['100.64.0.0/10', '100.64-127.'],
      ['10.0.0.0/7', '10-11.'],
      ['192.168.0.0/23', '192.168.0-1.'],
      ['192.168.1.64/26', '192.168.1.64-127'],
      ['1.2.3.6/31', '1.2.3.6-7'],
      ['128.0.0.0/1', '128-255.'],
      ['1.2.3.4/32', '1.2.3.4'],
      ['0.0.0.0/0', ''],
    ];
    for (const [cidr, key] of cases) assert.equal(cidrToTcpRules(parseCidr(cidr)!), key, cidr);
    assert.deepEqual(summarize([{ net: 0xac100000, bits: 16 }, { net: 0xac110000, bits: 16 }, { net: 0xac120000, bits: 15 }]).map(formatCidr), ['172.16.0.0/14']);
  });

  it('tells which keys can never match', () => {
    for (const key of ['192.168.1.0/24', '192.168.2', ' 1.2.3.4', '1.2.3.4 ', '010.1.2.3', '1.2.3.256', '1.2.3.4.', 'mail.example.org', '10.1.3-4', 'bob@1.2.3.', 'a=b', '=mail .example.org']) {
      assert.equal(keyShape(key).kind, 'never', key);
    }
    for (const key of ['', '=', '=.example.org', '=mx.example.org', '1.2.3.4', '1.2.3.', '1.', 'bob@1.2.3.4', 'bob@=mx.example.org']) {
      assert.notEqual(keyShape(key).kind, 'never', key);
    }
  });
});

describe('file kind detection', () => {
  it('by name: tcp.smtp and tcp.* but not the cdb or the temporary file', () => {
    assert.equal(kindFromName('/etc/tcp.smtp'), 'tcp-rules');
    assert.equal(kindFromName('etc/tcp.pop3'), 'tcp-rules');
    assert.equal(kindFromName('/etc/tcp.smtp.cdb'), undefined);
    assert.equal(kindFromName('/etc/tcp.smtp.tmp'), undefined);
    assert.equal(kindFromName('/etc/tcpd.conf'), undefined);
  });
  it('by content', () => {
    assert.equal(kindFromContent('# relay\n127.0.0.1:allow,RELAYCLIENT=""\n192.168.1.:allow,RELAYCLIENT=""\n:allow\n'), 'tcp-rules');
    assert.equal(kindFromContent('postmaster: root\nroot: alice\n'), 'aliases');
  });
});

// ---------------------------------------------------------------------------------------------------

const fixtures = loadFixtures().filter((f) => f.kind === 'tcp-rules');
const agreement = { fixtures: 0, addresses: 0, mismatches: 0 };

/** Compares explain with tcprulescheck for the queries; returns the differences. */
function compare(doc: TcpRulesDocument, cdb: string, queries: readonly TcpQuery[]): string[] {
  const expected = tcprulescheck(cdb, queries);
  const diffs: string[] = [];
  queries.forEach((q, i) => {
    const mine = `${checkLines(explain(doc, [q.ip], q)[0]!).join('\n')}\n`;
    if (mine !== expected[i]) diffs.push(`${JSON.stringify(q)}\n  tcprulescheck: ${JSON.stringify(expected[i])}\n  explain:       ${JSON.stringify(mine)}`);
  });
  return diffs;
}

describe('tcp.smtp fixtures: compiled with the real tcprules, explain agrees with tcprulescheck', () => {
  it('has fixtures', () => assert.ok(fixtures.length > 0));
  for (const f of fixtures) {
    const refuses = f.settings.tcprules === 'refuses';
    it(`${f.path} → tcprules ${refuses ? 'refuses it (exit 100)' : 'accepts it (exit 0)'}`, (t) => {
      if (!haveReal(t)) return;
      const real = compile(f.text);
      assert.equal(real.status, refuses ? 100 : 0, real.stderr);
      const doc = parse(f.text, f.path);
      assert.equal(doc.refusedAt !== undefined, refuses, 'mailharden disagrees on whether tcprules refuses the file');
      if (refuses) {
        assert.match(real.stderr, /^tcprules: fatal: unable to parse this line: /);
        assert.equal(doc.file.line(doc.refusedAt!).replace(/[ \t]+$/, ''), real.stderr.slice('tcprules: fatal: unable to parse this line: '.length).replace(/\n$/, ''), 'the first refused line');
        return;
      }
      const model = new TcpRulesModel(doc);
      assert.deepEqual(model.records.map((r) => [r.key, encode(r)]), readCdb(real.cdb!), 'the records tcprules wrote');
      const queries = queriesFor(model);
      const diffs = compare(doc, real.cdb!, queries);
      agreement.fixtures++;
      agreement.addresses += queries.length;
      agreement.mismatches += diffs.length;
      t.diagnostic(`${queries.length} queries, ${diffs.length} mismatches`);
      assert.deepEqual(diffs, []);
    });
    it(`${f.path}: each line on its own is accepted or refused as tcprules does`, (t) => {
      if (!haveReal(t)) return;
      const problems: string[] = [];
      for (const line of f.text.split('\n')) {
        if (line === '' || line.startsWith('#')) continue;
        const real = compile(`${line}\n`);
        const refused = parse(`${line}\n`).refusedAt !== undefined;
        if ((real.status === 100) !== refused) problems.push(`${JSON.stringify(line)}: tcprules exit ${real.status}, mailharden ${refused ? 'refuses' : 'accepts'}`);
      }
      assert.deepEqual(problems, []);
    });
  }
  it('agreement over all fixtures', (t) => {
    t.diagnostic(`${agreement.fixtures} fixtures compiled, ${agreement.addresses} queries compared with tcprulescheck, ${agreement.mismatches} mismatches`);
    assert.equal(agreement.mismatches, 0);
  });
});

describe('property: random relay networks, compiled by tcprules, explained as tcprulescheck does', () => {
  const SETS = Number(process.env.MH_TCP_SETS ?? 40);
  const total = { addresses: 0, mismatches: 0, cidrChecks: 0 };
  it(`${SETS} random rule sets`, (t) => {
    if (!haveReal(t)) return;
    const rand = prng(0x7c9);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const diffs: string[] = [];
    for (let s = 0; s < SETS; s++) {
      const n = 1 + Math.floor(rand() * 6);
      const nets: Block[] = [];
      for (let i = 0; i < n; i++) {
        const base = pick([0x0a000000, 0xac100000, 0xc0a80000, Math.floor(rand() * MAX)]);
        const bits = pick([1, 7, 8, 9, 12, 15, 16, 17, 20, 22, 23, 24, 25, 26, 28, 30, 31, 32]);
        const addr = base + Math.floor(rand() * 2 ** 20);
        const size = 2 ** (32 - bits);
        nets.push({ net: Math.floor((addr % MAX) / size) * size, bits });
      }
      const sorted = s % 2 === 0;
      // Sorted: more specific networks first, as FORMATS.md §9 says to write them; otherwise in random order.
      const order = sorted ? [...nets].sort((a, b) => b.bits - a.bits) : nets;
      const actions = ['allow,RELAYCLIENT=""', 'deny', 'allow,NET="n"'];
      const lines = order.map((b, i) => `${cidrToTcpRules(b)}:${pick(actions).replace('"n"', `"${i}"`)}`);
      const dflt = pick(['', ':allow', ':deny']);
      if (dflt) lines.push(dflt);
      const text = `${lines.join('\n')}\n`;
      const real = compile(text);
      assert.equal(real.status, 0, `${text}\n${real.stderr}`);
      const doc = parse(text);
      const queries: TcpQuery[] = [];
      for (const b of order) {
        for (const p of probes(b)) queries.push({ ip: ipOf(p) });
        queries.push({ ip: ipOf(b.net + Math.floor(rand() * blockSize(b))) });
      }
      for (let i = 0; i < 3; i++) queries.push({ ip: ipOf(Math.floor(rand() * MAX)) });
      diffs.push(...compare(doc, real.cdb!, queries).map((d) => `${text}${d}`));
      total.addresses += queries.length;
      if (sorted) {
        // Longest-prefix semantics: the most specific network holding the address decides (the first of equal ones).
        const model = new TcpRulesModel(doc);
        for (const q of queries) {
          const [a, b, c, d] = q.ip.split('.').map(Number) as [number, number, number, number];
          const n = ((a * 256 + b) * 256 + c) * 256 + d;
          let best = -1;
          order.forEach((blk, i) => {
            const inside = Math.floor(n / blockSize(blk)) === Math.floor(blk.net / blockSize(blk));
            if (inside && (best < 0 || blk.bits > order[best]!.bits)) best = i;
          });
          const want = best >= 0 ? best + 1 : dflt ? lines.length : null;
          const got = model.decide(q).record?.line ?? null;
          total.cidrChecks++;
          if (want !== got) diffs.push(`${text}${q.ip}: the most specific network is line ${want}, explain says ${got}`);
        }
      }
    }
    total.mismatches = diffs.length;
    t.diagnostic(`${total.addresses} addresses compared with tcprulescheck, ${total.cidrChecks} checked against CIDR semantics, ${total.mismatches} mismatches`);
    assert.deepEqual(diffs.slice(0, 5), []);
  });
});

// ---------------------------------------------------------------------------------------------------

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('mailharden tcprules explain', () => {
  const dir = tempDir('mh-explain-');
  const file = join(dir, 'tcp.smtp');
  writeFileSync(file, '127.0.0.1:allow,RELAYCLIENT=""\n192.168.16-31.:deny\n192.168.17.:allow,RELAYCLIENT=""\n=mx.example.org:allow,HOST="yes"\nbob@10.0.0.1:deny\n:allow,X="a",X="b"\n');

  it('prints, per address, the deciding line and tcprulescheck\'s lines', () => {
    const r = cli(['tcprules', 'explain', file, '192.168.17.5', '127.0.0.1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, `192.168.17.5: ${file} line 2\nrule 192.168.17.:\ndeny connection\n\n127.0.0.1: ${file} line 1\nrule 127.0.0.1:\nset environment variable RELAYCLIENT=\nallow connection\n`);
  });

  it('--format json, with --host and --info', () => {
    const r = cli(['tcprules', 'explain', file, '8.8.8.8', '10.0.0.1', '--host', 'mx.example.org', '--info', 'bob', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { ip: '8.8.8.8', line: 4, key: '=mx.example.org', action: 'allow', env: { HOST: 'yes' } },
      { ip: '10.0.0.1', line: 5, key: 'bob@10.0.0.1', action: 'deny', env: {} },
    ]);
    const plain = cli(['tcprules', 'explain', file, '8.8.8.8', '--format', 'json']);
    assert.deepEqual(JSON.parse(plain.stdout), [{ ip: '8.8.8.8', line: 6, key: '', action: 'allow', env: { X: 'b' } }]);
    const none = join(dir, 'tcp.none');
    writeFileSync(none, '127.0.0.1:deny\n');
    assert.deepEqual(JSON.parse(cli(['tcprules', 'explain', none, '8.8.8.8', '--format', 'json']).stdout), [{ ip: '8.8.8.8', line: null, key: null, action: 'allow', env: {} }]);
    assert.match(cli(['tcprules', 'explain', none, '8.8.8.8']).stdout, /^8\.8\.8\.8: no rule matches, so tcpserver allows the connection\ndefault:\nallow connection\n$/);
  });

  it('usage errors exit 2 with one line naming the problem', () => {
    for (const [args, pattern] of [
      [[file, '192.168.1'], /"192\.168\.1" is not an IPv4 address/],
      [[file, '010.0.0.1'], /not an IPv4 address/],
      [[file, '1.2.3.4', '--format', 'xml'], /--format/],
      [[join(dir, 'missing'), '1.2.3.4'], /missing: cannot read: no such file/],
    ] as [string[], RegExp][]) {
      const r = cli(['tcprules', 'explain', ...args]);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, pattern);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
  });

  it('refuses to explain a file tcprules would refuse', () => {
    const bad = join(dir, 'tcp.bad');
    writeFileSync(bad, '127.0.0.1:allow\n192.168.1.: allow\n:deny\n');
    const r = cli(['tcprules', 'explain', bad, '127.0.0.1']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /tcp\.bad:2: tcprules cannot parse this line .*exit 100 and keeps the old cdb/);
  });

  it('lint finds tcp.smtp by its name', () => {
    const r = cli(['lint', '-f', 'compact', '--fail-on', 'none', file]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /tcp\.smtp:3:1: medium: .*\[MH5005\]/);
  });
});

describe('tcp.smtp findings', () => {
  it('a suppression comment works in tcp.smtp, except on an open relay', () => {
    const text = '# mailharden-disable-next-line MH5002 -- the lab network relays through this host\n10.:allow,RELAYCLIENT=""\n# mailharden-disable-next-line MH5001 -- no\n:allow,RELAYCLIENT=""\n';
    const found = lintText(text, 'tcp-rules', rules).map((f) => `${f.line} ${f.ruleId}${f.suppressed ? ' suppressed' : ''}`);
    assert.deepEqual(found, ['2 MH5002 suppressed', '3 MH0002', '4 MH5001']);
  });
  it('messages count the addresses', () => {
    const [f] = lintText('172.16-31.:allow,RELAYCLIENT=""\n:allow\n', 'tcp-rules', rules);
    assert.equal(f?.message, 'RELAYCLIENT for "172.16-31." lets 1,048,576 addresses (172.16.0.0/12, private) relay through this host');
  });
});

