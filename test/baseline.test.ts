import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { serializeBaseline, type Baseline } from '../src/baseline/baseline.js';
import { findingKey } from '../src/core/report.js';
import { jsonSyntaxError } from '../src/baseline/json-check.js';
import { exampleRoot } from './helpers/example.js';
import { ROOT, run } from './helpers/cli.js';
import { tempDir } from './helpers/real.js';

const BASELINE = '.mailharden-baseline.json';

/** A copy of examples/etc in a temp dir (the deliberately unsafe example host). */
const fleet = (): string => exampleRoot('mh-baseline-').root;

const read = (dir: string, name = BASELINE): Baseline => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Baseline;
const total = (b: Baseline): number => b.entries.reduce((n, e) => n + e.count, 0);
const edit = (dir: string, file: string, f: (text: string) => string): void => writeFileSync(join(dir, file), f(readFileSync(join(dir, file), 'utf8')));
const FILES = ['etc/aliases', 'etc/mail/access', 'etc/mail/sendmail.cf', 'etc/mail/sendmail.mc'];

interface JsonFinding {
  ruleId: string;
  file: string;
  line: number;
  suppressed: boolean;
  suppression?: { kind: string; reason: string; source: string };
}
const lintJson = (dir: string, args: string[] = []): { code: number; stderr: string; out: { findings: JsonFinding[]; summary: Record<string, number> } } => {
  const r = run(['lint', '-f', 'json', ...args, 'etc'], { cwd: dir });
  return { code: r.code, stderr: r.stderr, out: JSON.parse(r.stdout) };
};

describe('mailharden baseline write', () => {
  it('writes every finding, keyed by file, rule and semantic key, sorted and stable', () => {
    const dir = fleet();
    const w = run(['baseline', 'write', 'etc'], { cwd: dir });
    assert.equal(w.code, 0, w.stderr);
    const b = read(dir);
    assert.match(w.stdout, new RegExp(`^${BASELINE.replace(/\./g, '\\.')}: ${b.entries.length} entries for ${total(b)} findings in 4 files\\n$`));
    assert.equal(b.version, 1);
    assert.deepEqual(b.paths, ['etc']);
    const lint = lintJson(dir, ['--no-baseline', '--fail-on', 'none']);
    assert.equal(total(b), lint.out.findings.length, 'one count per finding');
    // No line numbers anywhere in an entry; the key names what the finding is about.
    for (const e of b.entries) assert.deepEqual(Object.keys(e), ['file', 'rule', 'key', 'count']);
    assert.ok(b.entries.some((e) => e.file === 'etc/aliases' && e.rule === 'MH2004' && e.key.includes('"games"')));
    // The cf's own finding (its .mc says MaxDaemonChildren=0; a finding the .mc shares goes to the .mc, src/lint/same-cause.ts).
    assert.ok(b.entries.some((e) => e.file === 'etc/mail/sendmail.cf' && e.rule === 'MH1023' && e.key.startsWith('MaxDaemonChildren is not set')));
    // Sorted by file, rule, key; one entry per line; the same bytes every time.
    const sorted = [...b.entries].sort((x, y) => (x.file + '\0' + x.rule + '\0' + x.key < y.file + '\0' + y.rule + '\0' + y.key ? -1 : 1));
    assert.deepEqual(b.entries, sorted);
    const text = readFileSync(join(dir, BASELINE), 'utf8');
    assert.equal(text.split('\n').filter((l) => l.startsWith('    {"file":')).length, b.entries.length);
    assert.equal(text, serializeBaseline(b), 'the serializer is the file format');
    assert.equal(run(['baseline', 'write', 'etc'], { cwd: dir }).code, 0);
    assert.equal(readFileSync(join(dir, BASELINE), 'utf8'), text, 'deterministic');
    // Written from another directory with -o: paths relative to the baseline file, same content.
    const other = fleet();
    assert.equal(run(['baseline', 'write', join(other, 'etc'), '-o', join(other, BASELINE)], { cwd: ROOT }).code, 0);
    assert.equal(readFileSync(join(other, BASELINE), 'utf8'), text);
  });
  it('leaves out findings of rules that cannot be suppressed, and says so', () => {
    const dir = tempDir('mh-baseline-');
    writeFileSync(join(dir, 'sendmail.mc'), "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl\nFEATURE(`promiscuous_relay')dnl\nMAILER(`local')dnl\n");
    const w = run(['baseline', 'write', 'sendmail.mc'], { cwd: dir });
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stderr, /^mailharden: baseline: 1 finding of rules that cannot be suppressed \(MH1040\) not baselined/);
    assert.ok(!read(dir).entries.some((e) => e.rule === 'MH1040'));
    const l = run(['lint', '-f', 'compact', 'sendmail.mc'], { cwd: dir });
    assert.equal(l.code, 1);
    assert.equal(l.stdout.trim().split('\n').length, 1);
    assert.match(l.stdout, /\[MH1040\]$/m);
  });
});

