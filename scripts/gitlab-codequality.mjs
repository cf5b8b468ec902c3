#!/usr/bin/env node
// Turns `mailharden lint -f json` output into a GitLab Code Quality report (the subset of the Code
// Climate issue format GitLab reads: description, check_name, fingerprint, severity, location.path,
// location.lines.begin). Used by examples/ci/gitlab-ci.yml; shipped in the npm package.
//
//   mailharden lint -f json=mailharden.json hosts/
//   node scripts/gitlab-codequality.mjs mailharden.json > gl-code-quality-report.json
//   (or: mailharden lint -f json hosts/ | node scripts/gitlab-codequality.mjs > gl-code-quality-report.json)
//
// Suppressed findings are left out. The fingerprint hashes the rule, the file, the message and the
// finding's rank among identical ones, not the line number, so that GitLab's merge request widget does
// not report a finding as fixed and new again when lines above it move. Exit 0 whatever the findings
// (the lint step is the gate), 2 when the input is not mailharden's JSON.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** mailharden severity → GitLab severity (info, minor, major, critical, blocker), in the same order. */
export const SEVERITY = { info: 'info', low: 'minor', medium: 'major', high: 'critical', critical: 'blocker' };

/** The GitLab Code Quality issues for a parsed `mailharden lint -f json` report. */
export function toCodeQuality(report, cwd = process.cwd()) {
  if (!report || typeof report !== 'object' || !Array.isArray(report.findings)) throw new Error('expected the output of `mailharden lint -f json` (an object with "findings")');
  const seen = new Map();
  const issues = [];
  for (const f of report.findings) {
    if (f.suppressed) continue;
    const path = repoPath(String(f.file), cwd);
    const key = [f.ruleId, path, f.message].join('\0');
    const rank = seen.get(key) ?? 0;
    seen.set(key, rank + 1);
    const body = [f.fix ? `Fix: ${f.fix}` : '', f.references?.length ? `References: ${f.references.join(', ')}` : ''].filter(Boolean).join('\n\n');
    issues.push({
      type: 'issue',
      engine_name: 'mailharden',
      check_name: `${f.ruleId}/${f.slug}`,
      description: `${f.message} [${f.ruleId}]`,
      ...(body ? { content: { body } } : {}),
      categories: ['Security'],
      severity: SEVERITY[f.severity] ?? 'info',
      fingerprint: createHash('md5').update(`${key}\0${rank}`).digest('hex'),
      location: { path, lines: { begin: Math.max(1, Number(f.line) || 1), end: Math.max(1, Number(f.endLine ?? f.line) || 1) } },
    });
  }
  return issues;
}

/** A path relative to the working directory (the project directory in a GitLab job), with forward slashes. */
function repoPath(file, cwd) {
  let p = file;
  if (isAbsolute(p)) {
    const rel = relative(cwd, p);
    if (!rel.startsWith('..') && !isAbsolute(rel)) p = rel;
  }
  return p.split(sep).join('/').replace(/^(\.\/)+/, '');
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) {
  const args = process.argv.slice(2);
  if (args.length > 1 || args[0] === '-h' || args[0] === '--help') {
    process.stderr.write('usage: gitlab-codequality.mjs [MAILHARDEN_JSON]   (default: standard input); writes the GitLab Code Quality report to standard output\n');
    process.exit(args[0] === '-h' || args[0] === '--help' ? 0 : 2);
  }
  const source = args[0] && args[0] !== '-' ? args[0] : 'standard input';
  let issues;
  try {
    const text = readFileSync(args[0] && args[0] !== '-' ? args[0] : 0, 'utf8');
    issues = toCodeQuality(JSON.parse(text));
  } catch (e) {
    process.stderr.write(`gitlab-codequality: ${source}: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(issues, null, 2)}\n`);
}
