import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { checkLines, explain, explainFile } from '../src/cli/tcprules-command.js';
import { SourceFile } from '../src/core/source.js';
import { BROAD, relayGrants } from '../src/model/tcp-relay.js';
import { blockSize, KEY_KINDS, keyShape, modelOf, publicAddresses, tcpKeyHash, type TcpQuery } from '../src/model/tcprules.js';
import { parseTcpRules, ruleKeys, type TcpRule } from '../src/parsers/tcprules.js';
import { prng } from './helpers/prng.js';
import { needs, tempDir } from './helpers/real.js';

/**
 * The tcp.smtp table and model keep numbers, not an object per line or key. These tests compare what
 * they answer with what the line objects say, worked out the plain way (every key as a string in a
 * Map, keyShape for each), on generated files full of what makes the compact form hard: ranges (also
 * repeated, backwards, clipped and too long to expand), duplicate keys, host and info@ keys, keys
 * that never match, refused lines, CRs, variables with blanks and repeated names.
 */

function generator(seed: number): (lines: number) => string {
  const r = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const oct = () => pick(['0', '1', '10', '127', '192', '255', '256', '300', '01', '', String(Math.floor(r() * 256))]);
  const addr = (): string =>
    pick([
      () => `${oct()}.${oct()}.${oct()}.${oct()}`,
      () => `${oct()}.${oct()}.`,
      () => `${oct()}.`,
      () => `10.${oct()}-${oct()}.`,
      () => `${oct()}-${oct()}.`,
      () => `1.2.3.${oct()}-${oct()}`,
      () => `10.1-2.3-4`,
      () => `${'9'.repeat(330)}-1.`,
      () => '',
      () => '=',
      () => pick(['=h.example', '=.example.com', '=.com', 'u@1.2.3.4', 'u@=h.example', 'u@10.']),
      () => pick(['192.168.1.0/24', ' 1.2.3.4', '1.2.3.4 ', '10.1.2', 'host.example', '::1', '1.2.3.x-y', '1.2.3.4.5', ' #x']),
    ])();
  const instr = () =>
    pick(['allow', 'deny', 'allow,RELAYCLIENT=""', 'allow,RELAYCLIENT="@x"', 'deny,RELAYCLIENT=""', 'allow, RELAYCLIENT=""', 'allow,X="a",X="b"', 'allow,RELAYCLIENT="",RELAYCLIENT="y"', 'Allow', 'allow #c', 'allow,X="a', 'allow,A=/q/,B=""']);
  const line = () => pick([() => `${addr()}:${instr()}`, () => `${addr()}:${instr()}`, () => `${addr()}:${instr()}\r`, () => `${addr()}:${instr()} \t`, () => '# c', () => '', () => 'no colon', () => addr()])();
  return (lines) => `${Array.from({ length: lines }, line).join('\n')}\n`;
}