describe('mailharden lint with a baseline', () => {
  it('accepts every baselined finding: exit 0, counted in the footer and in JSON', () => {
    const dir = fleet();
    run(['baseline', 'write', 'etc'], { cwd: dir });
    const n = total(read(dir));
    const text = run(['lint', 'etc'], { cwd: dir });
    assert.equal(text.code, 0, text.stdout);
    assert.equal(text.stdout, `no findings in 4 files, ${n} baselined\n`);
    assert.equal(text.stderr, '');
    const { code, out } = lintJson(dir);
    assert.equal(code, 0);
    assert.equal(out.summary.findings, 0);
    assert.equal(out.summary.suppressed, n);
    assert.equal(out.summary.baselined, n);
    for (const f of out.findings) {
      assert.equal(f.suppression?.kind, 'baseline');
      assert.match(f.suppression!.source, /^\.mailharden-baseline\.json:\d+$/);
    }
    // --no-baseline, and an explicit --baseline elsewhere.
    assert.equal(run(['lint', '--no-baseline', 'etc'], { cwd: dir }).code, 1);
    const noBaseline = lintJson(dir, ['--no-baseline', '--fail-on', 'none']);
    assert.equal(noBaseline.out.summary.findings, n);
    assert.ok(!('baselined' in noBaseline.out.summary), 'the summary keeps its documented shape without a baseline');
    mkdirSync(join(dir, 'sub'));
    const sub = run(['lint', '--baseline', `../${BASELINE}`, '../etc'], { cwd: join(dir, 'sub') });
    assert.equal(sub.code, 0, sub.stdout + sub.stderr);
    assert.match(sub.stdout, new RegExp(`, ${n} baselined\\n$`));
  });
  it('survives edits elsewhere: lines inserted at the top of every file shift nothing out', () => {
    const dir = fleet();
    run(['baseline', 'write', 'etc'], { cwd: dir });
    for (const f of FILES) edit(dir, f, (t) => (f.endsWith('.mc') ? 'dnl # managed in git\ndnl # see README\n' : '# managed in git\n# see README\n\n') + t);
    const { code, stderr, out } = lintJson(dir);
    assert.equal(code, 0, JSON.stringify(out.findings.filter((f) => !f.suppressed)));
    assert.equal(out.summary.findings, 0);
    assert.equal(out.summary.baselined, total(read(dir)));
    assert.equal(stderr, '');
  });
  it('reports only a new problem (exit 1) and calls a fixed one fixed; prune drops it', () => {
    const dir = fleet();
    run(['baseline', 'write', 'etc'], { cwd: dir });
    const before = read(dir);
    edit(dir, 'etc/aliases', (t) => `${t}backup: "|/bin/sh -c /usr/local/bin/backup"\n`);
    const added = run(['lint', '-f', 'compact', 'etc'], { cwd: dir });
    assert.equal(added.code, 1);
    assert.deepEqual(
      added.stdout.trim().split('\n').map((l) => l.replace(/:\d+:\d+: .*\[/, ' [')),
      ['etc/aliases [MH2002]'],
      'only the finding about the new alias',
    );
    assert.equal(added.stderr, '');
    // Fix a baselined problem: the games alias goes.
    edit(dir, 'etc/aliases', (t) => t.replace(/^games: root\n/m, ''));
    const fixed = run(['lint', '--fail-on', 'none', 'etc'], { cwd: dir });
    assert.equal(fixed.code, 0);
    assert.equal(fixed.stderr, 'mailharden: baseline: 1 entry matches nothing now (fixed?): run `mailharden baseline prune`\n');
    // Linting one file calls nothing in the other files fixed.
    const one = run(['lint', '--fail-on', 'none', 'etc/mail/access'], { cwd: dir });
    assert.equal(one.stderr, '');
    assert.match(one.stdout, /^no findings in 1 file, 2 baselined\n$/);
    const p = run(['baseline', 'prune'], { cwd: dir });
    assert.equal(p.code, 0, p.stderr);
    assert.equal(p.stdout, `${BASELINE}: removed 1 entry that matches nothing; ${before.entries.length - 1} entries left\n`);
    const after = read(dir);
    assert.deepEqual(
      before.entries.filter((e) => !after.entries.some((a) => a.rule === e.rule && a.file === e.file && a.key === e.key)).map((e) => `${e.file} ${e.rule}`),
      ['etc/aliases MH2004'],
    );
    assert.equal(run(['lint', '--fail-on', 'none', 'etc'], { cwd: dir }).stderr, '');
    assert.equal(run(['baseline', 'prune'], { cwd: dir }).stdout, `${BASELINE}: nothing to prune (${after.entries.length} entries)\n`);
  });
  it('prune drops the entries of a file that was deleted (the usual way its findings go)', () => {
    const dir = fleet();
    run(['baseline', 'write', 'etc/aliases', 'etc/mail/access'], { cwd: dir });
    const before = read(dir);
    const accessEntries = before.entries.filter((e: { file: string }) => e.file === 'etc/mail/access').length;
    assert.ok(accessEntries > 0);
    rmSync(join(dir, 'etc/mail/access'));
    const p = run(['baseline', 'prune'], { cwd: dir });
    assert.equal(p.code, 0, p.stderr);
    assert.deepEqual(read(dir).entries.filter((e: { file: string }) => e.file === 'etc/mail/access'), []);
    assert.equal(read(dir).entries.length, before.entries.length - accessEntries);
  });

  it('counts findings with the same key: one fixed of two is reported, and prune lowers the count', () => {
    const dir = tempDir('mh-baseline-');
    writeFileSync(join(dir, 'aliases'), 'postmaster: root\nMAILER-DAEMON: postmaster\nroot: ops@example.com\ngames: root\ngames: root\n');
    run(['baseline', 'write', '--select', 'MH2004', 'aliases'], { cwd: dir });
    assert.deepEqual(read(dir).entries.map((e) => e.count), [2]);
    assert.match(run(['lint', '--select', 'MH2004', '--fail-on', 'low', 'aliases'], { cwd: dir }).stdout, /^no findings in 1 file, 2 baselined/);
    writeFileSync(join(dir, 'aliases'), 'postmaster: root\nMAILER-DAEMON: postmaster\nroot: ops@example.com\ngames: root\n');
    const r = run(['lint', '--select', 'MH2004', '--fail-on', 'low', 'aliases'], { cwd: dir });
    assert.equal(r.code, 0);
    assert.match(r.stderr, /1 entry matches fewer findings than its count \(fixed\?\)/);
    run(['baseline', 'prune'], { cwd: dir });
    assert.deepEqual(read(dir).entries.map((e) => e.count), [1]);
    // One more than the baseline accepts is a finding again.
    writeFileSync(join(dir, 'aliases'), 'postmaster: root\nMAILER-DAEMON: postmaster\nroot: ops@example.com\ngames: root\ngames: root\n');
    assert.equal(run(['lint', '--select', 'MH2004', '--fail-on', 'low', 'aliases'], { cwd: dir }).code, 1);
  });
  it('keeps reasons on rewrite, shows them, and reports entries whose until= date has passed', () => {
    const dir = fleet();
    run(['baseline', 'write', 'etc'], { cwd: dir });
    const b = read(dir);
    const decode = b.entries.find((e) => e.rule === 'MH2001')!;
    decode.reason = 'the legacy importer needs it; OPS-42';
    const games = b.entries.find((e) => e.rule === 'MH2004')!;
    games.until = '2001-01-01';
    writeFileSync(join(dir, BASELINE), serializeBaseline(b));
    const { code, stderr, out } = lintJson(dir, ['--fail-on', 'low']);
    assert.equal(code, 1, 'the expired entry accepts nothing');
    assert.deepEqual(out.findings.filter((f) => !f.suppressed).map((f) => f.ruleId), ['MH2004']);
    assert.equal(out.findings.find((f) => f.ruleId === 'MH2001')!.suppression!.reason, 'the legacy importer needs it; OPS-42');
    assert.match(stderr, /^mailharden: baseline: 1 entry has expired \(until=\), so 1 finding is reported again: \.mailharden-baseline\.json:\d+\n$/);
    // Writing again keeps what people wrote into the file.
    run(['baseline', 'write', 'etc'], { cwd: dir });
    const again = read(dir);
    assert.equal(again.entries.find((e) => e.rule === 'MH2001')!.reason, 'the legacy importer needs it; OPS-42');
    assert.equal(again.entries.find((e) => e.rule === 'MH2004')!.until, '2001-01-01');
  });
  it('a --root baseline covers the host findings too, and prune lints the same tree', () => {
    const dir = fleet();
    const w = run(['baseline', 'write', '--root', '.'], { cwd: dir });
    assert.equal(w.code, 0, w.stderr);
    const b = read(dir);
    assert.equal(b.root, '.');
    assert.equal(b.paths, undefined);
    assert.ok(b.entries.some((e) => e.rule.startsWith('MH6')), 'host rules ran');
    const l = run(['lint', '--root', '.'], { cwd: dir });
    assert.equal(l.code, 0, l.stdout);
    assert.equal(l.stderr, '');
    // A lint of the files alone cannot match the host entries, so it does not call them fixed.
    assert.equal(run(['lint', '--fail-on', 'none', 'etc'], { cwd: dir }).stderr, '');
    mkdirSync(join(dir, 'elsewhere'));
    assert.match(run(['baseline', 'prune', '-o', `../${BASELINE}`], { cwd: join(dir, 'elsewhere') }).stdout, /nothing to prune/);
  });
  it('a missing or malformed baseline is exit 2 with file:line:col', () => {
    const dir = fleet();
    const missing = run(['lint', '--baseline', 'nope.json', 'etc'], { cwd: dir });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^mailharden: --baseline: nope\.json: no such file/);
    writeFileSync(join(dir, BASELINE), '{\n  "version": 1,\n  "entries": [\n    {"file": "etc/aliases", "rule": "MH2004", "key": "x", "count": 1},\n  ]\n}\n');
    const comma = run(['lint', 'etc'], { cwd: dir });
    assert.equal(comma.code, 2);
    assert.match(comma.stderr, /^mailharden: \.mailharden-baseline\.json:5:3: invalid JSON: expected a value, found "\]"/);
    writeFileSync(join(dir, BASELINE), '{\n  "version": 1,\n  "entries": [\n    {"file": "etc/aliases", "rule": "MH2004", "key": "x", "count": 0, "reasn": "typo"}\n  ]\n}\n');
    const schema = run(['lint', 'etc'], { cwd: dir });
    assert.equal(schema.code, 2);
    assert.match(schema.stderr, /\.mailharden-baseline\.json:4:68: \/entries\/0\/count: must be >= 1/);
    assert.match(schema.stderr, /\.mailharden-baseline\.json:4:\d+: \/entries\/0\/reasn: unknown key "reasn" \(did you mean "reason"\?\)/);
    writeFileSync(join(dir, BASELINE), 'nonsense\n');
    const junk = run(['baseline', 'prune'], { cwd: dir });
    assert.equal(junk.code, 2);
    assert.match(junk.stderr, /^mailharden: \.mailharden-baseline\.json:1:1: invalid JSON/);
    // write refuses to overwrite a broken baseline (its reasons would be lost without a word)…
    assert.equal(run(['baseline', 'write', 'etc'], { cwd: dir }).code, 2);
    // …and --no-baseline lints without it.
    assert.equal(run(['lint', '--no-baseline', '--fail-on', 'none', 'etc'], { cwd: dir }).code, 0);
  });
});

