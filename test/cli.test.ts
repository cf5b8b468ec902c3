import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { useColor } from '../src/cli/output.js';
import { ROOT, run } from './helpers/cli.js';
import { tempDir } from './helpers/real.js';

const CF_NO_EXPN = 'V10/Berkeley\nO PrivacyOptions=novrfy\n';

function tree(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('mailharden lint: exit codes', () => {
  it('0 when no finding reaches --fail-on, 1 when one does', () => {
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN });
    const low = run(['lint', '--select', 'MH1001', 'sendmail.cf'], { cwd: dir });
    assert.equal(low.code, 0, low.stdout + low.stderr);
    assert.match(low.stdout, /sendmail\.cf:2:18: low PrivacyOptions lacks "noexpn"/);
    const strict = run(['lint', '--select', 'MH1001', '--fail-on', 'low', 'sendmail.cf'], { cwd: dir });
    assert.equal(strict.code, 1);
    const never = run(['lint', '--fail-on', 'none', 'sendmail.cf'], { cwd: dir });
    assert.equal(never.code, 0);
  });
  it('2 with a one-line error for a missing path, a bad flag, a bad --fail-on and a binary file', () => {
    const dir = tree({ 'aliases': 'root: admin\n' });
    writeFileSync(join(dir, 'bin.cf'), Buffer.from([0x56, 0x31, 0x30, 0x00, 0x01]));
    for (const args of [['lint', 'nope.cf'], ['lint', '--fail-on', 'severe', 'aliases'], ['lint', 'bin.cf'], ['lint', '-f', 'xml', 'aliases']]) {
      const r = run(args, { cwd: dir });
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
      assert.match(r.stderr, /^mailharden: /);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    }
    const flag = run(['lint', '--bogus', 'aliases'], { cwd: dir });
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /unknown option '--bogus'/);
  });
  it('2 for a directory with no mail files, a FIFO, a symlink loop, and a file of unknown kind', () => {
    const dir = tree({ 'empty/README': 'nothing here\n', 'notes.txt': 'just some prose, nothing else\n' });
    spawnSync('mkfifo', [join(dir, 'fifo')]);
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    for (const [arg, re] of [
      ['empty', /no mail configuration files found/],
      ['fifo', /not a regular file/],
      ['loop-a', /symbolic links/],
      ['notes.txt', /--type/],
    ] as const) {
      const r = run(['lint', arg], { cwd: dir });
      assert.equal(r.code, 2, `${arg}: ${r.stderr}`);
      assert.match(r.stderr, re);
    }
  });
  it('2 for an unreadable file, with the path and the reason', () => {
    const dir = tree({ aliases: 'root: admin\n' });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'aliases'), 0);
    // Root reads a mode-000 file, so the test runs the CLI as nobody when it is root.
    const r = run(['lint', 'aliases'], { cwd: dir, ...(process.getuid?.() === 0 ? { uid: 65534 } : {}) });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^mailharden: aliases: cannot read: permission denied\n$/);
  });
  it('walks a directory whose name is not UTF-8 (byte 0xff): its files are linted, its config read, the name shown escaped', () => {
    const dir = tree({ 'ok/aliases': 'postmaster: root\nMAILER-DAEMON: postmaster\nroot: admin\n' });
    // A name of bytes: mkdirSync and writeFileSync take a Buffer path as those exact bytes.
    const bad = Buffer.concat([Buffer.from(`${dir}/bad`), Buffer.of(0xff), Buffer.from('dir')]);
    mkdirSync(bad);
    writeFileSync(Buffer.concat([bad, Buffer.from('/aliases')]), 'postmaster: root\nMAILER-DAEMON: postmaster\nroot: "|/bin/sh -c id"\n');
    writeFileSync(Buffer.concat([bad, Buffer.from('/.mailharden.yaml')]), 'rules:\n  MH2002: low\n');
    for (const format of ['text', 'json', 'sarif', 'compact', 'github', 'junit', 'codeclimate', 'html', 'xccdf']) {
      const r = run(['lint', '--no-baseline', '--fail-on', 'low', '-f', format, '.'], { cwd: dir });
      assert.equal(r.code, 1, `${format}: ${r.stderr}`);
      assert.equal(r.stderr, '', format);
      assert.match(r.stdout, /MH2002/, format);
    }
    const text = run(['lint', '--no-baseline', '.'], { cwd: dir });
    // The file inside was found and read by its bytes, its directory's config applied (MH2002 is high by default).
    assert.match(text.stdout, /^bad\\xffdir\/aliases:3:7: low alias "root" pipes mail into "\/bin\/sh"/m);
    assert.doesNotMatch(text.stdout, /\ufffd|\udcff/);
    const json = JSON.parse(run(['lint', '--no-baseline', '-f', 'json', '.'], { cwd: dir }).stdout) as { findings: { file: string }[] };
    assert.deepEqual([...new Set(json.findings.map((f) => f.file))], ['bad\udcffdir/aliases']);
    const sarif = JSON.parse(run(['lint', '--no-baseline', '-f', 'sarif', '.'], { cwd: dir }).stdout) as { runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }[] }[] };
    assert.equal(sarif.runs[0]!.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri, 'bad%FFdir/aliases');
  });
  it('walks directories, detects kinds by name, skips compiled maps and .git', () => {
    const dir = tree({ 'etc/mail/sendmail.cf': CF_NO_EXPN, 'etc/mail/access': 'Connect:127.0.0.1 RELAY\n', 'etc/aliases': 'postmaster: root\n', 'etc/aliases.db': 'binary', '.git/aliases': 'x\n' });
    const r = run(['lint', '-f', 'json', '--fail-on', 'none', '.'], { cwd: dir });
    const out = JSON.parse(r.stdout);
    assert.equal(out.summary.files, 3);
    assert.ok(out.findings.every((f: { file: string }) => !f.file.includes('.git') && !f.file.endsWith('.db')));
  });
  it('--type reads a file of any name as that kind; content detection for explicit files', () => {
    const dir = tree({ 'mx1.conf': CF_NO_EXPN });
    const r = run(['lint', '-f', 'compact', '--select', 'MH1001', 'mx1.conf'], { cwd: dir });
    assert.match(r.stdout, /mx1\.conf:2:18: low: .*\[MH1001\]/);
    // Read as aliases, the cf's lines have no colon: only --type makes that finding appear.
    const forced = run(['lint', '-f', 'compact', '--type', 'aliases', '--select', 'MH2008', 'mx1.conf'], { cwd: dir });
    assert.match(forced.stdout, /mx1\.conf:1:1: medium: .*\[MH2008\]/);
    assert.equal(run(['lint', '-f', 'compact', '--select', 'MH2008', 'mx1.conf'], { cwd: dir }).stdout, '');
  });
});

