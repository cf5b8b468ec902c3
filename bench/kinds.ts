/**
 * `npm run bench` (after bench/run.ts), or alone with `npm run build && node dist/bench/kinds.js`:
 * every kind of file at 0.4, 4 and 40 MB of a realistic mix (bench/generate.ts), linted end to end
 * (start-up included) by the CLI: wall and CPU seconds, MB/s, peak memory and its ratio to the input,
 * and how time per MB grows from one size to the next; tcp.smtp also against `tcprules` compiling
 * the same file. The targets are printed beside the figures (issue 22: 50 MB/s at 40 MB,
 * peak at most 8× the input, growth at most 1.1× per step, tcp.smtp within 2× of tcprules).
 * `--quick`: 0.4 and 4 MB. A benchmark, never a test: it asserts nothing.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { accessLine, aliasLine, cfLine, controlLine, generate, mcLine, runLine, tcpMixLine } from './generate.js';
import { alternate, type Timed, timeCmd, writeMarked } from './timing.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'mailharden.js');
const WORK = join(ROOT, '.bench');
const quick = process.argv.includes('--quick');
const fmt = (x: number, d = 3) => x.toFixed(d);
mkdirSync(WORK, { recursive: true });

const kinds: [label: string, type: string, name: string, line: (i: number) => string][] = [
  ['sendmail.cf', 'sendmail-cf', 'sendmail.cf', cfLine],
  ['sendmail.mc', 'sendmail-mc', 'sendmail.mc', mcLine],
  ['aliases', 'aliases', 'aliases', aliasLine],
  ['access', 'access', 'access', accessLine],
  ['tcp.smtp', 'tcp-rules', 'tcp.smtp', tcpMixLine],
  ['control/rcpthosts', 'qmail-control', 'rcpthosts', controlLine],
  ['qmail run script', 'qmail-run', 'run', runLine],
];
const sizes = quick ? [0.4, 4] : [0.4, 4, 40];
const head = ['kind', 'MB', 's (CPU s)', 'MB/s', 'peak MB', 'peak / input', 'time per MB vs the size before', 'target'];
const rows: string[][] = [];

/** Lines of about the same length as the generator's first thousand, enough for `mb` megabytes. */
function linesFor(line: (i: number) => string, mb: number): number {
  let sample = 0;
  for (let i = 0; i < 1000; i++) sample += line(i).length;
  return Math.round((mb * 1e6) / (sample / 1000));
}

for (const [label, type, name, line] of kinds) {
  let before: { mb: number; cpu: number } | undefined;
  for (const size of sizes) {
    const file = generate(join(WORK, `kinds.${size}.${name}`), linesFor(line, size), line);
    const mb = statSync(file).size / 1e6;
    let run: Timed;
    try {
      [run] = alternate([() => timeCmd(process.execPath, [CLI, 'lint', '--type', type, '--no-config', '--fail-on', 'none', '-f', 'compact', file])], size >= 40 ? 3 : 5) as [Timed];
    } catch (e) {
      // A kind whose size limit is below the file: the CLI refuses it in one line (exit 2).
      rows.push([label, fmt(mb, 1), 'refused', '–', '–', '–', '–', (/mailharden: .*/.exec((e as Error).message)?.[0] ?? 'refused').slice(0, 160)]);
      before = undefined;
      continue;
    }
    // Time per MB from CPU seconds (the wall time of a shared machine includes waiting for a core).
    const growth = before ? run.cpu / mb / (before.cpu / before.mb) : undefined;
    const ratio = run.rssMB / mb;
    const met = size >= 40 ? `${mb / run.seconds >= 50 ? 'met' : 'not met'} (50 MB/s), ${ratio <= 8 ? 'met' : 'not met'} (8×)` : '';
    rows.push([label, fmt(mb, 1), `${fmt(run.seconds, 2)} (${fmt(run.cpu, 2)})`, fmt(mb / run.seconds, 1), fmt(run.rssMB, 0), `${fmt(ratio, 1)}×`, growth === undefined ? '' : `${fmt(growth, 2)}×`, met]);
    before = { mb, cpu: run.cpu };
  }
}

// tcp.smtp against tcprules compiling the same 40 MB file (alternating runs).
const tcprules = '/usr/bin/tcprules';
if (existsSync(tcprules)) {
  const size = sizes[sizes.length - 1]!;
  const file = join(WORK, `kinds.${size}.tcp.smtp`);
  const [ours, theirs] = alternate(
    [() => timeCmd(process.execPath, [CLI, 'lint', '--type', 'tcp-rules', '--no-config', '--fail-on', 'none', '-f', 'compact', file]), () => timeCmd(tcprules, [join(WORK, 'kinds.tcp.cdb'), join(WORK, 'kinds.tcp.tmp')], file)],
    3,
  );
  const wall = ours!.seconds / theirs!.seconds;
  const cpu = ours!.cpu / theirs!.cpu;
  rows.push(['tcp.smtp vs tcprules', fmt(statSync(file).size / 1e6, 1), `${fmt(theirs!.seconds, 2)} (${fmt(theirs!.cpu, 2)}) tcprules`, '', fmt(theirs!.rssMB, 0), '', '', `${fmt(wall, 2)}× wall: ${wall <= 2 ? 'met' : 'not met'}; ${fmt(cpu, 2)}× CPU: ${cpu <= 2 ? 'met' : 'not met'} (2×)`]);
}

console.log('every kind end to end (wall seconds, CPU seconds in parentheses):');
console.log(head.join(' | '));
for (const r of rows) console.log(r.join(' | '));
if (!quick) writeMarked('kinds', head, rows, 1);
