import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { run, ROOT } from './helpers/cli.js';
import { needs, tempDir } from './helpers/real.js';

const VALIDATOR = join(ROOT, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');

/** Results of Microsoft's SARIF validator on a file, by level. */
function validate(path: string): { level: string; ruleId: string; args: string }[] {
  const out = `${path}.validation.sarif`;
  const r = spawnSync(VALIDATOR, ['validate', path, '-o', out], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(r.status, 0, `validator failed to run: ${r.stdout}${r.stderr}`);
  const log = JSON.parse(readFileSync(out, 'utf8')) as { runs: { results?: { level?: string; ruleId: string; message: { arguments?: string[] } }[] }[] };
  return (log.runs[0]?.results ?? []).map((x) => ({ level: x.level ?? 'warning', ruleId: x.ruleId, args: (x.message.arguments ?? []).join(' | ') }));
}

it('SARIF output passes Microsoft\'s SARIF validator with zero errors and zero warnings', (t) => {
  if (!needs(t, VALIDATOR)) return;
  const dir = tempDir();
  const sarif = join(dir, 'out.sarif');
  const r = run(['lint', '-f', `sarif=${sarif}`, '--fail-on', 'none', 'fixtures/']);
  assert.equal(r.code, 0, r.stderr);
  const log = JSON.parse(readFileSync(sarif, 'utf8'));
  assert.ok(log.runs[0].results.length > 10, 'the fixtures produce findings to validate');
  const problems = validate(sarif);
  assert.deepEqual(problems.filter((p) => p.level === 'error' || p.level === 'warning'), []);
});

it('the validator does reject a broken SARIF file (so the test above can fail)', (t) => {
  if (!needs(t, VALIDATOR)) return;
  const dir = tempDir();
  const bad = join(dir, 'bad.sarif');
  writeFileSync(bad, JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'a' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a' }, region: { startLine: 0 } } }] }] }] }));
  assert.ok(validate(bad).some((p) => p.level === 'error'));
});

it('SARIF has rules with help, levels by severity, repo-relative paths and fingerprints', () => {
  const r = run(['lint', '-f', 'sarif', '--fail-on', 'none', 'fixtures/sendmail-cf/MH1001-privacy-noexpn-missing.cf']);
  const log = JSON.parse(r.stdout);
  const runObj = log.runs[0];
  const rule = runObj.tool.driver.rules.find((x: { id: string }) => x.id === 'MH1001');
  assert.ok(rule.help.text.includes('GEN004660'));
  assert.equal(rule.defaultConfiguration.level, 'note');
  const res = runObj.results.find((x: { ruleId: string }) => x.ruleId === 'MH1001');
  assert.equal(res.ruleId, 'MH1001');
  assert.equal(runObj.tool.driver.rules[res.ruleIndex].id, 'MH1001');
  assert.equal(res.locations[0].physicalLocation.artifactLocation.uri, 'fixtures/sendmail-cf/MH1001-privacy-noexpn-missing.cf');
  assert.deepEqual(res.locations[0].physicalLocation.region, { startLine: 4, startColumn: 18, endLine: 4, endColumn: 37 });
  assert.match(res.partialFingerprints.primaryLocationLineHash, /^[0-9a-f]{16}:1$/);
});

it('SARIF and GitHub paths are relative to the repository, whatever directory the command runs in', () => {
  const dir = tempDir();
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, 'etc', 'mail'), { recursive: true });
  writeFileSync(join(dir, 'etc', 'mail', 'sendmail.cf'), 'V10/Berkeley\nO PrivacyOptions=novrfy\n');
  const sub = join(dir, 'etc');
  const sarif = JSON.parse(run(['lint', '-f', 'sarif', '--select', 'MH1001', 'mail/sendmail.cf'], { cwd: sub }).stdout);
  assert.equal(sarif.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri, 'etc/mail/sendmail.cf');
  const gh = run(['lint', '-f', 'github', '--select', 'MH1001', 'mail/sendmail.cf'], { cwd: sub }).stdout;
  assert.match(gh, /file=etc\/mail\/sendmail\.cf,/);
  assert.match(run(['lint', '-f', 'compact', '--select', 'MH1001', 'mail/sendmail.cf'], { cwd: sub }).stdout, /^mail\/sendmail\.cf:2:/, 'human formats keep the path as given');
});
