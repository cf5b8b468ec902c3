/**
 * `npm run bench`: start-up against bare node, throughput on large generated aliases and cf files, and
 * how time grows from 1× to 10× to 100× input, a 10,000-file repository and --root tree, apply --dry-run. Each case runs the built CLI as a child process; the median
 * wall time of several runs is reported with the peak RSS (from /usr/bin/time when present).
 * A benchmark, never a test: it prints figures and asserts nothing.
 */
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { KeyLog } from '../src/core/duplicates.js';
import { DEFAULT_SETTINGS } from '../src/lint/text.js';
import type { RuleContext } from '../src/core/rule.js';
import { SourceFile } from '../src/core/source.js';
import { aliasesCut, parseAliases } from '../src/parsers/aliases.js';
import { rules } from '../rules/index.js';
import { join } from 'node:path';
import { aliasLine, cfLine, generate } from './generate.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'mailharden.js');
const WORK = join(ROOT, '.bench');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const quick = process.argv.includes('--quick');

mkdirSync(WORK, { recursive: true });

interface Run {
  seconds: number;
  rssMB: number | undefined;
}

function time(args: string[]): Run {
  const cmd = TIME ? TIME : process.execPath;
  const full = TIME ? ['-f', '%e %M', process.execPath, ...args] : args;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, full, { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 26 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0 && r.status !== 1) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = TIME ? /(\d+)\s*$/.exec(r.stderr.trim()) : null;
  return { seconds, rssMB: m ? Number(m[1]) / 1024 : undefined };
}

function median(runs: Run[]): Run {
  const sorted = [...runs].sort((a, b) => a.seconds - b.seconds);
  const mid = sorted[Math.floor(sorted.length / 2)]!;
  return { seconds: mid.seconds, rssMB: Math.max(...runs.map((r) => r.rssMB ?? 0)) || undefined };
}

function measure(args: string[], n: number): Run {
  time(args); // warm the file cache
  return median(Array.from({ length: n }, () => time(args)));
}

const rows: string[][] = [];
const fmt = (x: number, d = 3) => x.toFixed(d);
const lintArgs = (file: string, type: string) => [CLI, 'lint', '--type', type, '--no-config', '--fail-on', 'none', '-f', 'compact', file];

// 1. Start-up: a small cf against `node -e 0`.
const small = join(ROOT, 'examples', 'etc', 'mail', 'sendmail.cf');
// As the installed `mailharden` command runs: the package's bin (a CommonJS launcher), not dist/mailharden.js.
const bin = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> }).bin.mailharden!);
const smallArgs = [bin, ...lintArgs(small, 'sendmail-cf').slice(1)];
// Interleaved, so that the load of a shared machine falls on both alike.
const bareRuns: Run[] = [];
const coldRuns: Run[] = [];
time(['-e', '0']);
time(smallArgs);
for (let i = 0; i < 21; i++) {
  bareRuns.push(time(['-e', '0']));
  coldRuns.push(time(smallArgs));
}
const bare = median(bareRuns);
const cold = median(coldRuns);
rows.push(['node -e 0', '-', fmt(bare.seconds), '-', fmt(bare.rssMB ?? 0, 0)]);
rows.push(['lint small cf', fmt(statSync(small).size / 1e6, 4), fmt(cold.seconds), '-', fmt(cold.rssMB ?? 0, 0)]);

// 2. Throughput and growth: aliases (100,000 entries) and cf (10,000 lines), at 1×, 10× and 100×.
const scales = quick ? [1, 10] : [1, 10, 100];
const results: Record<string, Run & { mb: number }> = {};
for (const [name, type, base, gen] of [
  ['aliases', 'aliases', 100_000, aliasLine],
  ['sendmail.cf', 'sendmail-cf', 10_000, cfLine],
] as const) {
  for (const s of scales) {
    const lines = Math.round(base * s);
    const file = generate(join(WORK, `${name}.${lines}`), lines, gen);
    const mb = statSync(file).size / 1e6;
    const r = measure(lintArgs(file, type), 3);
    results[`${name}@${s}`] = { ...r, mb };
    rows.push([`lint ${name} ${lines.toLocaleString('en')} ${type === 'aliases' ? 'entries' : 'lines'}`, fmt(mb, 1), fmt(r.seconds), fmt(mb / r.seconds, 1), fmt(r.rssMB ?? 0, 0)]);
  }
}

