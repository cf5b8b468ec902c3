import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FORMATS } from '../src/cli/output.js';
import { wholeLimit } from '../src/parsers/documents.js';
import type { FileKind } from '../src/core/types.js';
import { CLI } from './helpers/cli.js';
import { tempDir } from './helpers/real.js';

/**
 * Memory and time on the worst inputs of every kind: shapes that make the most of what a parser or a
 * rule keeps per byte (continuation lines, empty arguments, one-character entries and keys, long lines,
 * many findings on one line). Each is linted by the CLI in a child process under GNU time; the peak RSS
 * less that of an empty file of the kind, per MB of input, must stay under a fixed factor, and the run
 * must end by itself (no signal, exit 0 or 1). `npm test` runs each shape at 1 MiB; `npm run fuzz`
 * (MH_FUZZ=long) at the largest size mailharden reads of the kind, where the peak must stay under the
 * 1 GB the README promises, and at a quarter of it, where time must grow at most linearly. It prints the
 * table that docs/performance.md shows.
 */
const LONG = process.env.MH_FUZZ === 'long';
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const MIB = 1024 * 1024;
/** What a run may take at most, whatever the input: the README's "about 1 GB". */
const PROMISE_MB = 1100;
/**
 * Growth of the peak per MB of input from a quarter of the limit to the limit, that no shape may pass:
 * past the caps on what a document keeps, a byte costs its text, its line index and the caps' counters.
 * Kinds with a small limit (qmail run scripts 8 MiB, aliases read whole under --root 4 MiB) may cost
 * more per byte, up to what their limit allows within the promise.
 */
const MAX_MB_PER_MB = 24;
/** The peak for 1 MiB of any shape (npm test); before the caps, findings and line joins, shapes took 450 to 1,050 MB or never ended. */
const MAX_SHORT_MB = 400;

interface Shape {
  kind: FileKind;
  name: string;
  /** The file's name (qmail control files are known by it). */
  file: string;
  /** Text of about `bytes` bytes. */
  make(bytes: number): string;
}

/** `head`, then `unit` repeated to fill `bytes`, then `tail`. */
function fill(bytes: number, head: string, unit: string, tail = ''): string {
  const n = Math.max(1, Math.floor((bytes - head.length - tail.length) / unit.length));
  return head + unit.repeat(n) + tail;
}

