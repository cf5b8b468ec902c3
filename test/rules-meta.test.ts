import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, it } from 'node:test';
import { lintText } from '../src/lint/text.js';
import { FILE_KINDS, SEVERITIES, type FileKind } from '../src/core/types.js';
import { rules } from '../rules/index.js';
import { formatMessage } from '../src/core/rule.js';
import { loadFixtures, loadProbeFixtures } from './helpers/fixtures.js';
import { probeFindings } from '../src/probe/findings.js';
import { parseTranscript } from '../src/probe/transcript.js';
import { PROBE_LANGUAGES } from '../src/core/rule-docs.js';
import { docExamples, ruleFiles } from './helpers/rule-files.js';
import { buildTree, loadTreeFixtures, needsAttributes, parseTree } from './helpers/tree-spec.js';
import { needsRoot } from './helpers/real.js';
import { lint } from '../src/lint/request.js';

const files = ruleFiles();
const fixtures = loadFixtures();
const treeFixtures = loadTreeFixtures();
const probeFixtures = loadProbeFixtures();



describe('rule metadata', () => {
  it('ids and slugs are unique and well formed', () => {
    const ids = new Set<string>();
    const slugs = new Set<string>();
    for (const r of rules) {
      assert.match(r.meta.id, /^MH\d{4}$/);
      assert.match(r.meta.slug, /^[a-z0-9]+(-[a-z0-9]+)*$/);
      assert.ok(!ids.has(r.meta.id), `duplicate id ${r.meta.id}`);
      assert.ok(!slugs.has(r.meta.slug), `duplicate slug ${r.meta.slug}`);
      ids.add(r.meta.id);
      slugs.add(r.meta.slug);
    }
  });
  it('every rule file is registered and named after its id and slug', () => {
    const registered = new Map(rules.map((r) => [r.meta.id, r]));
    for (const f of files) {
      const r = registered.get(f.id);
      assert.ok(r, `${f.ts} is not in rules/index.ts`);
      assert.equal(r.meta.slug, f.slug, `${f.ts}: file name slug differs from meta.slug`);
    }
    assert.equal(files.length, rules.length, 'every registered rule has its own file');
  });
  for (const r of rules) {
    const m = r.meta;
    it(`${m.id} ${m.slug}: metadata, doc and fixtures`, () => {
      assert.ok(SEVERITIES.includes(m.severity));
      assert.ok(m.kinds.length > 0 && m.kinds.every((k) => k === 'host' || k === 'probe' || (FILE_KINDS as readonly string[]).includes(k)));
      assert.match(m.description, /^[A-Z].*\.$/, 'description is one sentence ending with a period');
      assert.ok(m.fix.length > 0 && !m.fix.endsWith('.'), 'fix is a phrase without a final period');
      for (const ref of m.references) assert.match(ref, /^[A-Za-z0-9.-]+:\S+$/, `reference "${ref}" is SOURCE:ITEM`);
      for (const msg of Object.values<string>(m.messages)) assert.ok(!/[.]$/.test(msg), `message "${msg}" ends with a period`);
      const f = files.find((x) => x.id === m.id);
      assert.ok(f?.md, `${m.id} has no documentation file beside it`);
      const doc = readFileSync(f.md!, 'utf8');
      for (const heading of ['## Why', '## Incorrect', '## Correct', '## How to fix']) assert.ok(doc.includes(heading), `${f.md} lacks "${heading}"`);
      if (!m.id.startsWith('MH00')) {
        const fixtureHits =
          fixtures.some((x) => [...x.expected.values()].some((ids) => ids.some((e) => e.split(':')[0] === m.id))) ||
          treeFixtures.some((x) => x.expected.some((e) => e.startsWith(`${m.id} `))) ||
          probeFixtures.some((x) => [...x.expected.values()].some((ids) => ids.some((e) => e.split(':')[0] === m.id)));
        assert.ok(fixtureHits, `${m.id} has no fixture that expects it`);
      }
    });
  }
});

describe('rule docs: examples run as tests', () => {
  for (const f of files.filter((x) => x.md)) {
    const examples = docExamples(f.md!);
    it(`${f.id}: has an incorrect and a correct example`, () => {
      assert.ok(examples.some((e) => e.section === 'Incorrect'));
      assert.ok(examples.some((e) => e.section === 'Correct'));
    });
    examples.forEach((e, n) => {
      it(`${f.id}: ${e.section} example ${n + 1} ${e.section === 'Incorrect' ? 'reports' : 'does not report'} the rule`, async (t) => {
        let hits;
        if (e.kind === 'tree') {
          // A system tree (host rules): built in a temporary directory and linted with --root.
          if (!needsRoot(t, 'building trees with other owners needs root')) return;
          const spec = parseTree(`${f.id} example`, e.code);
          if (/\battr=\+i\b/.test(e.code) && !needsAttributes(t, tmpdir())) return;
          const root = buildTree(spec);
          const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false });
          hits = report.findings.filter((x) => x.ruleId === f.id && !x.suppressed);
        } else if ((PROBE_LANGUAGES as readonly string[]).includes(e.kind)) {
          // A probe transcript (probe rules); the fence language is its protocol.
          hits = probeFindings(parseTranscript(e.code, `example.${e.kind}`), rules).filter((x) => x.ruleId === f.id);
        } else {
          assert.ok((FILE_KINDS as readonly string[]).includes(e.kind), `fence language "${e.kind}" is not a file kind, "tree", "smtp", "pop3" or "imap"`);
          hits = lintText(e.code, e.kind as FileKind, rules).filter((x) => x.ruleId === f.id && !x.suppressed);
        }
        if (e.section === 'Incorrect') assert.ok(hits.length > 0, `${f.id} not reported on:\n${e.code}`);
        else assert.deepEqual(hits.map((h) => `${h.line}: ${h.message}`), []);
      });
    });
  }
});

describe('message templates', () => {
  it('an unknown {placeholder} fails under test instead of reaching a message', () => {
    assert.equal(formatMessage('alias "{name}" is {what}', { name: 'root', what: 'fine' }), 'alias "root" is fine');
    assert.throws(() => formatMessage('alias "{name}" is {what}', { name: 'root' }), /placeholder \{what\}/);
  });
});
