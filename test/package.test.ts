/**
 * mailharden as users get it into CI (issue #7): the npm package (packed, installed into an empty
 * prefix with runtime dependencies only, run), the pre-commit hook (.pre-commit-hooks.yaml), the GitHub
 * Action (action.yml through scripts/action-local.sh) and the GitLab example (examples/ci/gitlab-ci.yml
 * with lint -f codeclimate), all on the sample config repository fixtures/ci-repo.
 *
 * The package install needs the npm registry (for ajv, yaml, …): without it the install test fails in
 * CI (CI=true) and is skipped elsewhere, like the tests that need the real programs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it, type TestContext } from 'node:test';
import { parse } from 'yaml';
import { isIgnoredName, kindFromName } from '../src/core/detect.js';
import { QMAIL_CONTROL_NAMES } from '../src/parsers/qmail-control.js';
import { CLI, ROOT, run } from './helpers/cli.js';

const FIXTURE = join(ROOT, 'fixtures', 'ci-repo');
const ACTION_SCRIPT = join(ROOT, 'scripts', 'action-local.sh');
const inCI = process.env.CI === 'true';
const temps: string[] = [];

after(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function temp(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}

/** A fresh copy of the sample config repository (tests write SARIF files and apply policies there). */
function repoCopy(): string {
  const d = temp('mh-ci-repo-');
  cpSync(FIXTURE, d, { recursive: true });
  return d;
}

/**
 * The environment of a user's shell or CI job: none of the npm_* variables `npm test` sets (they would
 * point child npm commands at this repository), no GitHub runner variables, no colour.
 */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^npm_(?!config_(cache|userconfig|cafile|registry)$)/i.test(k) || k === 'INIT_CWD' || /^(GITHUB_|RUNNER_|INPUT_)/.test(k) || k === 'FORCE_COLOR' || k === 'MAILHARDEN') delete env[k];
  }
  env.NO_COLOR = '1';
  return { ...env, ...extra };
}

interface Ran {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function exec(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {}): Ran {
  const start = performance.now();
  const r = spawnSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env ?? cleanEnv(), input: opts.input ?? '', encoding: 'utf8', timeout: opts.timeout ?? 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: Math.round(performance.now() - start) };
}

/** Every file of a directory tree, as paths relative to it with forward slashes, sorted. */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .map((p) => p.split('\\').join('/'))
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

/** Applies each host's policy for real (contents only, no real programs), so the drift gates pass. */
function applyPolicies(repo: string): void {
  for (const host of ['mx1', 'mx2']) {
    const own = join(repo, 'hosts', host, 'policy.yaml');
    const policy = existsSync(own) ? own : join(repo, 'policy.yaml');
    const r = run(['apply', policy, '--root', join(repo, 'hosts', host), '--files-only', '--no-validate', '--no-post-commands', '--no-backup'], { cwd: repo });
    assert.equal(r.code, 0, `apply ${host}: ${r.stderr}`);
  }
}