// 2b. A 1 GB aliases file of long lists (about 1 KB per entry), linted in parts: memory stays flat.
{
  const list = Array.from({ length: 38 }, (_, k) => `member${k}@lists.example.com`).join(', ');
  const entries = quick ? 100_000 : 1_000_000;
  const file = generate(join(WORK, `aliases.lists.${entries}`), entries, (i) => `${i % 1000 === 500 ? `list${i - 500}` : `list${i}`}: ${list}, owner${i}\n`);
  const mb = statSync(file).size / 1e6;
  const r = measure(lintArgs(file, 'aliases'), 3);
  rows.push([`lint aliases, ${entries.toLocaleString('en')} lists of 1 KB (in parts)`, fmt(mb, 1), fmt(r.seconds), fmt(mb / r.seconds, 1), fmt(r.rssMB ?? 0, 0)]);
}

// 2c. Memory per MB of input of typical files of each kind (the worst shapes, which set the size limits
// in parsers/documents.ts, are measured by test/bounds.test.ts).
const perKind: [string, string, string, number, (i: number) => string][] = [
  ['sendmail.cf', 'sendmail-cf', 'sendmail.cf', 8, cfLine],
  ['sendmail.mc', 'sendmail-mc', 'sendmail.mc', 8, (i) => (i % 3 ? `define(\`confX${i}', \`value${i}')dnl\n` : `dnl # comment ${i}\n`)],
  ['aliases (in parts of 1 MiB)', 'aliases', 'aliases', 7.5, aliasLine],
  ['access', 'access', 'access', 8, (i) => `Connect:10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\tREJECT\n`],
  ['tcp.smtp', 'tcp-rules', 'tcp.smtp', 8, (i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:allow,RELAYCLIENT=""\n`],
  ['control/rcpthosts', 'qmail-control', 'rcpthosts', 8, (i) => `host${i}.example.com\n`],
  ['qmail run script', 'qmail-run', 'run', 0.9, (i) => (i % 2 ? `exec tcpserver -v -R -x /etc/tcp.smtp.cdb -c ${i} 0 smtp qmail-smtpd 2>&1\n` : `# comment ${i}\n`)],
];
const ratios: string[] = [];
for (const [label, type, name, targetMB, gen] of perKind) {
  // Lines of about the same length as the first ones, enough for the target size.
  let sample = '';
  for (let i = 0; i < 1000; i++) sample += gen(i);
  const lines = Math.round((targetMB * 1e6) / (sample.length / 1000));
  const file = generate(join(WORK, `kind.${lines}.${name}`), lines, gen);
  const mb = statSync(file).size / 1e6;
  const r = measure(lintArgs(file, type), 1);
  ratios.push(`${label}: ${fmt(mb, 1)} MB → peak ${fmt(r.rssMB ?? 0, 0)} MB (${fmt((r.rssMB ?? 0) / mb, 0)} MB per MB), ${fmt(r.seconds, 2)} s`);
}

// 2c'. Where the time of the 1,000,000-entry aliases goes, in this process: each phase of each part
// timed, the rules called directly (no engine, no output), cold and then again with the code optimised.
const phases: string[] = [];
{
  const bytes = readFileSync(join(WORK, 'aliases.1000000'));
  const aliasRules = rules.filter((r) => r.meta.kinds.includes('aliases') && r.meta.phase !== 'post');
  for (const round of ['cold', 'warm']) {
    const ms: Record<string, number> = {};
    const add = (what: string, from: number) => (ms[what] = (ms[what] ?? 0) + performance.now() - from);
    const states = new Map<string, unknown>();
    let line = 1;
    const start = performance.now();
    for (let from = 0; from < bytes.length; ) {
      let to = Math.min(bytes.length, from + 8 * 1024 * 1024);
      if (to < bytes.length) to = from + Math.max(1, aliasesCut(bytes.subarray(from, to), 0));
      let t = performance.now();
      const text = bytes.toString('utf8', from, to);
      add('decode', t);
      t = performance.now();
      const file = new SourceFile('aliases', text, line);
      add('line index', t);
      t = performance.now();
      const doc = parseAliases(file);
      add('parse', t);
      t = performance.now();
      for (const e of doc.withDeliveries) void e.deliveries;
      add('targets', t);
      for (const rule of aliasRules) {
        t = performance.now();
        const ctx: RuleContext = {
          file,
          kind: 'aliases',
          settings: DEFAULT_SETTINGS,
          directiveProblems: [],
          suppressionUses: [],
          part: { first: from === 0, last: to === bytes.length, state: <T>(init: () => T): T => (states.has(rule.meta.id) ? states.get(rule.meta.id) : states.set(rule.meta.id, init()).get(rule.meta.id)) as T },
          report: () => {},
        };
        rule.check(doc as never, ctx);
        add(rule.meta.id, t);
      }
      line = file.lastLine + 1;
      from = to;
    }
    const total = performance.now() - start;
    const shown = Object.entries(ms).filter(([, v]) => v >= 5).map(([k, v]) => `${k} ${fmt(v, 0)}`);
    phases.push(`${round}: ${fmt(total, 0)} ms: ${shown.join(', ')}`);
  }
}

// 2d. The memory MH2006 keeps across the parts of a large aliases file: a log entry per definition.
const tableNames = quick ? 980_000 : 9_800_000;
const table = new KeyLog(3);
for (let n = 0; n < tableNames; ) {
  for (let i = 0; i < 200_000 && n < tableNames; i++, n++) {
    const id = table.add(`user${n}`);
    table.dataOf(id)[table.dataAt(id)] = n;
  }
}
const tableBytes = table.memory();
const sortStart = process.hrtime.bigint();
let repeats = 0;
table.repeats(() => repeats++);
const sortSeconds = Number(process.hrtime.bigint() - sortStart) / 1e9;
ratios.push(`name log (MH2006) for ${tableNames.toLocaleString('en')} names like user1234567: ${fmt(tableBytes / 1e6, 0)} MB, ${fmt(tableBytes / tableNames, 0)} bytes a name; finding the repeats (${repeats}) ${fmt(sortSeconds, 2)} s`);

// 3. A config repository of many hosts: hosts/hNNNN/etc/{mail/sendmail.cf,mail/sendmail.mc,mail/access,aliases}.
const example = (p: string) => readFileSync(join(ROOT, 'examples', 'etc', p), 'utf8');
const hostFiles: [string, string][] = [
  ['etc/mail/sendmail.cf', example('mail/sendmail.cf')],
  ['etc/mail/sendmail.mc', example('mail/sendmail.mc')],
  ['etc/mail/access', example('mail/access')],
  ['etc/aliases', example('aliases')],
];
const repoRuns: Record<number, Run> = {};
for (const files of quick ? [1_000, 4_000] : [1_000, 10_000]) {
  const dir = join(WORK, `repo.${files}`);
  if (!existsSync(dir)) {
    for (let h = 0; h < files / hostFiles.length; h++) {
      for (const [p, text] of hostFiles) {
        const full = join(dir, 'hosts', `h${String(h).padStart(5, '0')}`, p);
        mkdirSync(join(full, '..'), { recursive: true });
        writeFileSync(full, text);
      }
    }
  }
  const r = measure([CLI, 'lint', '--no-config', '--fail-on', 'none', '-f', 'compact', dir], 3);
  repoRuns[files] = r;
  rows.push([`lint a repo of ${files.toLocaleString('en')} files`, '-', fmt(r.seconds), '-', fmt(r.rssMB ?? 0, 0)]);
}

// 4. lint --root of a system tree with 10,000 files: /etc/passwd naming 9,996 users whose home
// directories each hold a .forward file (the host rules read every one), plus the mail files.
const rootTree = join(WORK, 'root.10000');
if (!existsSync(rootTree)) {
  const users = 10_000 - hostFiles.length;
  const passwd = ['root:x:0:0:root:/root:/bin/bash'];
  for (let u = 0; u < users; u++) {
    const home = join(rootTree, 'home', `u${u}`);
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, '.forward'), u % 100 === 7 ? `"|/usr/bin/procmail -f- u${u}"\n` : `u${u}@mail.example.com\n`);
    passwd.push(`u${u}:x:${10_000 + u}:100::/home/u${u}:/bin/sh`);
  }
  for (const [p, text] of hostFiles) {
    mkdirSync(join(rootTree, p, '..'), { recursive: true });
    writeFileSync(join(rootTree, p), text);
  }
  writeFileSync(join(rootTree, 'etc', 'passwd'), `${passwd.join('\n')}\n`);
}
const rootRun = measure([CLI, 'lint', '--root', rootTree, '--no-config', '--fail-on', 'none', '-f', 'compact'], 3);
rows.push(['lint --root of a 10,000-file tree', '-', fmt(rootRun.seconds), '-', fmt(rootRun.rssMB ?? 0, 0)]);