const SHAPES: Shape[] = [
  { kind: 'sendmail-cf', name: 'continuations of an O line (a finding per line)', file: 'sendmail.cf', make: (b) => fill(b, 'V10/Berkeley\nO PrivacyOptions=authwarnings\n', ' x\n') },
  { kind: 'sendmail-cf', name: 'continuations of an R line', file: 'sendmail.cf', make: (b) => fill(b, 'V10/Berkeley\nR$* $@ $1\n', ' x\n') },
  { kind: 'sendmail-cf', name: 'continuations of an M line', file: 'sendmail.cf', make: (b) => fill(b, 'V10/Berkeley\nMprog, P=/bin/sh, A=sh -c\n', ' x,\n') },
  { kind: 'sendmail-cf', name: 'escaped # in one option (level 10)', file: 'sendmail.cf', make: (b) => fill(b, 'V10/Berkeley\nO PrivacyOptions=', 'x\\#,', '\n') },
  { kind: 'sendmail-cf', name: 'one-letter options', file: 'sendmail.cf', make: (b) => fill(b, 'V10/Berkeley\n', 'Ox\n') },
  { kind: 'sendmail-cf', name: 'empty lines', file: 'sendmail.cf', make: (b) => fill(b, 'V10/Berkeley\n', '\n') },
  { kind: 'sendmail-cf', name: 'one long line', file: 'sendmail.cf', make: (b) => fill(b, 'V10/Berkeley\nO SmtpGreetingMessage=', 'x', '\n') },
  { kind: 'sendmail-mc', name: 'empty arguments', file: 'sendmail.mc', make: (b) => fill(b, 'FEATURE(', ',', ')\n') },
  { kind: 'sendmail-mc', name: 'calls', file: 'sendmail.mc', make: (b) => fill(b, '', 'a()') },
  { kind: 'sendmail-mc', name: 'syscmd calls on one line (the most findings, each with a window of the line)', file: 'sendmail.mc', make: (b) => fill(b, '', 'syscmd(x)') },
  { kind: 'sendmail-mc', name: 'bare words', file: 'sendmail.mc', make: (b) => fill(b, '', 'a\n') },
  { kind: 'sendmail-mc', name: 'defines', file: 'sendmail.mc', make: (b) => fill(b, '', "define(`confPRIVACY_FLAGS',`x')\n") },
  { kind: 'sendmail-mc', name: 'LOCAL_CONFIG lines', file: 'sendmail.mc', make: (b) => fill(b, 'LOCAL_CONFIG\n', 'Ox\n') },
  { kind: 'aliases', name: 'one-character entries', file: 'aliases', make: (b) => fill(b, '', 'a:b\n') },
  { kind: 'aliases', name: 'program entries (a finding each)', file: 'aliases', make: (b) => fill(b, '', 'a:|b\n') },
  { kind: 'aliases', name: 'continuations of one entry', file: 'aliases', make: (b) => fill(b, 'a:b', ',\n c') },
  { kind: 'aliases', name: 'addresses in one line', file: 'aliases', make: (b) => fill(b, 'a:b', ',c', '\n') },
  { kind: 'access', name: 'one-character entries', file: 'access', make: (b) => fill(b, '', 'a b\n') },
  { kind: 'access', name: 'relay entries (a finding each)', file: 'access', make: (b) => fill(b, '', 'Connect:0 RELAY\n') },
  { kind: 'access', name: 'keys without a value', file: 'access', make: (b) => fill(b, '', 'a\n') },
  { kind: 'tcp-rules', name: 'rules', file: 'tcp.smtp', make: (b) => fill(b, '', ':allow\n') },
  { kind: 'tcp-rules', name: 'ranges', file: 'tcp.smtp', make: (b) => fill(b, '', '0-255:allow,RELAYCLIENT=""\n') },
  { kind: 'tcp-rules', name: 'variables in one rule', file: 'tcp.smtp', make: (b) => fill(b, ':allow', ',A=""', '\n') },
  { kind: 'tcp-rules', name: 'lines without a colon', file: 'tcp.smtp', make: (b) => fill(b, '', 'a\n') },
  { kind: 'qmail-control', name: 'rcpthosts names', file: 'rcpthosts', make: (b) => fill(b, '', 'a\n') },
  { kind: 'qmail-control', name: 'rcpthosts lines starting with a blank (a problem each)', file: 'rcpthosts', make: (b) => fill(b, '', ' a\n') },
  { kind: 'qmail-control', name: 'badmailfrom lines starting with a blank (a parse problem each)', file: 'badmailfrom', make: (b) => fill(b, '', ' a\n') },
  { kind: 'qmail-run', name: 'commands', file: 'run', make: (b) => fill(b, '', 'a\n') },
  { kind: 'qmail-run', name: 'words', file: 'run', make: (b) => fill(b, 'exec tcpserver', ' a', '\n') },
  { kind: 'qmail-run', name: 'tcpserver lines (findings each)', file: 'run', make: (b) => fill(b, '', 'tcpserver 0 smtp qmail-smtpd\n') },
  { kind: 'qmail-run', name: 'assignments read by the tcpserver lines after them', file: 'run', make: (b) => fill(b, '', 'A=x\ntcpserver $A 0 25 qmail-smtpd\n') },
];

interface Measured {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  seconds: number;
  peakMB: number;
}

