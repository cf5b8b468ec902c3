import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/real.js';

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/** Runs the CLI under GNU time when there is one: exit code, stderr and peak memory in MB. */
function measured(args: string[]): { code: number; stderr: string; stdout: string; seconds: number; peakMB?: number } {
  const start = performance.now();
  const r = TIME
    ? spawnSync(TIME, ['-f', '%M', process.execPath, CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } })
    : spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28, env: { ...process.env, NO_COLOR: '1' } });
  const seconds = (performance.now() - start) / 1000;
  let stderr = r.stderr;
  let peakMB: number | undefined;
  if (TIME) {
    const lines = stderr.trimEnd().split('\n');
    peakMB = Number(lines.pop()) / 1024;
    stderr = lines.filter((l) => !/^Command exited with non-zero status/.test(l)).join('\n');
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr, seconds, ...(peakMB !== undefined ? { peakMB } : {}) };
}

describe('lint on hostile files: a clear result or one line, bounded memory, the designed exit code', () => {
  it('a 1 GB file: refused by its size before reading, in one line, exit 2', () => {
    const file = join(tempDir('mh-big-'), 'sendmail.cf');
    writeFileSync(file, '');
    truncateSync(file, 1024 ** 3);
    const r = measured(['lint', file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^mailharden: .*sendmail\.cf: file is larger than 500 MiB; refusing to read it$/);
    assert.ok(r.seconds < 5, `${r.seconds} s`);
    if (r.peakMB !== undefined) assert.ok(r.peakMB < 150, `${r.peakMB} MB`);
  });

  it('/dev/zero, as a path and with --type: one line, exit 2', () => {
    for (const args of [['lint', '/dev/zero'], ['lint', '--type', 'sendmail-cf', '/dev/zero']]) {
      const r = measured(args);
      assert.equal(r.code, 2);
      assert.equal(r.stderr.trim(), 'mailharden: /dev/zero: not a regular file or directory');
      if (r.peakMB !== undefined) assert.ok(r.peakMB < 150, `${r.peakMB} MB`);
    }
  });

  it('a directory of 10,000 files: every file linted, memory bounded', { skip: process.env.MH_FUZZ === 'long' ? false : 'runs with npm run fuzz' }, () => {
    const dir = tempDir('mh-many-');
    const files = ['etc/mail/sendmail.cf', 'etc/mail/sendmail.mc', 'etc/mail/access', 'etc/aliases'].map((p) => [p, readFileSync(join(ROOT, 'examples', p), 'utf8')] as const);
    for (let h = 0; h < 2500; h++) {
      for (const [p, text] of files) {
        const full = join(dir, `h${h}`, p);
        mkdirSync(join(full, '..'), { recursive: true });
        writeFileSync(full, text);
      }
    }
    const r = measured(['lint', '-f', 'json', '--fail-on', 'none', '--no-config', dir]);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { summary: { files: number } };
    assert.equal(report.summary.files, 10_000);
    if (r.peakMB !== undefined) assert.ok(r.peakMB < 600, `${r.peakMB} MB`);
  });
});
