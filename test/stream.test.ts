import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LintReport } from '../src/core/report.js';
import type { Finding } from '../src/core/types.js';
import { stringifyVisible } from '../src/core/visible.js';
import { writeCodeclimate } from '../src/formatters/codeclimate.js';
import { writeCompact } from '../src/formatters/compact.js';
import { writeGithub, writeGithubStepSummary } from '../src/formatters/github.js';
import { writeHtml } from '../src/formatters/html.js';
import { writeJson } from '../src/formatters/json.js';
import { writeJunit } from '../src/formatters/junit.js';
import { writeSarif } from '../src/formatters/sarif.js';
import { collect, HOLE, Sink, writeJsonWithArray } from '../src/formatters/sink.js';
import { writeText } from '../src/formatters/text.js';
import { writeXccdf } from '../src/formatters/xccdf.js';
import { rules } from '../src/index.js';

/**
 * Findings stream through the formatters (issue 22): each writes a finding at a time into a sink whose
 * batches the CLI hands to the output, so no string holds the report. A report of a million findings
 * is written in every format without error, in batches of at most about 64 Ki characters; json, sarif,
 * junit, codeclimate and html of it are longer than V8's longest string (2^29 - 24 UTF-16 units on
 * 64-bit), so as one string they could not be made at all ("Invalid string length").
 */

const V8_MAX_STRING = 2 ** 29 - 24;

describe('writeJsonWithArray: the bytes of stringifyVisible of the whole document', () => {
  const elements: unknown[] = [
    { a: 1, b: [], c: {}, d: [1, [2, { e: 'x\ny' }]], f: null },
    { s: 'bidi \u202e and \u2028 and DEL \x7f and ESC \x1b and a lone \ud800' },
    [],
    {},
    'a string',
    42,
    [{ deep: [{ deeper: [] }] }],
  ];
  const docs: [string, (hole: unknown) => unknown][] = [
    ['the top level', (h) => h],
    ['a key of the top object', (h) => ({ tool: { name: 'x' }, findings: h, summary: { n: 1 } })],
    ['deep in arrays and objects', (h) => ({ runs: [{ tool: { rules: [{ id: 'a' }] }, results: h, after: [] }] })],
  ];
  for (const [where, doc] of docs) {
    for (const n of [0, 1, 2, elements.length]) {
      it(`${where}, ${n} element(s)`, () => {
        const items = elements.slice(0, n);
        const streamed = collect((out) => writeJsonWithArray(out, doc(HOLE), items, stringifyVisible));
        assert.equal(streamed, stringifyVisible(doc(items), 2));
      });
    }
  }
});

describe('a sink hands on batches of about its limit, the text in order', () => {
  it('batches of at least the limit but the last, each at most the limit and one piece more', () => {
    const batches: string[] = [];
    const sink = new Sink((b) => batches.push(b), 100);
    const pieces = Array.from({ length: 1000 }, (_, i) => `piece ${i}|`.repeat((i % 7) + 1));
    for (const p of pieces) sink.write(p);
    sink.flush();
    assert.equal(batches.join(''), pieces.join(''));
    for (const b of batches.slice(0, -1)) assert.ok(b.length >= 100 && b.length < 100 + 70, String(b.length));
    assert.ok(batches.length > 100);
  });
});

/** A report of `n` findings of MH2013 as lint makes them (its fix and references, a message of about 100 characters), over 10,000 files. */
function bigReport(n: number): LintReport {
  const meta = rules.find((r) => r.meta.id === 'MH2013')!.meta;
  const message = 'alias "a" pipes mail into "|/usr/local/bin/procmail -t -a $EXTENSION", a program run as the default user';
  const findings: Finding[] = new Array<Finding>(n);
  for (let i = 0; i < n; i++) {
    findings[i] = {
      ruleId: meta.id,
      slug: meta.slug,
      severity: meta.severity,
      message,
      file: `hosts/h${i % 10_000}/etc/aliases`,
      line: Math.floor(i / 10_000) + 1,
      column: 1,
      endLine: Math.floor(i / 10_000) + 1,
      endColumn: 5,
      fix: meta.fix,
      references: meta.references,
      tags: meta.tags,
      suppressed: i % 100 === 0,
      ...(i % 100 === 0 ? { suppression: { kind: 'inline' as const, reason: 'ticket 1', source: 'line 1' } } : {}),
      sourceLine: 'a:|b',
    };
  }
  return { tool: { name: 'mailharden', version: '0.0.0' }, findings, files: 10_000, rules: rules.map((r) => r.meta), target: 'hosts' };
}

describe('a million findings in every format: written without a string-length failure', () => {
  const N = 1_000_000;
  const report = bigReport(N);
  // Name, writer, how the output ends, and whether it is longer than V8's longest string (the formats
  // of some 540 characters a finding or more: as one string they failed with "Invalid string length").
  const formats: [string, (out: Sink) => void, string, boolean][] = [
    ['text', (out) => writeText(report, { color: false }, out), ' suppressed\n', false],
    ['compact', (out) => writeCompact(report, out), '[MH2013]\n', false],
    ['json', (out) => writeJson(report, out), '}\n', true],
    ['sarif', (out) => writeSarif(report, out), '}\n', true],
    ['github', (out) => writeGithub(report, out), '\n', false],
    ['github step summary', (out) => writeGithubStepSummary(report, out), '|\n', false],
    ['junit', (out) => writeJunit(report, out), '</testsuites>\n', true],
    ['codeclimate', (out) => writeCodeclimate(report, out), ']\n', true],
    ['xccdf', (out) => writeXccdf(report.rules, report.tool.version, out, { report, run: { target: 'hosts', endTime: '2026-01-01T00:00:00Z' } }), '</Benchmark>\n', false],
    ['html', (out) => writeHtml(report, { generated: '2026-01-01T00:00:00Z' }, out), '</html>\n', true],
  ];
  for (const [name, render, tail, over] of formats) {
    it(name, () => {
      let length = 0;
      let batches = 0;
      let last = '';
      let longest = 0;
      const sink = new Sink((b) => {
        // The first batch may be a document's head, as one piece: SARIF's is every rule's metadata.
        if (batches > 0) longest = Math.max(longest, b.length);
        else assert.ok(b.length < 1 << 20, `${name}: a head of ${b.length} characters`);
        length += b.length;
        batches++;
        last = b;
      });
      render(sink);
      sink.flush();
      // Longer than any string V8 can make: the report exists only in pieces.
      if (over) assert.ok(length > V8_MAX_STRING, `${name}: ${length} characters`);
      // No later batch holds more than its limit (64 Ki characters) and the piece that passed it.
      assert.ok(longest < 1 << 17, `${name}: a batch of ${longest} characters`);
      assert.ok(last.endsWith(tail), `${name} ends with ${JSON.stringify(last.slice(-60))}`);
    });
  }
});