describe('tcp.smtp: the compact table and model answer as the line objects do', () => {
  it('keys, their kinds, the record the cdb returns for each, and the relay grants, on 400 generated files', () => {
    for (let seed = 1; seed <= 400; seed++) {
      const text = generator(seed)(5 + (seed % 60));
      const doc = parseTcpRules(new SourceFile('tcp.smtp', text));
      const model = modelOf(doc);
      const where = `seed ${seed}`;
      // The plain way: every record as a key string, the first of each key in a Map.
      const ref: { key: string; rule: TcpRule; index: number }[] = [];
      const first = new Map<string, number>();
      doc.rules.forEach((rule, index) => {
        if (rule.refused || !rule.action) return;
        for (const key of ruleKeys(rule)) {
          if (!first.has(key)) first.set(key, ref.length);
          ref.push({ key, rule, index });
        }
      });
      assert.equal(model.count, ref.length, where);
      for (let rec = 0; rec < ref.length; rec++) {
        const want = ref[rec]!;
        assert.equal(model.keyOf(rec), want.key, where);
        assert.equal(model.lineOf(rec), want.index, where);
        assert.equal(KEY_KINDS[model.kindOf(rec)], keyShape(want.key).kind, `${where}: ${JSON.stringify(want.key)}`);
        assert.equal(model.firstOf(rec), first.get(want.key), `${where}: first record of ${JSON.stringify(want.key)}`);
        assert.equal(model.findId(want.key), first.get(want.key), where);
      }
      assert.equal(model.findId('no such key'), -1);
      // Relay grants: allow lines setting RELAYCLIENT, their deciding keys, for everyone or at least BROAD addresses.
      const grants: { line: number; addresses: number; publicAddresses: number }[] = [];
      for (const rule of doc.rules) {
        if (rule.refused || rule.action !== 'allow' || !rule.variables.some((v) => v.name === 'RELAYCLIENT')) continue;
        let decides = false;
        let everyone = false;
        let addresses = 0;
        let pub = 0;
        for (const key of ruleKeys(rule)) {
          if (ref[first.get(key)!]!.rule !== rule) continue;
          decides = true;
          const shape = keyShape(key);
          if (shape.kind === 'default' || shape.kind === 'any-host' || (shape.kind === 'host-suffix' && /^\.[A-Za-z0-9-]+$/.test(shape.suffix))) everyone = true;
          else if (shape.kind === 'ip' || shape.kind === 'prefix') {
            addresses += blockSize(shape.block);
            pub += publicAddresses(shape.block);
          }
        }
        if (decides && (everyone || addresses >= BROAD)) grants.push({ line: rule.line, addresses, publicAddresses: pub });
      }
      assert.deepEqual(
        relayGrants(doc).map((g) => ({ line: g.rule.line, addresses: g.addresses, publicAddresses: g.publicAddresses })),
        grants,
        where,
      );
    }
  });

  it('every address and prefix key (judged and hashed in one loop) is found by its string\'s hash, and each other key as before', () => {
    // The shapes the one loop stops on: octets over 255, of four digits, with a leading zero, five parts,
    // a dot too many, the empty key, and keys that only start like an address.
    const octs = ['0', '1', '9', '10', '99', '100', '255', '256', '999', '1000', '01', '00', ''];
    const r = prng(7);
    const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
    const keys: string[] = [''];
    for (let k = 0; k < 3000; k++) {
      const parts = 1 + Math.floor(r() * 5);
      let key = Array.from({ length: parts }, () => pick(octs)).join('.');
      if (r() < 0.4) key += '.';
      if (r() < 0.1) key += pick(['x', '=h', '@', '..', '-', ' ']);
      keys.push(key);
    }
    // Each key twice, the second time further down, so that the first record of each key must be found.
    const lines = [...keys, ...keys.slice().reverse()].map((k, i) => `${k}:${i % 2 ? 'allow' : 'deny'}`);
    const doc = parseTcpRules(new SourceFile('tcp.smtp', `${lines.join('\n')}\n`));
    const model = modelOf(doc);
    const first = new Map<string, number>();
    for (let rec = 0; rec < model.count; rec++) {
      const key = model.keyOf(rec);
      if (!first.has(key)) first.set(key, rec);
      assert.equal(KEY_KINDS[model.kindOf(rec)], keyShape(key).kind, JSON.stringify(key));
      assert.equal(model.firstOf(rec), first.get(key), JSON.stringify(key));
    }
    assert.ok(first.size > 1000);
    for (const [key, rec] of first) assert.equal(model.findId(key), rec, JSON.stringify(key));
  });

  it('a line read from the table equals the same line read alone (offsets, variables, ranges and refusals)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const text = generator(1000 + seed)(40);
      const whole = parseTcpRules(new SourceFile('tcp.smtp', text)).rules;
      const lines = text.split('\n');
      for (const rule of whole) {
        // Alone on a line of its own, at line 1: the same rule with line 1 in every span.
        const alone = parseTcpRules(new SourceFile('tcp.smtp', `${lines[rule.line - 1]}\n`)).rules[0]!;
        const moved = JSON.parse(JSON.stringify(rule).replace(/"line":\d+/g, '"line":1'));
        assert.deepEqual(alone, moved, `seed ${1000 + seed} line ${rule.line}`);
      }
    }
  });

  it('the model built a partition of its hash table at a time answers as the plain way on files of some 100,000 records', () => {
    for (const seed of [5, 6]) {
      // Tens of partitions: duplicate keys, ranges that repeat and overlap, keys that never match, refused lines.
      const text = generator(seed)(21_000);
      const doc = parseTcpRules(new SourceFile('tcp.smtp', text));
      const model = modelOf(doc);
      const first = new Map<string, number>();
      let rec = 0;
      doc.rules.forEach((rule, index) => {
        if (rule.refused || !rule.action) return;
        for (const key of ruleKeys(rule)) {
          if (!first.has(key)) first.set(key, rec);
          assert.equal(model.lineOf(rec), index);
          assert.equal(model.firstOf(rec), first.get(key), `seed ${seed}: first record of ${JSON.stringify(key)}`);
          rec++;
        }
      });
      assert.equal(model.count, rec);
      assert.ok(rec > 65_536, `${rec} records: 32 partitions or more`);
      for (const [key, want] of first) assert.equal(model.findId(key), want, `seed ${seed}: ${JSON.stringify(key)}`);
      assert.equal(model.findId('no such key'), -1);
    }
  });

  it('a file that is not ASCII (read as 16-bit code units) gives the table an ASCII file gives (read as bytes)', () => {
    for (let seed = 1; seed <= 100; seed++) {
      const text = generator(2000 + seed)(40);
      const ascii = parseTcpRules(new SourceFile('tcp.smtp', text));
      const wide = parseTcpRules(new SourceFile('tcp.smtp', `${text}# é\n`));
      assert.ok(ascii.table.codes instanceof Uint8Array && wide.table.codes instanceof Uint16Array);
      assert.deepEqual(wide.rules, ascii.rules, `seed ${2000 + seed}`);
      assert.deepEqual(wide.ignored, ascii.ignored, `seed ${2000 + seed}`);
    }
    // Code units above 255 in keys and values are kept, not cut to a byte.
    const doc = parseTcpRules(new SourceFile('tcp.smtp', '=h\u0101st:allow,V="\u{1F600}"\n\u0100-\u0161.:deny\n'));
    assert.equal(doc.table.address(0), '=h\u0101st');
    assert.equal(doc.table.varValue(0), '\u{1F600}');
    assert.equal(doc.table.refusedCode(1), 'range');
  });

  it('a file read as bytes: the table of an ASCII file reads its bytes (no copy) and answers as the same text does; any other file is decoded as UTF-8', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const text = generator(5000 + seed)(40);
      const bytes = Buffer.from(text, 'latin1');
      const file = SourceFile.fromBytes('tcp.smtp', bytes, true);
      assert.equal(file.text, text);
      const doc = parseTcpRules(file);
      assert.equal(doc.table.codes.buffer, bytes.buffer, 'the bytes themselves, not a copy');
      const plain = parseTcpRules(new SourceFile('tcp.smtp', text));
      assert.deepEqual(doc.rules, plain.rules, `seed ${5000 + seed}`);
      assert.deepEqual(doc.ignored, plain.ignored, `seed ${5000 + seed}`);
    }
    // Not ASCII: bad UTF-8, a lone surrogate's bytes, latin1 é, a real é: the text is what UTF-8 decoding gives, and no bytes are kept.
    for (const tail of [[0xff], [0xc3], [0xed, 0xa0, 0x80], [0xe9], [0xc3, 0xa9]]) {
      const bytes = Buffer.concat([Buffer.from('1.2.3.4:allow,V="'), Buffer.from(tail), Buffer.from('"\n=h')]);
      const file = SourceFile.fromBytes('tcp.smtp', bytes, true);
      assert.equal(file.text, bytes.toString('utf8'));
      assert.equal(file.asciiBytes, undefined);
      assert.deepEqual(parseTcpRules(file).rules, parseTcpRules(new SourceFile('tcp.smtp', bytes.toString('utf8'))).rules);
    }
    // Kept only when asked.
    assert.equal(SourceFile.fromBytes('x', Buffer.from('1.2.3.4:allow\n')).asciiBytes, undefined);
  });

  it('the noted lines (what MH5003 and MH5007-MH5010 loop over) hold every line their rule looks at, in line order', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const doc = parseTcpRules(new SourceFile('tcp.smtp', generator(7000 + seed)(60)));
      const t = doc.table;
      const noted = t.noted();
      assert.equal(t.noted(), noted, 'made once');
      const want = { refused: [] as number[], ranged: [] as number[], edgeVars: [] as number[], relayValues: [] as number[] };
      doc.rules.forEach((rule, i) => {
        if (rule.refused) want.refused.push(i);
        if (rule.range) want.ranged.push(i);
        if (rule.variables.some((v) => v.name !== '' && /^[^!-~]|[^!-~]$/.test(v.name))) want.edgeVars.push(i);
        if (rule.variables.some((v) => v.name === 'RELAYCLIENT' && v.value !== '')) want.relayValues.push(i);
      });
      for (const [k, lines] of Object.entries(want)) {
        const got = [...noted[k as keyof typeof want]];
        assert.deepEqual(got, [...got].sort((a, b) => a - b), `${k} in order, seed ${7000 + seed}`);
        // Every line the rule needs; more only where a line was read again (a CR line that tcprules refuses).
        for (const i of lines) assert.ok(got.includes(i), `${k} lacks line ${i}, seed ${7000 + seed}`);
        for (const i of got) assert.ok(lines.includes(i) || (t.refusedCode(i) !== undefined && k !== 'refused' && k !== 'ranged'), `${k} has line ${i}, seed ${7000 + seed}`);
      }
    }
  });

  it('the model\'s noted lines (what MH5004 and MH5005 loop over) hold every line with a key that never matches, an empty range, or a key written before', () => {
    for (let seed = 1; seed <= 150; seed++) {
      const doc = parseTcpRules(new SourceFile('tcp.smtp', generator(8000 + seed)(60)));
      const model = modelOf(doc);
      const noted = model.noted();
      assert.equal(model.noted(), noted, 'made once');
      const never: number[] = [];
      const repeats: number[] = [];
      const seen = new Set<string>();
      doc.rules.forEach((rule, i) => {
        if (rule.refused || !rule.action) return;
        const keys = ruleKeys(rule);
        if ((rule.range && rule.range.bot > rule.range.top) || keys.some((k) => keyShape(k).kind === 'never')) never.push(i);
        if (keys.some((k) => seen.has(k))) repeats.push(i);
        for (const k of keys) seen.add(k);
      });
      assert.deepEqual([...noted.never], never, `never, seed ${8000 + seed}`);
      assert.deepEqual([...noted.repeats], repeats, `repeats, seed ${8000 + seed}`);
    }
  });

  it('the flags the parser sets per variable say what its name says: RELAYCLIENT, and whether it may start or end in white space', () => {
    const names = ['RELAYCLIENT', ' RELAYCLIENT', 'RELAYCLIENT ', 'RELAYCLIENTS', 'RELAYCLIEN', 'relayclient', '', 'X', ' ', '\tY', 'Y\r', '\u00a0X', 'X\u3000', '\ufeffRELAYCLIENT', 'é', 'a b', '\u2028'];
    const r = prng(3);
    for (let round = 0; round < 50; round++) {
      const lines: string[] = [];
      for (let i = 0; i < 30; i++) {
        const vars = Array.from({ length: 1 + Math.floor(r() * 3) }, () => `,${names[Math.floor(r() * names.length)]}="v"`).join('');
        lines.push(`10.0.0.${i}:${r() < 0.5 ? 'allow' : 'deny'}${vars}`);
      }
      const t = parseTcpRules(new SourceFile('tcp.smtp', `${lines.join('\n')}\n`)).table;
      for (let v = 0; v < t.vars; v++) {
        const name = t.varName(v);
        assert.equal(t.varIsRelayClient(v), name === 'RELAYCLIENT', JSON.stringify(name));
        assert.equal(t.varIsRelayClient(v), t.varNameIs(v, 'RELAYCLIENT'), JSON.stringify(name));
        if (name.trim() !== name) assert.ok(t.varNameMayHaveBlankEdge(v), JSON.stringify(name));
        if (/^[!-~]([^]*[!-~])?$/.test(name)) assert.ok(!t.varNameMayHaveBlankEdge(v), JSON.stringify(name));
      }
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// `tcprules explain` streams the file: the same answers as tcprulescheck on the compiled cdb, in bounded memory.

const TCPRULES = '/usr/bin/tcprules';
const TCPRULESCHECK = '/usr/bin/tcprulescheck';
const TIME = '/usr/bin/time';
const MAIN = join(import.meta.dirname, '..', 'src', 'cli', 'main.js');

/** A file of several parts of explain's reading: exact addresses, prefixes, ranges, repeated keys with other actions, host rules, a default in the middle. */
function bigRules(seed: number, lines: number): string {
  const r = prng(seed);
  const o = () => Math.floor(r() * 4);
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    const act = r() < 0.3 ? 'deny' : r() < 0.5 ? 'allow' : `allow,RELAYCLIENT="",N="${i}"`;
    const x = r();
    if (i === lines >> 1) out.push(':deny,WHY="default"');
    else if (x < 0.55) out.push(`10.${o()}.${o()}.${o()}:${act}`);
    else if (x < 0.7) out.push(`10.${o()}.${o()}.:${act}`);
    else if (x < 0.8) out.push(`10.${o()}.:${act}`);
    else if (x < 0.88) out.push(`10.${o()}.${o()}-${o() + 1}.:${act}`);
    else if (x < 0.93) out.push(`10.${o()}.${o()}.${o()}-${o() + 2}:${act}`);
    else if (x < 0.96) out.push(`=h${o()}.example.org:${act}`);
    else out.push(`# comment ${i} ${'x'.repeat(Math.floor(r() * 200))}`);
  }
  return `${out.join('\n')}\n`;
}

describe('tcprules explain reads the file a part at a time', () => {
  it('answers as tcprulescheck does on the cdb tcprules compiles, across many parts', (t) => {
    if (!needs(t, TCPRULES, TCPRULESCHECK)) return;
    const dir = tempDir('mh-explain-stream-');
    try {
      const src = join(dir, 'tcp.smtp');
      // About 40,000 lines, some 600 KB: ten parts of 64 KiB, so repeated keys fall in different parts.
      writeFileSync(src, bigRules(7, 40_000));
      const built = spawnSync(TCPRULES, [join(dir, 'tcp.cdb'), join(dir, 'tcp.tmp')], { input: readFileSync(src) });
      assert.equal(built.status, 0, String(built.stderr));
      const r = prng(11);
      const queries: TcpQuery[] = [];
      for (let i = 0; i < 200; i++) {
        const ip = `10.${Math.floor(r() * 6)}.${Math.floor(r() * 6)}.${Math.floor(r() * 7)}`;
        queries.push(i % 5 === 0 ? { ip, host: `h${i % 4}.example.org` } : { ip });
      }
      const decisions = explainFile(src, queries);
      const diffs: string[] = [];
      queries.forEach((q, i) => {
        const env = { PATH: process.env.PATH ?? '', TCPREMOTEIP: q.ip, ...(q.host ? { TCPREMOTEHOST: q.host } : {}) };
        const real = spawnSync(TCPRULESCHECK, [join(dir, 'tcp.cdb')], { env, encoding: 'utf8' });
        const mine = `${checkLines(decisions[i]!).join('\n')}\n`;
        if (mine !== real.stdout) diffs.push(`${JSON.stringify(q)}: tcprulescheck ${JSON.stringify(real.stdout)}, explain ${JSON.stringify(mine)}`);
      });
      assert.deepEqual(diffs, []);
      // The streamed answer is the one the whole-file model gives.
      const whole = explain(parseTcpRules(new SourceFile(src, readFileSync(src, 'utf8'))), queries.map((q) => q.ip));
      assert.deepEqual(
        decisions.filter((d) => d.query.host === undefined).map((d) => [d.record?.line, d.record?.key]),
        whole.filter((_, i) => queries[i]!.host === undefined).map((d) => [d.record?.line, d.record?.key]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a line tcprules refuses in a later part is still an error (tcprules keeps the old cdb)', () => {
    const dir = tempDir('mh-explain-stream-');
    try {
      const src = join(dir, 'tcp.smtp');
      writeFileSync(src, `10.0.0.1:allow\n${'10.0.0.2:deny\n'.repeat(20_000)}10.0.0.3: allow\n`);
      assert.throws(() => explainFile(src, [{ ip: '10.0.0.1' }]), /tcp\.smtp:20002: tcprules cannot parse this line/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('memory stays bounded on a 24 MB file (peak RSS of the CLI under GNU time, a bound and not a timing)', (t) => {
    if (!needs(t, TIME)) return;
    const dir = tempDir('mh-explain-stream-');
    try {
      const src = join(dir, 'tcp.smtp');
      const fd = openSync(src, 'w');
      const lines = 720_000;
      for (let i = 0; i < lines; i += 10_000) {
        let s = '';
        for (let k = i; k < i + 10_000; k++) s += `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}:allow,RELAYCLIENT=""\n`;
        writeSync(fd, s);
      }
      writeSync(fd, ':deny\n');
      closeSync(fd);
      const last = lines - 1;
      const ip = `10.${(last >> 16) & 255}.${(last >> 8) & 255}.${last & 255}`;
      const r = spawnSync(TIME, ['-f', '%M', process.execPath, MAIN, 'tcprules', 'explain', src, ip, '8.8.8.8', '--format', 'json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [
        { ip, line: lines, key: ip, action: 'allow', env: { RELAYCLIENT: '' } },
        { ip: '8.8.8.8', line: lines + 1, key: '', action: 'deny', env: {} },
      ]);
      const peakMB = Number(/(\d+)\s*$/.exec(r.stderr.trim())![1]) / 1024;
      // Reading the file whole and modelling it took 4 to 10 times the file's size; a part at a time is node and 64 KiB.
      assert.ok(peakMB < 120, `peak ${peakMB.toFixed(0)} MB for a ${(statSync(src).size / 1e6).toFixed(0)} MB file`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('tcp.smtp model: keys made to collide under the published FNV-1a start', () => {
  /** 2^k keys `=…` with one FNV-1a hash from the published start (k pairs of colliding 6-letter blocks, birthday search). */
  function multicollision(k: number): string[] {
    const step = (h: number, c: number): number => Math.imul(h ^ c, 0x01000193);
    let h = step(0x811c9dc5 | 0, 61);
    let s = 12345;
    const pairs: [string, string][] = [];
    while (pairs.length < k) {
      const seen = new Map<number, string>();
      for (;;) {
        let blk = '';
        let x = h;
        for (let i = 0; i < 6; i++) {
          s = (Math.imul(s, 1103515245) + 12345) >>> 0;
          const c = 97 + ((s >>> 8) % 26);
          blk += String.fromCharCode(c);
          x = step(x, c);
        }
        const other = seen.get(x);
        if (other !== undefined && other !== blk) {
          pairs.push([other, blk]);
          h = x;
          break;
        }
        seen.set(x, blk);
      }
    }
    const keys: string[] = [];
    for (let m = 0; m < 1 << k; m++) keys.push(`=${pairs.map((p, i) => p[(m >> i) & 1]).join('')}`);
    return keys;
  }

  it('are spread over many hashes, and the model still finds the first record of each', () => {
    const keys = multicollision(10);
    const published = (key: string): number => {
      let h = 0x811c9dc5 | 0;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      return h;
    };
    assert.equal(new Set(keys.map(published)).size, 1);
    assert.ok(new Set(keys.map(tcpKeyHash)).size > 1000, 'the model hashes them apart');
    const text = `${keys.map((k) => `${k}:allow`).join('\n')}\n${keys[5]}:deny\n`;
    const model = modelOf(parseTcpRules(new SourceFile('tcp.smtp', text)));
    assert.equal(model.findId(keys[5]!.slice(0)), model.recordsFrom(5));
    assert.equal(model.findId('=nothere'), -1);
  });
});