// 5. apply --dry-run of the example policy on the example tree (policy, templates, lint of every candidate, diffs).
const applyRun = measure([CLI, 'apply', join(ROOT, 'examples', 'policy.yaml'), '--root', join(ROOT, 'examples'), '--dry-run'], 7);
rows.push(['apply --dry-run of the example', '-', fmt(applyRun.seconds), '-', fmt(applyRun.rssMB ?? 0, 0)]);

const widths = [40, 10, 10, 10, 10];
const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' ');
console.log(`machine: ${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(line(['case', 'MB', 'median s', 'MB/s', 'peak MB']));
for (const r of rows) console.log(line(r));
console.log('');
console.log(`start-up: lint small cf / node -e 0 = ${fmt(cold.seconds / bare.seconds, 2)}× (target ≤ 1.5×)`);
for (const name of ['aliases', 'sendmail.cf']) {
  for (let i = 1; i < scales.length; i++) {
    const a = results[`${name}@${scales[i - 1]}`]!;
    const b = results[`${name}@${scales[i]}`]!;
    const growth = b.seconds / a.seconds / (b.mb / a.mb);
    console.log(`${name}: ${scales[i]!}× vs ${scales[i - 1]!}× input → ${fmt(b.seconds / a.seconds, 2)}× time (${fmt(growth, 2)} of linear; target ≤ 1.1), peak ${fmt(a.rssMB ?? 0, 0)} → ${fmt(b.rssMB ?? 0, 0)} MB`);
  }
}
console.log('aliases, 1,000,000 entries, in this process, by phase (targets: splitting the values that may deliver, first asked by MH2001):');
for (const p of phases) console.log(`  ${p}`);
console.log('memory per MB of input of typical files; the duplicate-name log:');
for (const r of ratios) console.log(`  ${r}`);
const [fewer, more] = Object.keys(repoRuns).map(Number);
console.log(`repo of files: ${more! / fewer!}× files → ${fmt(repoRuns[more!]!.seconds / repoRuns[fewer!]!.seconds, 2)}× time, peak memory ${fmt(repoRuns[fewer!]!.rssMB ?? 0, 0)} → ${fmt(repoRuns[more!]!.rssMB ?? 0, 0)} MB`);
writeFileSync(join(WORK, 'last.txt'), [...rows.map(line), ...phases, ...ratios].join('\n'));
