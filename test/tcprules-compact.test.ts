import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import { BROAD, relayGrants } from '../src/model/tcp-relay.js';
import { blockSize, KEY_KINDS, keyShape, modelOf, publicAddresses } from '../src/model/tcprules.js';
import { parseTcpRules, ruleKeys, type TcpRule } from '../src/parsers/tcprules.js';
import { prng } from './helpers/prng.js';

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
});