describe('baseline keys', () => {
  it('drop numbers outside quotes (line numbers, counts, times), keep quoted values and digits inside words', () => {
    assert.equal(findingKey({ message: 'this line starts with a blank, so it continues the comment on line 7: sendmail ignores "O LogLevel=9"' }), 'this line starts with a blank, so it continues the comment on line #: sendmail ignores "O LogLevel=9"');
    assert.equal(findingKey({ message: 'RELAY for "Connect:10" lets any client in 10.0.0.0/8 relay: 16,777,216 addresses' }), 'RELAY for "Connect:10" lets any client in #.#.#.#/# relay: #,#,# addresses');
    assert.equal(findingKey({ message: 'cfhead.m4 sets it (2024-05-01 10:00:00 UTC)' }), 'cfhead.m4 sets it (#-#-# #:#:# UTC)');
  });
  it('the JSON check points at the first error', () => {
    assert.equal(jsonSyntaxError('{"a": [1, 2]}\n'), undefined);
    assert.deepEqual(jsonSyntaxError('{"a": 1,}'), { offset: 8, message: 'expected a property name in double quotes, found "}"' });
    assert.deepEqual(jsonSyntaxError('{"a": "b'), { offset: 8, message: 'unterminated string' });
    assert.deepEqual(jsonSyntaxError('{} x'), { offset: 3, message: 'unexpected "x" after the end of the JSON value' });
  });
});