/** Lints one file under GNU time: exit, signal, seconds, peak RSS in MB. */
function measure(args: string[]): Measured {
  const start = performance.now();
  // timeout(1) ends a run that would never finish; GNU time's peak covers the node it waited for.
  const r = spawnSync(TIME!, ['-f', '%M', 'timeout', '-s', 'KILL', String(LONG ? 600 : 60), process.execPath, CLI, 'lint', '--no-config', '-f', 'compact', '--fail-on', 'none', ...args], {
    encoding: 'utf8',
    maxBuffer: 1 << 30,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seconds = (performance.now() - start) / 1000;
  const lines = r.stderr.trimEnd().split('\n');
  const peakMB = Number(lines.pop()) / 1024;
  // timeout(1) exits with 128 + the signal that ended node (a V8 abort, the kill after the time limit).
  const signal = r.status !== null && r.status > 128 ? (`signal ${r.status - 128}` as NodeJS.Signals) : r.signal;
  return { code: r.status, signal, stderr: lines.filter((l) => !/^Command (exited|terminated)/.test(l)).join('\n'), seconds, peakMB };
}

function write(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  const fd = openSync(path, 'w');
  // In pieces: a string of hundreds of MB would not fit one write of a Buffer made from it.
  for (let at = 0; at < text.length; at += 16 * MIB) writeSync(fd, text.slice(at, at + 16 * MIB));
  closeSync(fd);
  return path;
}

const table: string[] = [];

// CI installs GNU time (.ci/run): there, a missing one is a failure, not a skip.
if (!TIME && process.env.CI === 'true') throw new Error('CI must install GNU time (/usr/bin/time) for the memory bounds');
describe('bounded memory and time on the worst input of every kind', { skip: TIME ? false : 'needs GNU time (/usr/bin/time; apt-get install time)' }, () => {
  const dir = tempDir('mh-bounds-');
  const base = new Map<FileKind, number>();
  const baseOf = (s: Shape): number => {
    let b = base.get(s.kind);
    if (b === undefined) {
      const empty = join(dir, `empty-${s.kind}`);
      mkdirSync(empty, { recursive: true });
      b = measure(['--type', s.kind, write(empty, s.file, '')]).peakMB;
      base.set(s.kind, b);
    }
    return b;
  };

  // MH_BOUNDS=sendmail-cf measures the shapes of one kind only (when working on its parser).
  for (const s of SHAPES.filter((x) => !process.env.MH_BOUNDS || x.kind === process.env.MH_BOUNDS)) {
    it(`${s.kind}: ${s.name}`, () => {
      const b = baseOf(s);
      const sub = join(dir, `${s.kind}-${SHAPES.indexOf(s)}`);
      mkdirSync(sub, { recursive: true });
      const sizes = LONG ? [Math.floor(wholeLimit(s.kind) / 4) - 64, wholeLimit(s.kind) - 64] : [Math.min(MIB, wholeLimit(s.kind)) - 64];
      const runs: { mb: number; m: Measured }[] = [];
      // One row per shape, also when an assertion fails: the largest size, its peak, the peak less that
      // of an empty file per MB, the growth per MB from a quarter of the limit, seconds, time for 4×.
      const row = (): void => {
        const last = runs[runs.length - 1];
        if (!last) return;
        const two = runs.length === 2;
        const growth = two ? ((runs[1]!.m.peakMB - runs[0]!.m.peakMB) / (runs[1]!.mb - runs[0]!.mb)).toFixed(1) : '–';
        const ratio = two ? `${(runs[1]!.m.seconds / runs[0]!.m.seconds).toFixed(2)} ×` : '–';
        table.push(`| ${s.kind} | ${s.name} | ${last.mb.toFixed(1)} | ${last.m.peakMB.toFixed(0)} | ${((last.m.peakMB - b) / last.mb).toFixed(1)} | ${growth} | ${last.m.seconds.toFixed(2)} | ${ratio} |`);
      };
      try {
        for (const size of sizes) {
          const text = s.make(size);
          const path = write(sub, s.file, text);
          const m = measure(['--type', s.kind, path]);
          runs.push({ mb: Buffer.byteLength(text) / MIB, m });
          assert.equal(m.signal, null, `${s.name}: killed by a signal`);
          assert.ok(m.code === 0 || m.code === 1, `${s.name}: exit ${m.code}: ${m.stderr.slice(0, 300)}`);
          // A kind whose limit is 1 MiB is measured at its limit even in the short run.
          const bound = LONG || wholeLimit(s.kind) <= MIB ? PROMISE_MB : MAX_SHORT_MB;
          assert.ok(m.peakMB <= bound, `${s.name}: peak ${m.peakMB.toFixed(0)} MB for ${(Buffer.byteLength(text) / MIB).toFixed(1)} MB`);
        }
        if (runs.length === 2) {
          const growth = (runs[1]!.m.peakMB - runs[0]!.m.peakMB) / (runs[1]!.mb - runs[0]!.mb);
          // A kind with a small limit may cost more per byte, as long as its limit times that stays in the promise.
          const allowed = Math.max(MAX_MB_PER_MB, (PROMISE_MB - 100) / (wholeLimit(s.kind) / MIB));
          assert.ok(growth <= allowed, `${s.name}: ${growth.toFixed(1)} MB more per MB of input from ${runs[0]!.mb.toFixed(1)} to ${runs[1]!.mb.toFixed(1)} MB (allowed ${allowed.toFixed(0)})`);
          // 4× the input may take at most about 4× the time (and 1.5 × that for a machine shared with other work).
          const ratio = runs[1]!.m.seconds / runs[0]!.m.seconds;
          assert.ok(ratio <= 6, `${s.name}: 4× input took ${ratio.toFixed(2)}× the time (${runs[0]!.m.seconds.toFixed(2)} → ${runs[1]!.m.seconds.toFixed(2)} s)`);
        }
      } finally {
        row();
      }
    });
  }

  it('a file one byte larger than mailharden reads of its kind: refused in one line, exit 2', () => {
    // An aliases file is read in parts when it is large, whatever its size (its limit holds under --root, below).
    for (const kind of [...new Set(SHAPES.map((s) => s.kind))].filter((k) => k !== 'aliases')) {
      const s = SHAPES.find((x) => x.kind === kind)!;
      const sub = join(dir, `large-${kind}`);
      mkdirSync(sub, { recursive: true });
      const path = join(sub, s.file);
      writeFileSync(path, '');
      truncateSync(path, wholeLimit(kind) + 1);
      const m = measure(['--type', kind, path]);
      assert.equal(m.code, 2, `${kind}: exit ${m.code}`);
      assert.equal(m.stderr.trim().split('\n').length, 1, m.stderr);
      assert.match(m.stderr, /is more than mailharden reads of a .* file \(\d+ MiB\); refusing to read it$/);
      assert.ok(m.peakMB < 150, `${kind}: ${m.peakMB} MB`);
    }
  });

  it('three of the worst .mc files in one run add up to no more than one', { skip: LONG ? false : 'runs with npm run fuzz' }, () => {
    const s = SHAPES.find((x) => x.kind === 'sendmail-mc')!;
    const paths: string[] = [];
    for (let k = 0; k < 3; k++) {
      const sub = join(dir, `three-${k}`);
      mkdirSync(sub, { recursive: true });
      paths.push(write(sub, s.file, s.make(wholeLimit('sendmail-mc') - 64)));
    }
    const m = measure(paths);
    assert.equal(m.signal, null);
    assert.ok(m.code === 0 || m.code === 1, m.stderr);
    assert.ok(m.peakMB <= PROMISE_MB, `peak ${m.peakMB.toFixed(0)} MB`);
    table.push(`| 3 × sendmail-mc | empty arguments, one run | ${((3 * wholeLimit('sendmail-mc')) / MIB).toFixed(1)} | ${m.peakMB.toFixed(0)} | – | – | ${m.seconds.toFixed(2)} | – |`);
  });

  it('--root with the worst file of several kinds: the documents kept share one budget, the rest is MH6000', { skip: LONG ? false : 'runs with npm run fuzz' }, () => {
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc', 'mail'), { recursive: true });
    const files: [string, FileKind][] = [['etc/mail/sendmail.cf', 'sendmail-cf'], ['etc/mail/submit.cf', 'sendmail-cf'], ['etc/aliases', 'aliases'], ['etc/mail/access', 'access']];
    for (const [path, kind] of files) {
      const shape = SHAPES.filter((x) => x.kind === kind).at(kind === 'sendmail-cf' ? 4 : 1)!;
      const text = shape.make(Math.floor(wholeLimit(kind) * 0.9));
      // The cf names the aliases file, as Debian's does: a cf without AliasFile reads none (src/model/cf-paths.ts).
      write(root, path, path === 'etc/mail/sendmail.cf' ? `O AliasFile=/etc/aliases\n${text}` : text);
    }
    const start = performance.now();
    const r = spawnSync(TIME!, ['-f', '%M', 'timeout', '-s', 'KILL', '600', process.execPath, CLI, 'lint', '--root', root, '--no-config', '-f', 'compact', '--fail-on', 'none', '--select', 'MH6000'], { encoding: 'utf8', maxBuffer: 1 << 28 });
    const peakMB = Number(r.stderr.trimEnd().split('\n').pop()) / 1024;
    assert.equal(r.status, 0, r.stderr.slice(0, 500));
    assert.ok(peakMB <= PROMISE_MB, `peak ${peakMB.toFixed(0)} MB`);
    // The first file takes 90 % of the budget; each later one is reported, not read.
    assert.equal((r.stdout.match(/more than mailharden keeps in memory for one run/g) ?? []).length, 3, r.stdout);
    table.push(`| --root | cf, submit.cf, aliases, access each at 90 % of its limit | ${((files.reduce((n, [, k]) => n + wholeLimit(k), 0) * 0.9) / MIB).toFixed(1)} | ${peakMB.toFixed(0)} | – | – | ${((performance.now() - start) / 1000).toFixed(2)} | – |`);
  });

  it('prints the table', () => {
    console.log('\n| kind | shape | MB | peak MB | MB per MB | growth per MB, ¼ → limit | s | time, ¼ → limit |');
    console.log('|---|---|---:|---:|---:|---:|---:|---:|');
    for (const row of table) console.log(row);
  });
});

/** What a repository of 10,000 files with 100,000 findings may take in any format (issue 22); before findings streamed through the formatters, 179 (compact) to 640 MB (sarif). */
const MAX_REPO_MB = 250;
const repoTable: string[] = [];

describe('a repository of 10,000 files with 100,000 findings: bounded memory in every format', { skip: TIME ? false : 'needs GNU time (/usr/bin/time; apt-get install time)' }, () => {
  const dir = tempDir('mh-bounds-repo-');
  const repo = join(dir, 'repo');
  // Seven program aliases a file: MH2013 for each and MH2005 for the three missing aliases, 10 findings.
  const aliases = Array.from({ length: 7 }, (_, i) => `a${i}:|/usr/bin/prog${i}\n`).join('');
  for (let h = 0; h < 10_000; h++) {
    const etc = join(repo, 'hosts', `h${String(h).padStart(5, '0')}`, 'etc');
    mkdirSync(etc, { recursive: true });
    writeFileSync(join(etc, 'aliases'), aliases);
  }
  mkdirSync(join(repo, '.git'));

  /** Lints the repository from a directory inside it (paths repository-relative) under GNU time: stdout to a file, the peak RSS in MB. */
  const lint = (format: string, out: string): { code: number | null; peakMB: number; stderr: string } => {
    const fd = openSync(out, 'w');
    try {
      const r = spawnSync(TIME!, ['-f', '%M', 'timeout', '-s', 'KILL', '120', process.execPath, CLI, 'lint', '--no-config', '--fail-on', 'none', '-f', format, '..'], {
        cwd: join(repo, 'hosts'),
        stdio: ['ignore', fd, 'pipe'],
        encoding: 'utf8',
        env: { ...process.env, NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' },
      });
      const lines = r.stderr.trimEnd().split('\n');
      return { code: r.status, peakMB: Number(lines.pop()) / 1024, stderr: lines.join('\n') };
    } finally {
      closeSync(fd);
    }
  };

  for (const format of FORMATS) {
    it(`${format} on stdout: under ${MAX_REPO_MB} MB`, () => {
      const out = join(dir, `out.${format}`);
      const m = lint(format, out);
      assert.equal(m.code, 0, m.stderr.slice(0, 500));
      repoTable.push(`| 10,000 files, 100,000 findings, -f ${format} | ${m.peakMB.toFixed(0)} |`);
      assert.ok(m.peakMB <= MAX_REPO_MB, `${format}: peak ${m.peakMB.toFixed(0)} MB`);
      if (format === 'compact') assert.equal(readFileSync(out, 'utf8').split('\n').length - 1, 100_000);
      else assert.ok(statSync(out).size > 5_000_000, `${format}: ${statSync(out).size} bytes`);
    });
  }

  it(`sarif to a file (-f sarif=FILE, through a temp file): under ${MAX_REPO_MB} MB, the same bytes as on stdout`, () => {
    const file = join(dir, 'report.sarif');
    const m = lint(`sarif=${file}`, join(dir, 'stdout'));
    assert.equal(m.code, 0, m.stderr.slice(0, 500));
    assert.ok(m.peakMB <= MAX_REPO_MB, `peak ${m.peakMB.toFixed(0)} MB`);
    assert.ok(readFileSync(file).equals(readFileSync(join(dir, 'out.sarif'))));
  });

  it('prints the peaks', () => {
    console.log('\n| repository | peak MB |\n|---|---:|');
    for (const row of repoTable) console.log(row);
  });
});