describe('the shipped bundle', () => {
  it('has no import() of its own: code compiled from the V8 code cache has no loader for it in Node.js 20 (src/core/external.ts)', () => {
    const bundle = readFileSync(join(ROOT, 'dist', 'mailharden.cjs'), 'utf8');
    assert.deepEqual(bundle.match(/\bimport\(["'`][^"'`]*["'`]\)/g) ?? [], []);
    assert.ok(existsSync(join(ROOT, 'dist', 'mailharden.cjs.cache')), 'the build made the code cache');
  });

  it('the bin is a CommonJS launcher, and a lint of a small cf to a file or a pipe loads none of the built-in modules outside Node.js\'s start-up snapshot that it does not need (start-up, issue 22)', () => {
    const bin = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.mailharden!;
    assert.match(bin, /\.cjs$/, 'no ES module loader for the installed command');
    // What the run loads beyond what Node.js had loaded before the bin, reported on stderr at exit.
    const preload = join(tempDir(), 'loaded.cjs');
    writeFileSync(preload, "const before = new Set(process.moduleLoadList);\nprocess.on('exit', () => require('node:fs').writeSync(2, JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m))) + '\\n'));\n");
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN, 'empty.cjs': '' });
    // What this Node.js loads for any CommonJS file (Node.js 18 loads its ES module loader and streams itself).
    const empty = spawnSync(process.execPath, ['--require', preload, join(dir, 'empty.cjs')], { encoding: 'utf8' });
    const own = new Set(JSON.parse(empty.stderr.trim()) as string[]);
    const args = ['--require', preload, join(ROOT, bin), 'lint', '--no-config', '-f', 'compact', '--fail-on', 'none', join(dir, 'sendmail.cf')];
    // stdout a pipe (spawnSync's), and a file.
    const piped = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const out = join(dir, 'out.txt');
    const fd = openSync(out, 'w');
    const filed = spawnSync(process.execPath, args, { encoding: 'utf8', stdio: ['ignore', fd, 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    closeSync(fd);
    for (const [r, stdout] of [[piped, piped.stdout], [filed, readFileSync(out, 'utf8')]] as const) {
      assert.equal(r.status, 0, r.stderr);
      assert.match(stdout, /sendmail\.cf:2:18: low: PrivacyOptions lacks "noexpn".*\[MH1001\]\n/);
      const loaded = JSON.parse(r.stderr.trim().split('\n').pop()!) as string[];
      // process.stdout would load streams and net; the ES module loader fs/promises; the rest are the bundle's.
      const heavy = loaded.filter((m) => !own.has(m) && /^NativeModule (stream|net|tty|tls|crypto|os|module|zlib|child_process|readline|internal\/fs\/promises|internal\/modules\/esm\/loader)$/.test(m));
      assert.deepEqual(heavy, []);
    }
  });
});

describe('mailharden lint into a pipe closed early (`| head`)', () => {
  it('stops quietly with the exit code of the run: 1 with findings at --fail-on, 0 with --fail-on none', () => {
    // About 1.9 MB of compact findings: far more than a pipe holds, so the writer meets the closed pipe.
    const dir = tree({ aliases: Array.from({ length: 20_000 }, (_, i) => `u${i}: "|/usr/bin/prog${i}"\n`).join('') });
    for (const [failOn, code] of [['medium', '1'], ['none', '0']] as const) {
      const r = spawnSync('bash', ['-c', '"$@" | head -c 50 >/dev/null; echo "exit ${PIPESTATUS[0]}"', 'bash', process.execPath, join(ROOT, 'dist', 'mailharden.js'), 'lint', '--no-config', '-f', 'compact', '--fail-on', failOn, join(dir, 'aliases')], { encoding: 'utf8' });
      assert.equal(r.stdout, `exit ${code}\n`, r.stderr);
      assert.equal(r.stderr, '');
    }
  });
});

describe('the lint path as a library', () => {
  it('loads no heavy module: the engine, the parsers and every rule, without child_process, crypto or a CommonJS npm dependency (ajv, handlebars, yaml)', () => {
    // A fresh process: this one has loaded them for other tests.
    const probe = `await import(${JSON.stringify(join(ROOT, 'dist', 'src', 'lint', 'request.js'))}); await import(${JSON.stringify(join(ROOT, 'dist', 'rules', 'index.js'))});
      const heavy = process.moduleLoadList.filter((m) => /child_process|crypto/.test(m));
      const npm = Object.keys(await import('node:module').then((m) => m.default._cache ?? {})).filter((p) => p.includes('node_modules'));
      console.log(JSON.stringify([...heavy, ...npm]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', probe], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), []);
  });
});

describe('mailharden lint --root through the shipped bundle', () => {
  it('reads attributes with the real lsattr (the bundle loads child_process lazily)', () => {
    const r = run(['lint', '--root', 'examples', '-f', 'json', '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
    const findings = JSON.parse(r.stdout).findings as { ruleId: string }[];
    assert.ok(findings.some((f) => f.ruleId === 'MH1030'), 'the tree\'s files are linted');
  });
});

describe('mailharden lint: output formats', () => {
  it('json has the documented shape', () => {
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN });
    const r = run(['lint', '-f', 'json', '--select', 'MH1001', 'sendmail.cf'], { cwd: dir });
    const out = JSON.parse(r.stdout);
    assert.deepEqual(Object.keys(out), ['tool', 'findings', 'summary']);
    assert.equal(out.tool.name, 'mailharden');
    const f = out.findings[0];
    for (const k of ['ruleId', 'slug', 'severity', 'message', 'file', 'line', 'column', 'endLine', 'endColumn', 'references', 'suppressed']) assert.ok(k in f, k);
    assert.deepEqual(f.references.includes('DISA-STIG:GEN004660'), true);
    assert.deepEqual(out.summary, { files: 1, findings: 1, bySeverity: { critical: 0, high: 0, medium: 0, low: 1, info: 0 }, suppressed: 0 });
  });
  it('-f FORMAT=FILE writes files, several formats in one run', () => {
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN });
    const r = run(['lint', '-f', 'text', '-f', 'json=out.json', '-f', 'compact=out.txt', '--select', 'MH1001', 'sendmail.cf'], { cwd: dir });
    assert.match(r.stdout, /1 finding \(1 low\) in 1 file/);
    assert.equal(JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')).findings.length, 1);
    assert.match(readFileSync(join(dir, 'out.txt'), 'utf8'), /^sendmail\.cf:2:18: low: /);
  });
  it('text shows the line with a caret under the span, and colour only when asked', () => {
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN });
    const plain = run(['lint', '--select', 'MH1001', 'sendmail.cf'], { cwd: dir });
    assert.match(plain.stdout, /  2 \| O PrivacyOptions=novrfy\n    \|                  \^~~~~~\n/);
    assert.doesNotMatch(plain.stdout, /\x1b\[/);
    const colored = run(['lint', '--color', 'always', '--select', 'MH1001', 'sendmail.cf'], { cwd: dir });
    assert.match(colored.stdout, /\x1b\[/);
  });
  it('github writes annotations and a step summary', () => {
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN });
    const summary = join(dir, 'summary.md');
    const r = run(['lint', '-f', 'github', '--select', 'MH1001', 'sendmail.cf'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: summary } });
    assert.match(r.stdout, /^::notice file=sendmail\.cf,line=2,col=18,endLine=2,endColumn=24,title=MH1001\/privacy-noexpn \(low\)::PrivacyOptions lacks/);
    assert.match(readFileSync(summary, 'utf8'), /\| low \| MH1001 privacy-noexpn \| `sendmail\.cf:2` \|/);
  });
  it('colour follows NO_COLOR, FORCE_COLOR, TERM and the TTY', () => {
    assert.equal(useColor('auto', true, {}), true);
    assert.equal(useColor('auto', false, {}), false);
    assert.equal(useColor('auto', true, { NO_COLOR: '1' }), false);
    assert.equal(useColor('auto', true, { NO_COLOR: '' }), true);
    assert.equal(useColor('auto', false, { FORCE_COLOR: '1' }), true);
    assert.equal(useColor('auto', true, { TERM: 'dumb' }), false);
    assert.equal(useColor('never', true, { FORCE_COLOR: '1' }), false);
  });
});

describe('mailharden lint: suppressions and configuration', () => {
  it('inline directives suppress with a reason, are counted, and can be turned off', () => {
    const dir = tree({ 'sendmail.cf': `V10/Berkeley\n# mailharden-disable-next-line MH1001 -- EXPN is needed by the list robot\nO PrivacyOptions=novrfy\n` });
    const r = run(['lint', '-f', 'json', '--select', 'MH1001,MH0003', 'sendmail.cf'], { cwd: dir });
    const out = JSON.parse(r.stdout);
    assert.equal(out.summary.findings, 0);
    assert.equal(out.summary.suppressed, 1);
    assert.equal(out.findings[0].suppression.reason, 'EXPN is needed by the list robot');
    const off = JSON.parse(run(['lint', '-f', 'json', '--select', 'MH1001', '--no-inline-suppressions', 'sendmail.cf'], { cwd: dir }).stdout);
    assert.equal(off.summary.findings, 1);
  });
  it('.mailharden.yaml is found upwards and applies severities, off, settings and ignores', () => {
    const dir = tree({
      '.mailharden.yaml': 'rules:\n  MH1001: high\n  privacy-noexpn: high\nignores:\n  - path: hosts/mx2/**\n    rules: [MH1001]\n    reason: mx2 is being decommissioned\n',
      'hosts/mx1/sendmail.cf': CF_NO_EXPN,
      'hosts/mx2/sendmail.cf': CF_NO_EXPN,
    });
    const r = run(['lint', '-f', 'json', '--select', 'MH1001', 'hosts'], { cwd: dir });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout);
    const byFile = Object.fromEntries(out.findings.map((f: { file: string }) => [f.file, f]));
    assert.equal(byFile['hosts/mx1/sendmail.cf'].severity, 'high');
    assert.equal(byFile['hosts/mx2/sendmail.cf'].suppressed, true);
    assert.equal(byFile['hosts/mx2/sendmail.cf'].suppression.kind, 'config');
    const none = run(['lint', '-f', 'json', '--no-config', '--select', 'MH1001', 'hosts'], { cwd: dir });
    assert.equal(JSON.parse(none.stdout).findings[0].severity, 'low');
  });
  it('a bad .mailharden.yaml is exit 2 with file:line:col for every problem', () => {
    const dir = tree({ '.mailharden.yaml': 'rulez:\n  MH1001: high\nrules:\n  MH1001: severe\n  MH9999: low\n', 'sendmail.cf': CF_NO_EXPN });
    const r = run(['lint', 'sendmail.cf'], { cwd: dir });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /\.mailharden\.yaml:1:1: \/rulez: unknown key "rulez" \(did you mean "rules"\?\)/);
    assert.match(r.stderr, /\.mailharden\.yaml:4:11: \/rules\/MH1001: must be one of: critical, high, medium, low, info, off/);
    const typo = tree({ '.mailharden.yaml': 'rules:\n  MH9999: low\n', 'sendmail.cf': CF_NO_EXPN });
    const r2 = run(['lint', 'sendmail.cf'], { cwd: typo });
    assert.equal(r2.code, 2);
    assert.match(r2.stderr, /\.mailharden\.yaml:2:3: rules\/MH9999: unknown rule "MH9999"/);
  });
  it('--select and --ignore take ids, slugs and wildcards', () => {
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN });
    const ids = (args: string[]) => JSON.parse(run(['lint', '-f', 'json', ...args, 'sendmail.cf'], { cwd: dir }).stdout).findings.map((f: { ruleId: string }) => f.ruleId);
    assert.deepEqual(ids(['--select', 'privacy-noexpn']), ['MH1001']);
    assert.ok(!ids(['--ignore', 'MH1*']).some((id: string) => id.startsWith('MH1')));
  });
});

