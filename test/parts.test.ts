import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { lintOptions, lintText } from '../src/lint/text.js';
import type { FileKind, Finding } from '../src/core/types.js';
import { lintTarget, readParts } from '../src/lint/read.js';
import { aliasesCut } from '../src/parsers/aliases.js';
import { rules } from '../rules/index.js';
import { run } from './helpers/cli.js';
import { loadFixtures } from './helpers/fixtures.js';
import { mutate, opArb } from './helpers/mutate.js';
import { tempDir } from './helpers/real.js';

/**
 * A large aliases file is linted in parts (src/lint/read.ts): the findings must be exactly those of
 * the whole file read at once. Small parts make small files come in many of them.
 */
const LONG = process.env.MH_FUZZ === 'long';
const dir = tempDir('mh-parts-');
const TODAY = '2026-11-26';

function whole(text: string, kind: FileKind): Finding[] {
  return lintText(text, kind, rules, { path: 'x', today: TODAY });
}

function inParts(text: string, kind: FileKind, partBytes: number): Finding[] {
  const abs = join(dir, 'aliases');
  writeFileSync(abs, text);
  return lintTarget({ abs, shown: 'x', kind }, lintOptions(rules, { today: TODAY }), partBytes);
}

describe('lint in parts gives the findings of the whole file', () => {
  it('on every aliases fixture, mutated (bytes flipped, lines duplicated, CR, NUL, backslashes, invalid UTF-8)', () => {
    const seeds = loadFixtures().filter((f) => f.kind === 'aliases').map((f) => f.text);
    let parted = 0;
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(opArb, { maxLength: 8 }), fc.integer({ min: 1, max: 300 }), (i, ops, partBytes) => {
        // Written as UTF-8 and read back: the same text both ways (NUL-free, since a NUL is refused as binary).
        const text = Buffer.from(mutate(seeds[i]!, ops, false).replace(/\0/g, ''), 'utf8').toString('utf8');
        if (Buffer.byteLength(text) > partBytes) parted++;
        assert.deepEqual(inParts(text, 'aliases', partBytes), whole(text, 'aliases'));
      }),
      { numRuns: LONG ? 5000 : 200 },
    );
    assert.ok(parted > 0);
  });

  it('directives, duplicates, required names and CRLF counted across parts; snippets of earlier parts filled in', () => {
    const lines = [
      '# mailharden-disable MH2013 -- the list programs are reviewed',
      'a: "|/usr/bin/procmail"',
      ...Array.from({ length: 200 }, (_, i) => `user${i}: user${i}@example.com`),
      'b: "|/usr/bin/procmail"',
      '# mailharden-enable MH2013',
      'Staff: alice',
      ...Array.from({ length: 200 }, (_, i) => `more${i}: more${i}@example.com`),
      '# mailharden-disable-next-line MH2013 -- reviewed',
      'c: "|/usr/bin/procmail"',
      'user7: someone-else',
      'staff: bob\r',
      '# mailharden-disable MH2012 -- never closed',
      'log: /var/log/mail-copy',
    ];
    const text = `${lines.join('\n')}\n`;
    const expected = whole(text, 'aliases');
    const ids = expected.filter((f) => !f.suppressed).map((f) => `${f.line}:${f.ruleId}`);
    // What the whole file gives, checked by hand: "user7" (line 10) and "Staff" (line 205) are defined
    // again on lines 408 and 409, MH2005 and MH2010 once each, one disable never closed; the three
    // programs and the file target are suppressed.
    assert.deepEqual(ids, ['1:MH2005', '1:MH2005', '1:MH2005', '10:MH2006', '205:MH2006', '409:MH2010', '410:MH0005']);
    assert.deepEqual(
      expected.filter((f) => f.ruleId === 'MH2006').map((f) => `${f.sourceLine} | ${f.message}`),
      ['user7: user7@example.com | alias "user7" is defined again on line 408, and sendmail keeps only that last definition: these targets are ignored', 'Staff: alice | alias "Staff" is defined again on line 409, and sendmail keeps only that last definition: these targets are ignored'],
    );
    assert.equal(expected.filter((f) => f.suppressed).length, 4);
    for (const partBytes of [1, 7, 64, 500, 4096]) assert.deepEqual(inParts(text, 'aliases', partBytes), expected, `parts of ${partBytes} bytes`);
  });

  it('a long stretch with no place to cut is looked through once, not once per block read', () => {
    // 4 MiB of comment lines between two entries, read in parts of 8 KiB: no line in the stretch starts an entry.
    const text = `games: x\n${'# c\n'.repeat(1 << 20)}uucp: y\n`;
    const abs = join(dir, 'aliases');
    writeFileSync(abs, text);
    let looked = 0;
    const counting = (bytes: Uint8Array, from: number): number => {
      looked += bytes.length - from;
      return aliasesCut(bytes, from);
    };
    const parts = [...readParts({ abs, shown: 'x', kind: 'aliases' }, counting, 8192)];
    assert.deepEqual(parts.map((p) => p.firstLine), [1, (1 << 20) + 2]);
    assert.ok(looked < 3 * text.length, `looked at ${looked} bytes of ${text.length}`);
    assert.deepEqual(inParts(text, 'aliases', 8192), whole(text, 'aliases'));
  });

  it('a file larger than a part, through the command line: the findings of the whole file', () => {
    // 9 MB, so two parts of the default 8 MiB; names defined again in both parts.
    const entry = (i: number) => (i % 1000 === 0 ? `dup${i % 3}: x${i}\n` : i % 777 === 0 ? `p${i}: "|/usr/bin/procmail -a ${i}"\n` : `user${i}: ${'u'.repeat(40)}${i}@example.com\n`);
    const text = Array.from({ length: 140_000 }, (_, i) => entry(i)).join('');
    assert.ok(text.length > 8.5 * 1024 * 1024);
    writeFileSync(join(dir, 'aliases'), text);
    const r = run(['lint', '--no-config', '-f', 'json', 'aliases'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    const got = (JSON.parse(r.stdout) as { findings: Finding[] }).findings;
    const fields = (f: Finding) => [f.ruleId, f.line, f.column, f.endLine, f.endColumn, f.message, f.suppressed].join(' ');
    const expected = lintText(text, 'aliases', rules, { path: 'aliases' });
    assert.equal(expected.filter((f) => f.ruleId === 'MH2006').length, 137);
    assert.deepEqual(got.map(fields), expected.map(fields));
  });
});
