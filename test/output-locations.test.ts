import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repoRelative } from '../src/cli/output.js';
import type { LintReport } from '../src/core/report.js';
import { formatCompact } from '../src/formatters/compact.js';
import { formatSarif } from '../src/formatters/sarif.js';
import { formatText } from '../src/formatters/text.js';
import { probeFindings, probeRulesOf } from '../src/probe/findings.js';
import { parseTranscript } from '../src/probe/transcript.js';
import { rules } from '../rules/index.js';
import { run, ROOT } from './helpers/cli.js';
import { FIXTURES } from './helpers/fixtures.js';
import { needs, needsRoot, tempDir } from './helpers/real.js';
import { buildTree, parseTree } from './helpers/tree-spec.js';

const VALIDATOR = join(ROOT, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');

/** Errors and warnings of Microsoft's SARIF validator on a SARIF text. */
function sarifProblems(text: string): string[] {
  const path = join(tempDir('mh-sarif-'), 'log.sarif');
  writeFileSync(path, text);
  const r = spawnSync(VALIDATOR, ['validate', path, '-o', `${path}.out`], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `validator failed to run: ${r.stdout}${r.stderr}`);
  const log = JSON.parse(readFileSync(`${path}.out`, 'utf8')) as { runs: { results?: { level?: string; ruleId: string; message: { arguments?: string[] } }[] }[] };
  return (log.runs[0]?.results ?? []).filter((x) => (x.level ?? 'warning') !== 'note').map((x) => `${x.ruleId} ${(x.message.arguments ?? []).join(' | ')}`);
}

/** A host with a sendmail.cf and a queue directory others can read: host findings name paths that are not mail files. */
const HOST = [
  'file /etc/debian_version 0644 root root 12.5\\n',
  'file /etc/mail/sendmail.cf 0644 root root V10/Berkeley\\nO QueueDirectory=/var/spool/mqueue\\n',
  'dir /var/spool/mqueue 0755 root root',
  'dir /var/spool/mqueue-client 0777 nobody nogroup',
].join('\n');

describe('lint --root: what the summary counts and where host findings point (issue 15)', () => {
  it('summary.files counts every distinct path read or named by a finding, so it is never below the paths the findings name', (t) => {
    if (!needsRoot(t, 'building trees with other owners needs root')) return;
    const root = buildTree(parseTree('summary', HOST));
    const r = run(['lint', '--root', root, '--profile', 'debian', '-f', 'json', '--fail-on', 'none', '--no-config']);
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout) as { findings: { file: string }[]; summary: { files: number } };
    const named = new Set(out.findings.map((f) => f.file));
    assert.ok(named.has(`${root}/var/spool/mqueue`) && named.has(`${root}/etc/mail/sendmail.cf`), [...named].join('\n'));
    // The one mail file read is among the paths named, so the count is exactly those paths.
    assert.equal(out.summary.files, named.size);
    const text = run(['lint', '--root', root, '--profile', 'debian', '--fail-on', 'none', '--no-config', '--color', 'never']).stdout;
    assert.match(text, new RegExp(`in ${named.size} files\\n$`));
  });

  it('SARIF gives a finding about a whole directory or file no region, and keeps the region of a finding about a line', (t) => {
    if (!needsRoot(t, 'building trees with other owners needs root')) return;
    if (!needs(t, VALIDATOR)) return;
    const root = buildTree(parseTree('sarif', HOST));
    const r = run(['lint', '--root', root, '--profile', 'debian', '-f', 'sarif', '--fail-on', 'none', '--no-config'], { cwd: root });
    const log = JSON.parse(r.stdout) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: unknown } }[] }[] }[] };
    const results = log.runs[0]!.results;
    const queue = results.filter((x) => x.ruleId === 'MH6001');
    assert.deepEqual(queue.map((x) => x.locations[0]!.physicalLocation.artifactLocation.uri).sort(), ['var/spool/mqueue', 'var/spool/mqueue-client']);
    for (const x of queue) assert.equal(x.locations[0]!.physicalLocation.region, undefined, 'a directory has no lines');
    const cf = results.find((x) => x.ruleId === 'MH1001');
    assert.ok(cf?.locations[0]!.physicalLocation.region, 'a finding on a line of the cf keeps its region');
    // SARIF 2.1.0 §3.29.4: a physicalLocation MAY have a region. The validator's SARIF2017 (a SHOULD:
    // "localize ... with a non-empty region") is the one thing it says, and only about those results.
    const noRegion = results.flatMap((x, i) => (x.locations[0]!.physicalLocation.region ? [] : [`SARIF2017 runs[0].results[${i}].locations[0].physicalLocation`]));
    assert.ok(noRegion.length >= 2);
    assert.deepEqual(sarifProblems(r.stdout), noRegion);
  });
});

