import assert from 'node:assert/strict';
import { prng } from './helpers/prng.js';
import { describe, it } from 'node:test';
import { lintText } from '../src/lint/text.js';
import { FILE_KINDS } from '../src/core/types.js';
import { rules } from '../rules/index.js';
import { loadFixtures } from './helpers/fixtures.js';


/** Characters that matter to these formats, plus some that should not. */
const ALPHABET = ['O', ' ', '\t', '\n', '\r', '#', '\\', '"', '`', "'", '(', ')', ',', ':', '=', '$', '|', '/', '.', 'a', 'Z', '0', '9', 'é', '\u0000', 'dnl', 'define(', 'FEATURE(', 'PrivacyOptions', 'mailharden-disable', ' -- ', 'RELAY', 'Connect:'];

function mutate(text: string, rand: () => number): string {
  const chars = [...text];
  const ops = 1 + Math.floor(rand() * 8);
  for (let k = 0; k < ops; k++) {
    const at = Math.floor(rand() * (chars.length + 1));
    const r = rand();
    if (r < 0.4) chars.splice(at, 0, ALPHABET[Math.floor(rand() * ALPHABET.length)]!);
    else if (r < 0.7) chars.splice(at, 1 + Math.floor(rand() * 5));
    else {
      const from = Math.floor(rand() * chars.length);
      chars.splice(at, 0, ...chars.slice(from, from + Math.floor(rand() * 40)));
    }
  }
  return chars.join('');
}

/**
 * Parsers and rules never throw, and every finding lies inside the file, on random text and on
 * mutated fixtures of every kind (a short run; issue "Hostile input" adds the long fuzzing).
 */
describe('hostile input: no throw, positions inside the file', () => {
  const fixtures = loadFixtures();
  for (const kind of FILE_KINDS) {
    it(kind, () => {
      const seeds = fixtures.filter((f) => f.kind === kind).map((f) => f.text);
      const rand = prng(0x5eed + kind.length);
      for (let n = 0; n < Number(process.env.MH_CASES ?? 1000); n++) {
        const base = n % 3 === 0 || seeds.length === 0 ? Array.from({ length: Math.floor(rand() * 60) }, () => ALPHABET[Math.floor(rand() * ALPHABET.length)]).join('') : seeds[n % seeds.length]!;
        const text = mutate(base, rand);
        let findings;
        try {
          findings = lintText(text, kind, rules);
        } catch (e) {
          assert.fail(`threw on case ${n} (${JSON.stringify(text.slice(0, 200))}): ${(e as Error).stack}`);
        }
        const lines = text.split('\n');
        const count = lines.length > 1 && lines[lines.length - 1] === '' ? lines.length - 1 : lines.length;
        for (const f of findings) {
          assert.ok(f.line >= 1 && f.line <= Math.max(count, 1), `${f.ruleId} line ${f.line} of ${count} in case ${n}`);
          assert.ok(f.column >= 1 && (f.endLine > f.line || f.endColumn > f.column), `${f.ruleId} span ${f.line}:${f.column}-${f.endLine}:${f.endColumn} in case ${n}`);
        }
      }
    });
  }
});