describe('mailharden rules', () => {
  it('lists rules, prints one rule\'s doc, the coverage table, and refuses unknown ids', () => {
    assert.match(run(['rules']).stdout, /^MH0001  parse-error/m);
    const doc = run(['rules', 'privacy-noexpn']);
    assert.equal(doc.code, 0);
    assert.match(doc.stdout, /^# MH1001 privacy-noexpn/);
    assert.match(doc.stdout, /## Why/);
    assert.match(run(['rules', '--coverage']).stdout, /DISA-STIG\s+GEN004660\s+MH1001/);
    assert.equal(run(['rules', 'MH9999']).code, 2);
  });
  it('--version and --help exit 0', () => {
    assert.match(run(['--version']).stdout, /^\d+\.\d+\.\d+\n$/);
    assert.equal(run(['--help']).code, 0);
  });
});

describe('library entry point', () => {
  it('lint() and lintText() work without the CLI', async () => {
    const lib = await import('../src/index.js');
    const findings = lib.lintText(CF_NO_EXPN, 'sendmail-cf');
    assert.ok(findings.some((f) => f.ruleId === 'MH1001'));
    const dir = tree({ 'sendmail.cf': CF_NO_EXPN });
    const report = await lib.lint([join(dir, 'sendmail.cf')], { select: ['MH1001'], cwd: dir });
    assert.equal(report.findings.length, 1);
    assert.equal(report.findings[0]!.file, 'sendmail.cf');
    assert.equal(JSON.parse(lib.formatJson(report)).summary.findings, 1);
  });
});

describe('suppression ranges', () => {
  const cf = (body: string) => `V10/Berkeley\n${body}\n`;
  const open = (text: string, args: string[] = []) => {
    const dir = tree({ 'sendmail.cf': text });
    const out = JSON.parse(run(['lint', '-f', 'json', '--fail-on', 'none', ...args, 'sendmail.cf'], { cwd: dir }).stdout);
    return out.findings.filter((f: { suppressed: boolean }) => !f.suppressed).map((f: { ruleId: string; line: number }) => `${f.ruleId}@${f.line}`);
  };
  it('enable closes only the rules it names, and every open range of them', () => {
    const text = cf(['# mailharden-disable MH1057,MH1013 -- a', '# mailharden-disable MH1057 -- b', 'O PrivacyOption=goaway', '# mailharden-enable MH1057', 'O PrivacyOption=goaway', 'O LogLevel=3'].join('\n'));
    const got = open(text, ['--select', 'MH1057,MH1013,MH0005']);
    assert.deepEqual(got.sort(), ['MH0005@2', 'MH1057@6'].sort(), 'MH1057 returns after enable; MH1013 stays off and its range is reported open');
  });
  it('disable-next-line skips comments, blank lines and indented lines, and covers continuations', () => {
    const text = cf(['# mailharden-disable-next-line MH1057 -- reason', '# another comment', '\tindented text that continues the comment', '', 'O PrivacyOption=goaway,', '\tnoexpn', 'O PrivacyOption=goaway'].join('\n'));
    assert.deepEqual(open(text, ['--select', 'MH1057']), ['MH1057@8']);
  });
  it('a directive for a rule switched off is not reported unused', () => {
    const text = cf(['# mailharden-disable-next-line MH1057 -- reason', 'O PrivacyOption=goaway'].join('\n'));
    assert.deepEqual(open(text, ['--ignore', 'MH1057']).filter((x: string) => x.startsWith('MH0003')), []);
    assert.deepEqual(open(cf('# mailharden-disable-next-line MH1057 -- reason\nO PrivacyOptions=goaway')).filter((x: string) => x.startsWith('MH0003')), ['MH0003@2']);
  });
  it('plain comments that mention mailharden are not directives', () => {
    const got = open(cf('# mailharden: generated by the fleet tooling\n# managed by mailharden\nO PrivacyOptions=goaway'), ['--select', 'MH0002']);
    assert.deepEqual(got, []);
    assert.deepEqual(open(cf('# mailharden-disabel MH1001 -- typo\nO PrivacyOptions=goaway'), ['--select', 'MH0002']), ['MH0002@2']);
  });
});
