/**
 * Timing for the benchmarks that compare runs (bench/real.ts, bench/kinds.ts): a command under GNU time,
 * runs alternating between commands, and the tables written into docs/performance.md between markers.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

export interface Timed {
  seconds: number;
  cpu: number;
  rssMB: number;
}

/**
 * Runs a command under GNU time; `input` is a file given as its standard input. Any exit status is
 * accepted from a real program (`sendmail -bC` exits 78 on the generated cf, whose errors it lists
 * after reading all of it); mailharden must exit 0 or 1.
 */
export function timeCmd(cmd: string, args: string[], input?: string): Timed {
  const limit = cmd === process.execPath ? [] : ['timeout', '-s', 'KILL', String(LIMIT)];
  const full = TIME ? ['-f', '%e %M %U %S', ...limit, cmd, ...args] : [...limit, cmd, ...args];
  const t0 = process.hrtime.bigint();
  const fd = input ? openSync(input, 'r') : undefined;
  const r = spawnSync(TIME ?? (limit.length ? 'timeout' : cmd), TIME ? full : full.slice(limit.length ? 1 : 0), { stdio: [fd ?? 'ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  if (fd !== undefined) closeSync(fd);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  // timeout(1) ends a program that runs past LIMIT: shown as "> LIMIT s".
  if (limit.length && r.status === 137) return { seconds: Infinity, cpu: Infinity, rssMB: 0 };
  if (r.status === null || (cmd === process.execPath && r.status !== 0 && r.status !== 1)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.slice(-500)}`);
  const m = /(\d+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr.trim());
  return { seconds, rssMB: m ? Number(m[1]) / 1024 : 0, cpu: m ? Number(m[2]) + Number(m[3]) : 0 };
}

/** The longest a real program may run once (sendmail -bC grows worse than linearly: minutes for 1,000,000 cf lines). */
export const LIMIT = 120;

export const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Alternating runs of several commands; per command the median wall and CPU time and the highest peak. */
export function alternate(cmds: (() => Timed)[], n: number): Timed[] {
  const runs: Timed[][] = cmds.map(() => []);
  if (n > 1) for (const c of cmds) c(); // warm the file cache (the single run at 1,000,000 lines follows the file's generation)
  for (let i = 0; i < n; i++) cmds.forEach((c, k) => runs[k]!.push(c()));
  return runs.map((rs) => ({ seconds: med(rs.map((r) => r.seconds)), cpu: med(rs.map((r) => r.cpu)), rssMB: Math.max(...rs.map((r) => r.rssMB)) }));
}


/** Replaces the text between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in docs/performance.md with a table. */
export function writeMarked(name: string, head: string[], rows: string[][], numericFrom = 2): void {
  const doc = join(ROOT, 'docs', 'performance.md');
  const begin = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const text = readFileSync(doc, 'utf8');
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a < 0 || b < a) return;
  const table = [
    `Printed by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)} (${cpus()[0]?.model ?? 'unknown'} × ${cpus().length}, node ${process.version}).`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map((_, i) => (i < numericFrom ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  writeFileSync(doc, `${text.slice(0, a + begin.length)}\n${table}\n${text.slice(b)}`);
}