/** The KEY=VALUE lines of a GITHUB_OUTPUT file. */
function outputs(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
describe('pre-commit hook (.pre-commit-hooks.yaml)', () => {
  const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
  const hook = hooks.find((h) => h.id === 'mailharden')!;
  const pattern = String(hook?.files);
  const files = new RegExp(pattern);

  it('declares a node hook that runs `mailharden lint` on the files passed to it', () => {
    assert.ok(hook, 'a hook with id mailharden');
    assert.equal(hook.language, 'node');
    assert.equal(hook.entry, 'mailharden lint --skip-unknown');
    assert.equal(hook.pass_filenames, true);
    assert.deepEqual(hook.types, ['text']);
    // Python's re and JavaScript must read the pattern alike: no (?…) groups, escapes other than \. ,
    // classes other than [^./] and [^/], or anything else that differs between them.
    assert.doesNotMatch(pattern, /\(\?|\\[^.]|\[(?!\^\.\/\]|\^\/\])/, 'only syntax Python and JavaScript share');
  });

  it('matches the mail files that have no extension, and nothing else', () => {
    const yes = [
      'etc/mail/sendmail.cf', 'etc/mail/sendmail.mc', 'etc/mail/submit.cf', 'etc/mail/submit.mc', 'sendmail.cf', 'hosts/a/etc/mail/sendmail.mc',
      'hosts/b/etc/mail/mx1.example.com.mc', 'etc/mail/freebsd.submit.mc', 'etc/aliases', 'etc/mail/aliases', 'aliases', 'etc/mail/access', 'access',
      'etc/tcp.smtp', 'hosts/mx2/etc/tcp.smtp', 'etc/tcp.pop3', 'var/qmail/control/rcpthosts', 'control/me', 'hosts/mx2/var/qmail/control/smtpgreeting',
      'etc/mail/mailertable', 'etc/mail/virtusertable', 'etc/mail/relay-domains', 'etc/mail/local-host-names', 'hosts/mx1/etc/mail/mailertable',
    ];
    const no = [
      'README.md', 'package.json', 'src/x.ts', 'aliases.db', 'etc/aliases.db', 'etc/mail/access.db', 'etc/tcp.smtp.cdb', 'tcp.smtp.cdb', 'etc/tcp.smtp.tmp',
      'etc/mail/sendmail.cf.bak', 'etc/mail/sendmail.cf~', 'etc/mail/spamassassin/local.cf', 'policy.yaml', '.mailharden.yaml', 'docs/aliases.md',
      'var/qmail/control/README', 'var/qmail/control/morercpthosts.cdb', 'var/qmail/control/rcpthosts.bak', 'etc/mail/aliasesX', 'Xaliases',
    ];
    for (const p of yes) assert.ok(files.test(p), `files: should match ${p}`);
    for (const p of no) assert.ok(!files.test(p), `files: should not match ${p}`);
    for (const name of QMAIL_CONTROL_NAMES) assert.ok(files.test(`var/qmail/control/${name}`), `files: should match control/${name}`);
  });

  /** Map and class files lint has no rules for yet: matched, and skipped by --skip-unknown. */
  const SKIPPED = new Set(['mailertable', 'virtusertable', 'relay-domains', 'local-host-names']);

  it('matches only files `mailharden lint` recognises by name, and the map files it skips', () => {
    const candidates = [
      ...['sendmail', 'submit', 'host', 'freebsd.submit'].flatMap((b) => [`etc/mail/${b}.cf`, `etc/mail/${b}.mc`, `${b}.cf`]),
      ...['aliases', 'access', 'mailertable', 'virtusertable', 'relay-domains', 'local-host-names', 'genericstable', 'domaintable', 'trusted-users', 'helpfile'].flatMap((n) => [`etc/mail/${n}`, `etc/${n}`, `${n}.db`]),
      ...['tcp.smtp', 'tcp.pop3', 'tcp.smtp.cdb', 'tcp.smtp.tmp'].map((n) => `etc/${n}`),
      ...[...QMAIL_CONTROL_NAMES, 'README', 'notes', 'rcpthosts.cdb', 'morercpthosts.cdb'].map((n) => `var/qmail/control/${n}`),
    ];
    for (const p of candidates) {
      if (files.test(p) && !SKIPPED.has(p.split('/').pop()!)) assert.ok(kindFromName(p) !== undefined && !isIgnoredName(p), `files: matches ${p}, which mailharden lint cannot type by its name`);
    }
  });

  it('passes mailertable, virtusertable, relay-domains and local-host-names, which the entry skips with a note', () => {
    const repo = repoCopy();
    const dir = join(repo, 'hosts', 'mx1', 'etc', 'mail');
    writeFileSync(join(dir, 'virtusertable'), '@example.com\tops\n');
    writeFileSync(join(dir, 'relay-domains'), 'example.com\n');
    writeFileSync(join(dir, 'local-host-names'), 'mx1.example.com\n');
    const names = [...SKIPPED].map((n) => `hosts/mx1/etc/mail/${n}`);
    for (const p of names) assert.ok(files.test(p), p);
    const [, ...entryArgs] = String(hook.entry).split(' ');
    const r = run([...entryArgs, ...names, 'hosts/mx1/etc/mail/access'], { cwd: repo });
    assert.equal(r.code, run(['lint', 'hosts/mx1/etc/mail/access'], { cwd: repo }).code, 'the exit code is the linted file\'s');
    assert.match(r.stderr, new RegExp(`^mailharden: skipped, no kind mailharden reads: ${names.join(', ')}$`, 'm'));
    // Without the flag, a file of no kind is still an error (exit 2) for anyone who names it.
    assert.equal(run(['lint', names[0]!], { cwd: repo }).code, 2);
  });

  it('runs its entry on the matching files of a config repository, as pre-commit does', (t) => {
    const repo = repoCopy();
    const staged = filesUnder(repo).filter((p) => files.test(p));
    assert.deepEqual(staged, [
      'hosts/mx1/etc/aliases', 'hosts/mx1/etc/mail/access', 'hosts/mx1/etc/mail/mailertable', 'hosts/mx1/etc/mail/sendmail.cf',
      'hosts/mx2/etc/tcp.smtp', 'hosts/mx2/var/qmail/control/me', 'hosts/mx2/var/qmail/control/rcpthosts',
    ]);
    // pre-commit runs `entry args... files...` in the repository's top directory; `mailharden` is the installed bin.
    const [bin, ...entryArgs] = String(hook.entry).split(' ');
    assert.equal(bin, 'mailharden');
    const r = run([...entryArgs, ...staged], { cwd: repo });
    t.diagnostic(`hook on ${staged.length} files: exit ${r.code}`);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, 'mailharden: skipped, no kind mailharden reads: hosts/mx1/etc/mail/mailertable\n');
    assert.match(r.stdout, /hosts\/mx1\/etc\/mail\/sendmail\.cf:13:11/);
    assert.match(r.stdout, /MH1030\/prog-mailer-shell/);
    assert.match(r.stdout, /hosts\/mx2\/etc\/tcp\.smtp:3:1/);
    // args: [--fail-on, critical] in .pre-commit-config.yaml go between the entry and the files.
    assert.equal(run([...entryArgs, '--fail-on', 'critical', ...staged], { cwd: repo }).code, 0);
    // A commit that only touches clean files passes.
    const clean = staged.filter((p) => p.includes('/control/'));
    const c = run([...entryArgs, ...clean], { cwd: repo });
    assert.equal(c.code, 0, c.stdout + c.stderr);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('GitHub Action (action.yml, scripts/action-local.sh)', () => {
  const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
    inputs: Record<string, { default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: { id: string; run: string; shell: string; env?: Record<string, string> }[] };
  };
  const script = readFileSync(ACTION_SCRIPT, 'utf8');

  it('is a composite action whose steps run scripts/action-local.sh with every input', () => {
    assert.equal(action.runs.using, 'composite');
    assert.deepEqual(Object.keys(action.inputs).sort(), ['fail-on', 'paths', 'policy', 'root', 'sarif-file', 'version']);
    assert.equal(action.inputs.paths?.default, '.');
    assert.equal(action.inputs['fail-on']?.default, 'medium');
    assert.equal(action.inputs['sarif-file']?.default, 'mailharden.sarif');
    const steps = action.runs.steps;
    assert.deepEqual(steps.map((s) => s.id), ['install', 'check']);
    for (const s of steps) {
      assert.equal(s.shell, 'bash');
      assert.equal(s.run, `bash "$GITHUB_ACTION_PATH/scripts/action-local.sh" ${s.id}`);
    }
    const passed = Object.assign({}, ...steps.map((s) => s.env ?? {})) as Record<string, string>;
    for (const name of Object.keys(action.inputs)) {
      const env = `INPUT_${name.toUpperCase().replace(/-/g, '_')}`;
      assert.equal(passed[env], `\${{ inputs.${name} }}`, `input ${name} reaches the script as ${env}`);
      assert.ok(script.includes(`\${${env}:-`), `action-local.sh reads ${env}`);
    }
    assert.equal(steps[1]?.env?.MAILHARDEN, '${{ steps.install.outputs.bin }}');
    for (const [name, o] of Object.entries(action.outputs)) {
      const m = /^\$\{\{ steps\.(install|check)\.outputs\.([\w-]+) \}\}$/.exec(o.value);
      assert.ok(m, `output ${name}`);
      assert.ok(script.includes(`output ${m[2]} `), `action-local.sh writes ${m[2]}`);
    }
  });

  function runAction(repo: string, args: string[], mailharden = `${process.execPath} ${CLI}`): Ran & { summary: string; outputs: Record<string, string> } {
    const gh = temp('mh-gh-');
    const summaryFile = join(gh, 'summary.md');
    const outputFile = join(gh, 'output');
    const r = exec('bash', [ACTION_SCRIPT, ...args], {
      cwd: repo,
      env: cleanEnv({ MAILHARDEN: mailharden, GITHUB_STEP_SUMMARY: summaryFile, GITHUB_OUTPUT: outputFile, GITHUB_PATH: join(gh, 'path') }),
    });
    return { ...r, summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '', outputs: existsSync(outputFile) ? outputs(outputFile) : {} };
  }

  it('lints with annotations, a step summary and SARIF, checks drift per host, and fails at --fail-on', (t) => {
    const repo = repoCopy();
    const r = runAction(repo, ['--paths', 'hosts', '--policy', 'policy.yaml', '--root', 'hosts/*', 'check']);
    t.diagnostic(`action-local.sh check: exit ${r.code} in ${r.ms} ms`);
    assert.equal(r.code, 1, r.stderr);
    // Annotations, with paths relative to the repository.
    assert.match(r.stdout, /^::error file=hosts\/mx1\/etc\/mail\/sendmail\.cf,line=13,col=11,.*MH1030/m);
    assert.match(r.stdout, /^::warning file=hosts\/mx2\/etc\/tcp\.smtp,line=3,/m);
    assert.match(r.stdout, /^::error file=hosts\/mx2\/etc\/tcp\.smtp,title=mailharden drift%3A hosts\/mx2::.*does not match hosts\/mx2\/policy\.yaml/m);
    // SARIF for code scanning.
    const sarif = JSON.parse(readFileSync(join(repo, 'mailharden.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    const results = sarif.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[];
    assert.ok(results.length >= 10, `${results.length} results`);
    assert.ok(results.some((x) => x.ruleId === 'MH1030' && x.locations[0]?.physicalLocation.artifactLocation.uri === 'hosts/mx1/etc/mail/sendmail.cf'));
    // The step summary: lint's table (written by -f github) and the drift table with the diffs.
    assert.match(r.summary, /^## mailharden lint$/m);
    assert.match(r.summary, /\| high \| MH1030 prog-mailer-shell \| `hosts\/mx1\/etc\/mail\/sendmail\.cf:13` \|/);
    assert.match(r.summary, /^## mailharden drift$/m);
    assert.match(r.summary, /^\| `hosts\/mx1` \| `policy\.yaml` \| \*\*changes pending\*\*: Plan: 1 to create, 3 to change/m);
    assert.match(r.summary, /^\| `hosts\/mx2` \| `hosts\/mx2\/policy\.yaml` \| \*\*changes pending\*\*/m);
    assert.match(r.summary, /^\+O SmtpGreetingMessage=\$j$/m);
    assert.deepEqual(r.outputs, { 'lint-exit-code': '1', 'sarif-file': 'mailharden.sarif', 'drift-exit-code': '1', 'drift-pending': 'hosts/mx1 hosts/mx2', 'exit-code': '1' });
  });

  it('passes once the hosts match their policies and nothing reaches --fail-on', () => {
    const repo = repoCopy();
    applyPolicies(repo);
    const r = runAction(repo, ['--paths', 'hosts/', '--policy', 'policy.yaml', '--root', 'hosts/mx1 hosts/mx2', '--fail-on', 'high', '--sarif-file', 'out/mh.sarif', 'check']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(JSON.parse(readFileSync(join(repo, 'out', 'mh.sarif'), 'utf8')).runs[0].results.length > 0, 'findings below --fail-on are still reported');
    assert.match(r.summary, /^\| `hosts\/mx1` \| `policy\.yaml` \| matches the policy \|$/m);
    assert.deepEqual(r.outputs, { 'lint-exit-code': '0', 'sarif-file': 'out/mh.sarif', 'drift-exit-code': '0', 'drift-pending': '', 'exit-code': '0' });
    // Without a policy there is no drift check; lint alone decides.
    const l = runAction(repo, ['--paths', 'hosts', '--fail-on', 'critical', 'check']);
    assert.equal(l.code, 0);
    assert.doesNotMatch(l.summary, /mailharden drift/);
    assert.equal(l.outputs['drift-exit-code'], undefined);
  });

  it('passes usage errors on as exit 2, with an annotation and no SARIF', () => {
    const repo = repoCopy();
    const r = runAction(repo, ['--paths', 'hosts', '--fail-on', 'severe', 'check']);
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^::error title=mailharden lint::mailharden lint stopped with exit code 2/m);
    assert.equal(existsSync(join(repo, 'mailharden.sarif')), false);
    assert.equal(r.outputs['sarif-file'], undefined);
    const m = runAction(repo, ['--paths', 'hosts', '--policy', 'policy.yaml', '--root', 'hosts/mx9', 'check']);
    assert.equal(m.code, 2);
    assert.match(m.summary, /^\| `hosts\/mx9` \| `policy\.yaml` \| error \(exit 2\): mailharden: hosts\/mx9: no such directory \|$/m);
  });

  it('prints the drift diffs and stderr with workflow commands off: no config line becomes a runner command', () => {
    const repo = repoCopy();
    // Lines the runner would read as commands (it strips leading blanks; .NET also ends a line at a CR),
    // as context of the hunk that strips decode, and a run of backticks that could close the summary's fence.
    writeFileSync(
      join(repo, 'hosts', 'mx1', 'etc', 'aliases'),
      '# /etc/aliases of mx1\npostmaster: root\n\t::add-mask::postmaster\n  ::error file=policy.yaml::injected\nroot: ops@example.com\ndecode: "|/usr/bin/uudecode"\ngames: root\n# ````` a fence\n\r::warning::injected\n::endgroup::\n',
    );
    const input = filesUnder(repo).map((p) => readFileSync(join(repo, p), 'utf8')).join('\n');
    /** The lines of the log as the runner reads them; every :: line outside a block must be one the script meant. */
    const check = (stdout: string): { tokens: string[]; quoted: string[] } => {
      const tokens: string[] = [];
      const quoted: string[] = [];
      let token: string | undefined;
      for (const line of stdout.split(/\r\n|\r|\n/)) {
        const t = line.trimStart();
        if (token !== undefined) {
          if (t === `::${token}::`) token = undefined;
          else quoted.push(line);
          continue;
        }
        if (!t.startsWith('::')) continue;
        const stop = /^::stop-commands::(.*)$/.exec(t);
        if (stop) {
          token = stop[1]!;
          assert.match(token, /^mailharden-[0-9a-f]{32}$/, line);
          assert.ok(!input.includes(token), `token ${token} is in the input`);
          tokens.push(token);
          continue;
        }
        // The script's own annotations and lint's: `::level props::message`, every property escaped.
        assert.match(line, /^::(error|warning|notice) (file=[^,:]+,)?(line=\d+,col=\d+,endLine=\d+,endColumn=\d+,)?title=[^,:]+::[^\r\n]*$/, `a runner command outside a stop-commands block: ${JSON.stringify(line)}`);
      }
      assert.equal(token, undefined, 'every stop-commands block is closed');
      return { tokens, quoted };
    };
    const r = runAction(repo, ['--paths', 'hosts', '--policy', 'policy.yaml', '--root', 'hosts/*', 'check']);
    assert.equal(r.code, 1, r.stderr);
    const first = check(r.stdout);
    // One block per root, and the hostile lines were in them.
    assert.equal(first.tokens.length, 2);
    assert.ok(first.quoted.includes(' \t::add-mask::postmaster'), first.quoted.join('\n'));
    assert.ok(first.quoted.includes('   ::error file=policy.yaml::injected'));
    assert.ok(first.quoted.includes(' ::endgroup::'));
    assert.ok(first.quoted.includes(' \\r::warning::injected'), 'the CR reaches the log escaped');
    // A fresh token on every run.
    const again = check(runAction(repo, ['--paths', 'hosts', '--policy', 'policy.yaml', '--root', 'hosts/*', 'check']).stdout);
    assert.equal(new Set([...first.tokens, ...again.tokens]).size, 4);
    // The summary's fence is longer than the backticks in the diff it holds.
    assert.match(r.summary, /^``````diff\n[^]*^ # ````` a fence\n[^]*?^``````\n<\/details>$/m);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('GitLab CI (examples/ci/gitlab-ci.yml, lint -f codeclimate)', () => {
  const SEVERITIES = ['info', 'minor', 'major', 'critical', 'blocker'];

  interface Issue {
    description: string;
    check_name: string;
    fingerprint: string;
    severity: string;
    location: { path: string; lines: { begin: number } };
  }

  function validate(issues: Issue[], repo: string): void {
    assert.ok(Array.isArray(issues));
    for (const i of issues) {
      assert.equal(typeof i.description, 'string');
      assert.ok(i.description.length > 0);
      assert.match(i.check_name, /^MH\d{4}\/[a-z0-9-]+$/);
      assert.match(i.fingerprint, /^[0-9a-f]{32}$/);
      assert.ok(SEVERITIES.includes(i.severity), i.severity);
      assert.ok(existsSync(join(repo, i.location.path)), `location.path ${i.location.path} is relative to the project directory`);
      assert.ok(Number.isInteger(i.location.lines.begin) && i.location.lines.begin >= 1);
    }
    assert.equal(new Set(issues.map((i) => i.fingerprint)).size, issues.length, 'fingerprints are unique');
  }

  it('-f codeclimate writes a Code Quality report GitLab accepts, the same findings as -f json', () => {
    const repo = repoCopy();
    // One suppressed finding: it stays out of the report.
    const aliases = join(repo, 'hosts', 'mx1', 'etc', 'aliases');
    writeFileSync(aliases, readFileSync(aliases, 'utf8').replace('decode:', '# mailharden-disable-next-line MH2001 -- ticket OPS-1\ndecode:'));
    const lint = run(['lint', '-f', 'json', '-f', 'codeclimate=cq.json', '--fail-on', 'none', 'hosts'], { cwd: repo });
    assert.equal(lint.code, 0, lint.stderr);
    const report = JSON.parse(lint.stdout) as { findings: { ruleId: string; severity: string; suppressed: boolean; file: string; line: number }[] };
    assert.ok(report.findings.some((f) => f.suppressed));
    const open = report.findings.filter((f) => !f.suppressed);
    const issues = JSON.parse(readFileSync(join(repo, 'cq.json'), 'utf8')) as Issue[];
    // Run from a directory below the project's: the paths stay relative to the project (the repository).
    mkdirSync(join(repo, '.git'));
    const below = JSON.parse(run(['lint', '-f', 'codeclimate', '--fail-on', 'none', '.'], { cwd: join(repo, 'hosts') }).stdout) as Issue[];
    assert.deepEqual(below, issues);
    validate(issues, repo);
    assert.equal(issues.length, open.length);
    const map: Record<string, string> = { info: 'info', low: 'minor', medium: 'major', high: 'critical', critical: 'blocker' };
    open.forEach((f, k) => {
      assert.equal(issues[k]?.severity, map[f.severity]);
      assert.equal(issues[k]?.location.path, f.file);
      assert.equal(issues[k]?.location.lines.begin, f.line);
      assert.ok(issues[k]?.check_name.startsWith(`${f.ruleId}/`));
    });
    assert.ok(!issues.some((i) => i.check_name.startsWith('MH2001/')), 'the suppressed finding is left out');

    // Fingerprints do not depend on line numbers: a comment added at the top moves every line.
    const cf = join(repo, 'hosts', 'mx1', 'etc', 'mail', 'sendmail.cf');
    writeFileSync(cf, `# reviewed\n${readFileSync(cf, 'utf8')}`);
    const moved = JSON.parse(run(['lint', '-f', 'codeclimate', '--fail-on', 'none', 'hosts'], { cwd: repo }).stdout) as Issue[];
    assert.deepEqual(moved.map((i) => i.fingerprint).sort(), issues.map((i) => i.fingerprint).sort());
    assert.notDeepEqual(moved.map((i) => i.location.lines.begin), issues.map((i) => i.location.lines.begin));
  });

  it('runs the example jobs: the lint job writes the report and fails on findings, the drift job fails on pending changes', (t) => {
    const ci = parse(readFileSync(join(ROOT, 'examples', 'ci', 'gitlab-ci.yml'), 'utf8')) as Record<string, { script?: string[]; artifacts?: { reports?: { codequality?: string; junit?: string } } }>;
    assert.equal(ci['mailharden-lint']?.artifacts?.reports?.codequality, 'gl-code-quality-report.json');
    assert.equal(ci['mailharden-lint']?.artifacts?.reports?.junit, 'mailharden-junit.xml');
    // A global npm prefix as `npm install --global mailharden` leaves it (bin/mailharden and
    // lib/node_modules/mailharden), here pointing at this checkout and its bundle.
    const prefix = temp('mh-npm-global-');
    mkdirSync(join(prefix, 'bin'));
    mkdirSync(join(prefix, 'lib', 'node_modules'), { recursive: true });
    symlinkSync(ROOT, join(prefix, 'lib', 'node_modules', 'mailharden'));
    writeFileSync(join(prefix, 'bin', 'mailharden'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
    chmodSync(join(prefix, 'bin', 'mailharden'), 0o755);
    const env = cleanEnv({ PATH: `${join(prefix, 'bin')}:${process.env.PATH}`, npm_config_prefix: prefix });
    // GitLab runs a job's script lines in one bash with errexit, like this.
    const job = (name: string, repo: string): Ran => exec('bash', ['-e', '-o', 'pipefail', '-c', ci[name]!.script!.join('\n')], { cwd: repo, env });

    const repo = repoCopy();
    const lint = job('mailharden-lint', repo);
    t.diagnostic(`gitlab lint job: exit ${lint.code} in ${lint.ms} ms`);
    assert.equal(lint.code, 1, lint.stderr);
    assert.match(lint.stdout, /MH1030/);
    const issues = JSON.parse(readFileSync(join(repo, 'gl-code-quality-report.json'), 'utf8')) as Issue[];
    validate(issues, repo);
    assert.ok(issues.some((i) => i.severity === 'critical' && i.check_name === 'MH1030/prog-mailer-shell' && i.location.path === 'hosts/mx1/etc/mail/sendmail.cf'));
    assert.ok(existsSync(join(repo, 'mailharden.sarif')));
    assert.match(readFileSync(join(repo, 'mailharden-junit.xml'), 'utf8'), /<testcase name="MH1030 prog-mailer-shell \(line \d+, column \d+\)" classname="mailharden\.MH1030" file="hosts\/mx1\/etc\/mail\/sendmail\.cf">\n +<failure /);
    const drift = job('mailharden-drift', repo);
    assert.equal(drift.code, 1, drift.stderr);
    assert.match(drift.stdout, /== mailharden apply hosts\/mx2\/policy\.yaml --root hosts\/mx2 /);

    applyPolicies(repo);
    assert.equal(job('mailharden-drift', repo).code, 0);
  });
});

// ---------------------------------------------------------------------------------------------------
describe('npm package: packed, installed into an empty prefix without dev dependencies, run', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };
  const timings: string[] = [];
  let packed: { filename: string; size: number; unpackedSize: number; entryCount: number; files: { path: string }[] } | undefined;
  let tarball = '';
  let prefix = '';
  let bin = '';
  let installed = false;

  before(() => {
    const dest = temp('mh-pack-');
    // --ignore-scripts: the prepack build already ran (npm test builds first), and rebuilding dist/
    // now would change it under the tests running beside this one.
    const r = exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dest]);
    assert.equal(r.code, 0, r.stderr);
    packed = (JSON.parse(r.stdout) as NonNullable<typeof packed>[])[0]!;
    tarball = join(dest, packed.filename);
    timings.push(`npm pack ${r.ms} ms`);
  });

  after(() => {
    if (timings.length) console.log(`# package test timings: ${timings.join(', ')}`);
  });

  it('ships the CLI bundle, the library, templates, rule docs and schemas, and no tests, fixtures or sources', (t) => {
    const files = new Set(packed!.files.map((f) => f.path));
    t.diagnostic(`${packed!.filename}: ${packed!.size} bytes packed, ${packed!.unpackedSize} unpacked, ${packed!.entryCount} files`);
    const need = [
      'package.json', 'README.md', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/rules/index.js',
      // The bin and what the build writes beside it (the bundle, its code cache).
      ...readdirSync(join(ROOT, 'dist')).filter((n) => n.startsWith('mailharden.')).map((n) => `dist/${n}`),
      'schemas/policy.json', 'schemas/config.json',
      ...readdirSync(join(ROOT, 'templates')).map((n) => `templates/${n}`),
      ...readdirSync(join(ROOT, 'docs', 'rules')).map((n) => `docs/rules/${n}`),
    ];
    for (const f of need) assert.ok(files.has(f), `the tarball has ${f}`);
    for (const f of files) {
      assert.doesNotMatch(f, /^(dist\/(test|bench|scripts|bundle)\/|src\/|test\/|rules\/|fixtures\/|examples\/|bench\/|node_modules\/|\.ci\/|\.bench\/)/, `the tarball leaves out ${f}`);
      assert.ok(!f.endsWith('.ts') || f.endsWith('.d.ts'), `no TypeScript sources: ${f}`);
    }
    assert.ok(packed!.size < 2 * 1024 * 1024, `${packed!.size} bytes`);
  });

  it('installs with runtime dependencies only', (t) => {
    prefix = temp('mh-prefix-');
    // Is the registry there? Asked once without retries, so that an offline machine skips at once
    // (npm install would back off and retry every dependency for minutes).
    const ping = exec('npm', ['ping', '--fetch-retries=0', '--fetch-timeout=15000'], { cwd: prefix, timeout: 30_000 });
    timings.push(`npm ping ${ping.ms} ms`);
    if (ping.code !== 0) {
      const message = `the npm registry is unreachable: ${ping.stderr.split('\n').find((l) => /error (code|errno|request)|ERR/i.test(l)) ?? ping.stderr.slice(0, 200)}`;
      if (inCI) assert.fail(`CI must reach the npm registry: ${message}`);
      t.skip(message);
      return;
    }
    const r = exec('npm', ['install', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', tarball], { cwd: prefix, timeout: 120_000 });
    timings.push(`npm install ${r.ms} ms`);
    assert.equal(r.code, 0, r.stderr);
    bin = join(prefix, 'node_modules', '.bin', 'mailharden');
    assert.ok(existsSync(bin));
    const modules = readdirSync(join(prefix, 'node_modules'));
    for (const dep of Object.keys(pkg.dependencies)) assert.ok(modules.includes(dep), `runtime dependency ${dep} installed`);
    for (const dev of Object.keys(pkg.devDependencies)) assert.ok(!modules.includes(dev.split('/')[0]!), `dev dependency ${dev} not installed`);
    installed = true;
  });

  function mh(t: TestContext, args: string[], cwd: string): Ran | undefined {
    if (!installed) {
      t.skip('the package is not installed (see the install test)');
      return undefined;
    }
    const r = exec(bin, args, { cwd });
    timings.push(`mailharden ${args[0]} ${r.ms} ms`);
    return r;
  }

  it('runs --version, lint, rules and policy validate from the installed package', (t) => {
    const repo = repoCopy();
    const v = mh(t, ['--version'], repo);
    if (!v) return;
    assert.equal(v.code, 0);
    assert.equal(v.stdout.trim(), pkg.version);
    const l = mh(t, ['lint', 'hosts'], repo)!;
    assert.equal(l.code, 1, l.stderr);
    assert.match(l.stdout, /hosts\/mx1\/etc\/mail\/sendmail\.cf:13:11/);
    assert.match(l.stdout, /finding/);
    const j = mh(t, ['lint', '-f', 'json', '--fail-on', 'none', 'hosts/mx1/etc/mail/sendmail.cf'], repo)!;
    assert.equal(j.code, 0);
    assert.equal(JSON.parse(j.stdout).tool.version, pkg.version);
    // The rule pages are read from the package's docs/rules at run time.
    const doc = mh(t, ['rules', 'MH1030'], repo)!;
    assert.equal(doc.code, 0, doc.stderr);
    assert.equal(doc.stdout, readFileSync(join(ROOT, 'docs', 'rules', 'MH1030.md'), 'utf8'));
    const pv = mh(t, ['policy', 'validate', 'policy.yaml'], repo)!;
    assert.equal(pv.code, 0, pv.stderr);
    const schema = mh(t, ['schema'], repo)!;
    assert.deepEqual(JSON.parse(schema.stdout), JSON.parse(readFileSync(join(ROOT, 'schemas', 'policy.json'), 'utf8')));
  });

  it('runs apply --dry-run, applies (templates from the package) and passes the drift gate', (t) => {
    const repo = repoCopy();
    const d = mh(t, ['apply', 'policy.yaml', '--root', 'hosts/mx1', '--dry-run'], repo);
    if (!d) return;
    assert.equal(d.code, 0, d.stderr);
    assert.match(d.stdout, /^\+O SmtpGreetingMessage=\$j$/m);
    assert.match(d.stdout, /^Plan: 1 to create, 3 to change, 0 unchanged; 3 host actions \(1 link, 2 rebuilds\)\.$/m);
    assert.equal(mh(t, ['apply', 'policy.yaml', '--root', 'hosts/mx1', '--dry-run', '--exit-code', '--files-only'], repo)!.code, 1);
    const a = mh(t, ['apply', 'policy.yaml', '--root', 'hosts/mx1', '--files-only', '--no-validate', '--no-post-commands', '--no-backup'], repo)!;
    assert.equal(a.code, 0, a.stderr);
    // relay-domains did not exist: written from templates/relay-domains.hbs of the installed package.
    assert.match(readFileSync(join(repo, 'hosts', 'mx1', 'etc', 'mail', 'relay-domains'), 'utf8'), /^example\.com$/m);
    assert.equal(mh(t, ['apply', 'policy.yaml', '--root', 'hosts/mx1', '--dry-run', '--exit-code', '--files-only'], repo)!.code, 0);
  });

  it('works as a library (main and types)', (t) => {
    if (!installed) return void t.skip('the package is not installed (see the install test)');
    const code = "import { lintText } from 'mailharden'; const f = lintText('Mprog, P=/bin/sh, F=lsDFMoqeu9, A=sh -c $u\\n', 'sendmail-cf', 'x.cf'); console.log(f.map((x) => x.ruleId).join(' '));";
    const r = exec(process.execPath, ['--input-type=module', '-e', code], { cwd: prefix });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /MH1030/);
    assert.ok(existsSync(join(prefix, 'node_modules', 'mailharden', 'dist', 'src', 'index.d.ts')));
  });

  it('runs the action steps with the packed CLI', (t) => {
    if (!installed) return void t.skip('the package is not installed (see the install test)');
    const repo = repoCopy();
    const gh = temp('mh-gh-');
    const r = exec('bash', [ACTION_SCRIPT, '--paths', 'hosts', '--policy', 'policy.yaml', '--root', 'hosts/*', 'check'], {
      cwd: repo,
      env: cleanEnv({ MAILHARDEN: bin, GITHUB_STEP_SUMMARY: join(gh, 'summary'), GITHUB_OUTPUT: join(gh, 'output'), GITHUB_PATH: join(gh, 'path') }),
    });
    timings.push(`action-local.sh check ${r.ms} ms`);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^::error file=hosts\/mx1\/etc\/mail\/sendmail\.cf,/m);
    assert.ok(JSON.parse(readFileSync(join(repo, 'mailharden.sarif'), 'utf8')).runs[0].results.length > 0);
    assert.match(readFileSync(join(gh, 'summary'), 'utf8'), /^## mailharden lint$/m);
    assert.equal(outputs(join(gh, 'output'))['exit-code'], '1');
  });
});
