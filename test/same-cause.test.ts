import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lint } from '../src/lint/request.js';
import { joinSameCause } from '../src/lint/same-cause.js';
import type { Finding } from '../src/core/types.js';
import { rules } from '../rules/index.js';
import { run, ROOT } from './helpers/cli.js';
import { m4Build, M4, DEBIAN_MC, needs, tempDir } from './helpers/real.js';

const MC = ["divert(0)dnl", "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl", "OSTYPE(`linux')dnl", "MAILER(`local')dnl", "MAILER(`smtp')dnl", ''].join('\n');

/** A directory holding an .mc and the cf real m4 builds from it. */
function pair(mc: string, cfExtra = ''): string {
  const built = m4Build(mc);
  assert.equal(built.status, 0, built.stderr);
  const dir = tempDir();
  writeFileSync(join(dir, 'sendmail.mc'), mc);
  writeFileSync(join(dir, 'sendmail.cf'), built.stdout + cfExtra);
  return dir;
}

const lintDir = (dir: string) => lint({ paths: ['.'], rules, version: 'test', cwd: dir, config: false });

describe('one finding per cause: a .mc and the cf built from it', () => {
  it('a cause both show is reported once, at the .mc line, with the cf line as a related place', async (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const dir = pair(MC);
    const both = (await lintDir(dir)).findings;
    const mcOnly = (await lint({ paths: ['sendmail.mc'], rules, version: 'test', cwd: dir, config: false })).findings;
    const cfOnly = (await lint({ paths: ['sendmail.cf'], rules, version: 'test', cwd: dir, config: false })).findings;
    // The prog mailer is /bin/sh in both, worded differently (MAILER(local) without smrsh / P=/bin/sh): one cause.
    const prog = both.filter((f) => f.ruleId === 'MH1030');
    assert.equal(prog.length, 1);
    assert.equal(prog[0]!.file, 'sendmail.mc');
    assert.equal(prog[0]!.related?.length, 1);
    const rel = prog[0]!.related![0]!;
    assert.equal(rel.file, 'sendmail.cf');
    assert.match(readFileSync(join(dir, 'sendmail.cf'), 'utf8').split('\n')[rel.line - 1]!, /^Mprog,\s+P=\/bin\/sh/);
    for (const id of ['MH1001', 'MH1002', 'MH1010']) assert.equal(both.filter((f) => f.ruleId === id).length, 1, `${id} once`);
    // Nothing is lost: every .mc finding is there, and each cf finding is either there or joined to a .mc finding.
    assert.equal(both.filter((f) => f.file === 'sendmail.mc').length, mcOnly.length);
    const joined = both.reduce((n, f) => n + (f.related?.length ?? 0), 0);
    assert.ok(joined >= 10, `only ${joined} causes joined`);
    assert.equal(both.filter((f) => f.file === 'sendmail.cf').length + joined, cfOnly.length);
  });

  it('what only the cf shows (edited by hand, or not rebuilt) stays in the cf', async (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    // The .mc says noexpn; the cf on disk was built before that line was added.
    const dir = pair(MC);
    writeFileSync(join(dir, 'sendmail.mc'), MC.replace("OSTYPE(`linux')dnl", "OSTYPE(`linux')dnl\ndefine(`confPRIVACY_FLAGS', `noexpn')dnl"));
    const expn = (await lintDir(dir)).findings.filter((f) => f.ruleId === 'MH1001');
    assert.deepEqual(expn.map((f) => [f.file, f.related]), [['sendmail.cf', undefined]]);
  });

  it('a suppressed .mc finding does not hide the cf finding; the worse severity of the two stays', () => {
    const base = { slug: 's', message: 'm', column: 1, endLine: 1, endColumn: 2, fix: 'f', references: [], tags: [], suppressed: false } as const;
    const findings: Finding[] = [
      { ...base, ruleId: 'MH1030', file: 'a/sendmail.mc', line: 9, severity: 'medium', cause: 'MH1030\0/bin/sh' },
      { ...base, ruleId: 'MH1030', file: 'a/sendmail.cf', line: 90, severity: 'high', cause: 'MH1030\0/bin/sh' },
      { ...base, ruleId: 'MH1030', file: 'b/sendmail.cf', line: 90, severity: 'high', cause: 'MH1030\0/bin/sh' },
      { ...base, ruleId: 'MH1001', file: 'a/sendmail.mc', line: 3, severity: 'low', cause: 'MH1001\0flag=noexpn', suppressed: true },
      { ...base, ruleId: 'MH1001', file: 'a/sendmail.cf', line: 1, severity: 'low', cause: 'MH1001\0flag=noexpn' },
    ];
    joinSameCause(findings);
    assert.deepEqual(findings.map((f) => `${f.file}:${f.line} ${f.severity} ${f.suppressed} ${f.related?.map((r) => `${r.file}:${r.line}`) ?? ''}`), ['a/sendmail.mc:9 high false a/sendmail.cf:90', 'b/sendmail.cf:90 high false ', 'a/sendmail.mc:3 low true ', 'a/sendmail.cf:1 low false ']);
  });

  it("the engine's findings are about each file's own text: an unused suppression in both files is two findings", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'sendmail.mc'), "divert(0)dnl\ndnl # mailharden-disable-next-line MH1013 -- reason\nOSTYPE(`linux')dnl\nMAILER(`local')dnl\n");
    writeFileSync(join(dir, 'sendmail.cf'), 'V10/Berkeley\n# mailharden-disable-next-line MH1013 -- reason\nO LogLevel=9\n');
    const unused = (await lintDir(dir)).findings.filter((f) => f.ruleId === 'MH0003');
    assert.deepEqual(unused.map((f) => [f.file, f.related]), [['sendmail.cf', undefined], ['sendmail.mc', undefined]]);
  });

  it('text, JSON and SARIF show the related place; SARIF with it passes Microsoft\'s validator', (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const dir = pair(MC);
    const text = run(['lint', '--no-config', '--fail-on', 'none', dir]).stdout;
    assert.match(text, /\n {4}also: \S*sendmail\.cf:\d+:\d+ \(the same in sendmail\.cf, built from this \.mc\)\n/);
    const json = JSON.parse(run(['lint', '--no-config', '--fail-on', 'none', '-f', 'json', dir]).stdout) as { findings: { ruleId: string; related?: { file: string; line: number }[] }[] };
    assert.ok(json.findings.find((f) => f.ruleId === 'MH1030')?.related?.[0]?.file.endsWith('sendmail.cf'));
    const sarifPath = join(dir, 'out.sarif');
    assert.equal(run(['lint', '--no-config', '--fail-on', 'none', '-f', `sarif=${sarifPath}`, dir]).code, 0);
    const log = JSON.parse(readFileSync(sarifPath, 'utf8'));
    const result = log.runs[0].results.find((r: { ruleId: string }) => r.ruleId === 'MH1030');
    assert.match(result.relatedLocations[0].physicalLocation.artifactLocation.uri, /sendmail\.cf$/);
    const validator = join(ROOT, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');
    if (!needs(t, validator)) return;
    const out = `${sarifPath}.validation.sarif`;
    const v = spawnSync(validator, ['validate', sarifPath, '-o', out], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(v.status, 0, v.stdout + v.stderr);
    const problems = (JSON.parse(readFileSync(out, 'utf8')).runs[0].results ?? []).filter((x: { level?: string }) => (x.level ?? 'warning') !== 'note');
    assert.deepEqual(problems, []);
  });
});
