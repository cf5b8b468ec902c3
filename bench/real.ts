/**
 * `npm run bench` (after bench/run.ts), or alone with `npm run build && node dist/bench/real.js`:
 * mailharden against the real programs on the same generated files at 10,000, 100,000 and 1,000,000
 * lines (`--quick`: the first two), printed, and written into docs/performance.md between its markers.
 * A benchmark, never a test: it asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { aliasLine, cfLine, generate, tcpLine } from './generate.js';
import { alternate, LIMIT, type Timed, timeCmd, writeMarked } from './timing.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'mailharden.js');
const WORK = join(ROOT, '.bench');
const quick = process.argv.includes('--quick');
const fmt = (x: number, d = 3) => x.toFixed(d);
const lintArgs = (file: string, type: string) => [CLI, 'lint', '--type', type, '--no-config', '--fail-on', 'none', '-f', 'compact', file];
mkdirSync(WORK, { recursive: true });

// 6. Against the real programs, on the same generated files at 10,000, 100,000 and 1,000,000 lines:
// sendmail -bC (the cf), newaliases and praliases (aliases), tcprules and tcprulescheck (tcp.smtp).
// Runs alternate between mailharden and the program (medians of 3; 1 at 1,000,000 lines), and the CPU
// time (user + system) is given next to the wall time: the machine is shared, and a process that waits
// for a core shows it in its wall time only.
const SENDMAIL = '/usr/sbin/sendmail';
const have = (p: string) => existsSync(p);
const realRows: string[][] = [];
const realHead = ['file', 'lines', 'MB', 'mailharden', 's (CPU s)', 'MB/s', 'peak MB', 'real program', 's (CPU s)', 'peak MB', 'ratio'];
const cell = (r: Timed) => (Number.isFinite(r.seconds) ? `${fmt(r.seconds, 2)} (${fmt(r.cpu, 2)})` : `> ${LIMIT} s`);
for (const lines of quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000]) {
  const n = lines >= 1_000_000 ? 1 : 3;
  const dir = join(WORK, `real.${lines}`);
  mkdirSync(dir, { recursive: true });
  const add = (name: string, mb: number, mine: string, ours: Timed, prog: string, theirs: Timed) =>
    realRows.push([name, lines.toLocaleString('en'), fmt(mb, 1), mine, cell(ours), fmt(mb / ours.seconds, 1), fmt(ours.rssMB, 0), prog, cell(theirs), fmt(theirs.rssMB, 0), Number.isFinite(theirs.seconds) ? `${fmt(ours.seconds / theirs.seconds, 2)}×` : `< ${fmt(ours.seconds / LIMIT, 3)}×`]);
  // sendmail.cf: sendmail -bC reads and checks the configuration file.
  if (have(SENDMAIL)) {
    const cf = generate(join(dir, 'sendmail.cf'), lines, cfLine);
    const [ours, theirs] = alternate([() => timeCmd(process.execPath, lintArgs(cf, 'sendmail-cf')), () => timeCmd(SENDMAIL, ['-C', cf, '-bC'])], n);
    add('sendmail.cf', statSync(cf).size / 1e6, 'lint', ours!, 'sendmail -bC', theirs!);
  }
  // aliases: newaliases (sendmail -bi on this file) builds the .db, praliases prints it back.
  if (have(SENDMAIL) && have('/usr/sbin/praliases')) {
    const al = generate(join(dir, 'aliases'), lines, aliasLine);
    const build = () => timeCmd(SENDMAIL, ['-bi', `-oA${al}`]);
    const [ours, theirs] = alternate([() => timeCmd(process.execPath, lintArgs(al, 'aliases')), build], n);
    add('aliases', statSync(al).size / 1e6, 'lint', ours!, 'newaliases', theirs!);
    // praliases reads the .db only when newaliases finished writing it.
    if (Number.isFinite(theirs!.seconds)) {
      // praliases runs with the rights sendmail gives it: the .db newaliases wrote is 0640 smmta.
      spawnSync('chmod', ['644', `${al}.db`]);
      const [ours2, pr] = alternate([() => timeCmd(process.execPath, lintArgs(al, 'aliases')), () => timeCmd('/usr/sbin/praliases', ['-f', al])], n);
      add('aliases', statSync(al).size / 1e6, 'lint', ours2!, 'praliases', pr!);
    }
  }
  // tcp.smtp: tcprules compiles it; explain of one address against tcprules + tcprulescheck of it.
  if (have('/usr/bin/tcprules') && have('/usr/bin/tcprulescheck')) {
    const tcp = generate(join(dir, 'tcp.smtp'), lines, tcpLine);
    const cdb = join(dir, 'tcp.cdb');
    const compile = () => timeCmd('/usr/bin/tcprules', [cdb, join(dir, 'tcp.tmp')], tcp);
    const [ours, theirs] = alternate([() => timeCmd(process.execPath, lintArgs(tcp, 'tcp-rules')), compile], n);
    const mb = statSync(tcp).size / 1e6;
    add('tcp.smtp', mb, 'lint', ours!, 'tcprules', theirs!);
    const last = lines - 1;
    const ip = `10.${(last >> 16) & 255}.${(last >> 8) & 255}.${last & 255}`;
    const both = (): Timed => {
      const a = compile();
      const b = timeCmd('/usr/bin/env', [`TCPREMOTEIP=${ip}`, '/usr/bin/tcprulescheck', cdb]);
      return { seconds: a.seconds + b.seconds, cpu: a.cpu + b.cpu, rssMB: Math.max(a.rssMB, b.rssMB) };
    };
    const [ex, real] = alternate([() => timeCmd(process.execPath, [CLI, 'tcprules', 'explain', tcp, ip]), both], n);
    add('tcp.smtp', mb, `tcprules explain ${ip}`, ex!, 'tcprules + tcprulescheck', real!);
  }
}

console.log('against the real programs (wall seconds, CPU seconds in parentheses; ratio of wall times):');
console.log(realHead.join(' | '));
for (const r of realRows) console.log(r.join(' | '));
// docs/performance.md carries this table between its markers; the figures are measured, so no check compares them.
if (!quick) writeMarked('real-programs', realHead, realRows);
