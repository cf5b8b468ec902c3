import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import { PRIVACY_FLAGS } from '../src/model/sendmail-options.js';
import { parseAs } from '../src/parsers/documents.js';

const cfDoc = (text: string) => parseAs('sendmail-cf', new SourceFile('test.cf', text));

/** The words and flags as the first reading had them: runs of ASCII letters and digits, found by a regex. */
function reference(values: string[]): { words: string[]; unknown: string[]; flags: Set<string> } {
  const words: string[] = [];
  const flags = new Set<string>();
  for (const v of values) for (const m of v.matchAll(/[A-Za-z0-9]+/g)) {
    words.push(m[0]);
    for (const f of PRIVACY_FLAGS.get(m[0].toLowerCase()) ?? []) flags.add(f);
  }
  return { words, unknown: words.filter((w) => !PRIVACY_FLAGS.has(w.toLowerCase())), flags };
}

describe('src/model/sendmail: the words of PrivacyOptions', () => {
  it('gives the unknown words of every line in order, repeated values included, and the same flags', () => {
    const values = ['authwarnings,noexpn', 'authwarnings,noexpn', 'goaway,zork', 'goaway,zork', 'noexpn', 'NoVrfy, x1;y2', 'noexpn', 'goaway,zork'];
    const doc = cfDoc('V10/Berkeley\n' + values.map((v) => `O PrivacyOptions=${v}\n`).join(''));
    const sm = doc.sendmail;
    const want = reference(values);
    assert.deepEqual([...sm.unknownPrivacyWords].map((w) => w.word), ['zork', 'zork', 'x1', 'y2', 'zork']);
    assert.deepEqual([...sm.unknownPrivacyWords].map((w) => w.word), want.unknown);
    assert.deepEqual([...sm.privacyWords].map((w) => w.word), want.words);
    assert.deepEqual([...sm.privacy].sort(), [...want.flags].sort());
    // The spans are those of each line's word, not of the first line holding the same value.
    assert.deepEqual([...sm.unknownPrivacyWords].map((w) => [w.span.start.line, w.span.start.column]), [[4, 25], [5, 25], [7, 26], [7, 29], [9, 25]]);
  });

  it('agrees with the regex reading on random values (letters, digits, punctuation, non-ASCII, repeats)', () => {
    let seed = 2026;
    const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed % n);
    const pieces = [...PRIVACY_FLAGS.keys(), 'NOEXPN', 'zork', 'x9', '', ',', ' ', ';', '-', '\u00e9', '_', '9', 'goAway'];
    for (let round = 0; round < 200; round++) {
      const values: string[] = [];
      for (let l = 1 + rnd(6); l > 0; l--) {
        if (values.length && rnd(3) === 0) values.push(values[rnd(values.length)]!);
        else values.push(Array.from({ length: rnd(8) }, () => pieces[rnd(pieces.length)]).join(rnd(2) ? ',' : ''));
      }
      const doc = cfDoc('V10/Berkeley\n' + values.map((v) => `O PrivacyOptions=${v}\n`).join(''));
      const sm = doc.sendmail;
      // The model sees each value as the parser leaves it (trimmed): read them back from the options.
      const want = reference(doc.options.map((o) => o.value));
      assert.deepEqual([...sm.privacyWords].map((w) => w.word), want.words, values.join(' | '));
      assert.deepEqual([...sm.unknownPrivacyWords].map((w) => w.word), want.unknown, values.join(' | '));
      assert.deepEqual([...sm.privacy].sort(), [...want.flags].sort(), values.join(' | '));
    }
  });
});