describe('probe findings are located at the server, with the transcript line apart from the port (issue 15)', () => {
  const text = readFileSync(join(FIXTURES, 'probe', 'debian-stock.smtp'), 'utf8');
  const doc = parseTranscript(text, 'smtp://127.0.0.1:25', '127.0.0.1:25');
  const report: LintReport = { tool: { name: 'mailharden', version: 'test' }, findings: probeFindings(doc, rules), files: 1, rules: probeRulesOf(rules).map((r) => r.meta) };

  it('text and compact: smtp://host:port (transcript line:col), never smtp://host:port:line:col', () => {
    const compact = formatCompact(report);
    assert.match(compact, /^smtp:\/\/127\.0\.0\.1:25 \(transcript 31:4\): medium: VRFY root was answered 250/m);
    assert.doesNotMatch(compact, /:25:\d/);
    assert.match(formatText(report, { color: false }), /^smtp:\/\/127\.0\.0\.1:25 \(transcript 31:4\): medium VRFY root/m);
  });

  it('SARIF: the server URI as the artifact, the transcript line as the region; valid for Microsoft\'s validator; repository paths leave it alone', (t) => {
    const dir = tempDir('mh-repo-');
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'sub'));
    const sarif = formatSarif(repoRelative(report, join(dir, 'sub')));
    const log = JSON.parse(sarif) as { runs: { results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const vrfy = log.runs[0]!.results.find((x) => x.ruleId === 'MH7003')!;
    assert.equal(vrfy.locations[0]!.physicalLocation.artifactLocation.uri, 'smtp://127.0.0.1:25');
    assert.equal(vrfy.locations[0]!.physicalLocation.region?.startLine, 31);
    if (!needs(t, VALIDATOR)) return;
    assert.deepEqual(sarifProblems(sarif), []);
  });
});

describe("README's JSON example is what the program prints (issue 15)", () => {
  it('equals a real run of the CLI over examples/ from another directory: absolute paths, the same shape and summary', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const block = /<!-- json-example:start -->\n```json\n([\s\S]*?)```\n<!-- json-example:end -->/.exec(readme);
    assert.ok(block, 'README has the generated JSON example');
    const shown = JSON.parse(block[1]!) as { findings: { file: string }[] };
    const tree = join(ROOT, 'examples');
    const r = run(['lint', '--root', tree, '--profile', 'debian', '--select', 'MH1001', '--no-config', '-f', 'json', '--fail-on', 'none'], { cwd: tempDir('mh-cwd-') });
    assert.equal(r.code, 0, r.stderr);
    const real = JSON.parse(r.stdout) as { findings: { file: string; related?: { file: string }[] }[] };
    const places = real.findings.flatMap((f) => [f, ...(f.related ?? [])]);
    for (const p of places) assert.ok(p.file.startsWith(`${tree}/`), `absolute: ${p.file}`);
    // The tree's directory is where / would be on the system.
    for (const p of places) p.file = p.file.slice(tree.length);
    assert.deepEqual(shown, real);
    for (const f of shown.findings) assert.match(f.file, /^\/etc\//);
  });
});
