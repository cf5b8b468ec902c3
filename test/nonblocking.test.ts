import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CLI, ROOT } from './helpers/cli.js';
import { tempDir } from './helpers/real.js';

/**
 * No read blocks: a FIFO where mailharden reads a file (put there, or swapped in by a local user while
 * a run looks) is a finding or a one-line error, never a run that waits forever for a writer. Every
 * run here has a time limit, and a run that reaches it fails the test.
 */
const LIMIT_MS = 20_000;

function mkfifo(path: string): void {
  rmSync(path, { force: true });
  const r = spawnSync('mkfifo', [path]);
  assert.equal(r.status, 0, `mkfifo ${path}: ${r.stderr}`);
}

/** Runs the CLI with a time limit; `timedOut` when it had to be killed. */
function limited(args: string[]): { code: number | null; stdout: string; stderr: string; timedOut: boolean } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: LIMIT_MS, killSignal: 'SIGKILL', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined || r.signal !== null };
}

/** A tree like a small Debian system: the example's mail files, passwd and group naming a user with a .forward. */
function system(): string {
  const root = tempDir('mh-fifo-');
  cpSync(join(ROOT, 'examples', 'etc'), join(root, 'etc'), { recursive: true });
  writeFileSync(join(root, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nann:x:1000:1000::/home/ann:/bin/sh\n');
  writeFileSync(join(root, 'etc', 'group'), 'root:x:0:\nann:x:1000:\n');
  writeFileSync(join(root, 'etc', 'debian_version'), '12.0\n');
  mkdirSync(join(root, 'home', 'ann'), { recursive: true });
  writeFileSync(join(root, 'home', 'ann', '.forward'), 'ann@example.org\n');
  return root;
}

describe('a FIFO where a file is read: never a hang', () => {
  // Each place --root reads a file: accounts, layout detection, the mail files, a user's .forward.
  for (const place of ['etc/passwd', 'etc/group', 'etc/release', 'etc/os-release', 'etc/aliases', 'etc/mail/access', 'etc/mail/sendmail.cf', 'etc/mail/helpfile', 'home/ann/.forward']) {
    it(`lint --root with a FIFO at ROOT/${place}: the run ends`, () => {
      const root = system();
      if (place === 'etc/release') rmSync(join(root, 'etc', 'debian_version'));
      mkfifo(join(root, place));
      const r = limited(['lint', '--root', root, '--no-config', '-f', 'compact', '--fail-on', 'none']);
      assert.equal(r.timedOut, false, `lint --root hung on a FIFO at ${place}`);
      assert.equal(r.code, 0, r.stderr);
    });
  }

  it('a FIFO at ROOT/etc/passwd, read for the accounts, is an MH6000 finding', () => {
    const root = system();
    mkfifo(join(root, 'etc', 'passwd'));
    const r = limited(['lint', '--root', root, '--no-config', '-f', 'compact', '--fail-on', 'none', '--select', 'MH6000']);
    assert.equal(r.timedOut, false);
    assert.match(r.stdout, /passwd:1:1: medium: cannot read \/etc\/passwd: not a regular file \(a FIFO\) \[MH6000\]/);
  });

  it('a .mailharden.yaml that is a FIFO: one line, exit 2', () => {
    const dir = tempDir('mh-fifo-config-');
    writeFileSync(join(dir, 'aliases'), 'postmaster: root\n');
    mkfifo(join(dir, '.mailharden.yaml'));
    const r = limited(['lint', join(dir, 'aliases')]);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 2);
    assert.match(r.stderr.trim(), /^mailharden: .*\.mailharden\.yaml: not a regular file$/);
  });
});

/**
 * A local user swaps a file mailharden reads between a regular file and a FIFO (rename over it, so the
 * name always exists) while runs start one after the other: every run ends. On the code before the
 * fix, runs that met the FIFO after their stat waited for a writer until killed.
 */
describe('a file swapped with a FIFO during runs: every run ends', () => {
  const RUNS = Number(process.env.MH_SWAP_RUNS ?? 20);

  /** Starts a shell loop that renames a regular file and a FIFO over `target` in turn; returns its stop. */
  function swapper(target: string, text: string): () => void {
    // The loop's own files live elsewhere (same file system, so mv renames): a walk of target's directory sees only target.
    const dir = tempDir('mh-swap-');
    const script = `
      printf '%s' "$TEXT" > "$DIR/.swap-file"
      while :; do
        cp "$DIR/.swap-file" "$DIR/.swap-new" && mv -f "$DIR/.swap-new" "$TARGET"
        mkfifo "$DIR/.swap-fifo" 2>/dev/null && mv -f "$DIR/.swap-fifo" "$TARGET"
      done`;
    const child = spawn('sh', ['-c', script], { env: { ...process.env, DIR: dir, TARGET: target, TEXT: text }, stdio: 'ignore' });
    return () => {
      child.kill('SIGKILL');
    };
  }

  const cases: { name: string; setup: () => { target: string; args: string[] } }[] = [
    {
      name: "lint --root while ~/.forward is swapped",
      setup: () => {
        const root = system();
        return { target: join(root, 'home', 'ann', '.forward'), args: ['lint', '--root', root, '--no-config', '-f', 'compact', '--fail-on', 'none'] };
      },
    },
    {
      name: 'lint --root while /etc/passwd is swapped',
      setup: () => {
        const root = system();
        return { target: join(root, 'etc', 'passwd'), args: ['lint', '--root', root, '--no-config', '-f', 'compact', '--fail-on', 'none'] };
      },
    },
    {
      name: 'lint of a directory while its aliases file is swapped',
      setup: () => {
        const dir = tempDir('mh-swap-dir-');
        writeFileSync(join(dir, 'aliases'), 'postmaster: root\n');
        return { target: join(dir, 'aliases'), args: ['lint', '--no-config', '-f', 'compact', '--fail-on', 'none', dir] };
      },
    },
    {
      name: 'apply --dry-run --root while the access file is swapped',
      setup: () => {
        const root = system();
        return { target: join(root, 'etc', 'mail', 'access'), args: ['apply', join(ROOT, 'examples', 'policy.yaml'), '--root', root, '--dry-run'] };
      },
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      const { target, args } = c.setup();
      const text = readFileSync(target, 'utf8');
      const stop = swapper(target, text);
      const hung: number[] = [];
      try {
        // Let the loop start before the first run.
        await new Promise((r) => setTimeout(r, 200));
        for (let k = 0; k < RUNS; k++) {
          const r = limited(args);
          if (r.timedOut) hung.push(k);
          else assert.ok(r.code !== null && r.code <= 3, `run ${k}: exit ${r.code}: ${r.stderr}`);
        }
      } finally {
        stop();
      }
      assert.deepEqual(hung, [], `${hung.length} of ${RUNS} runs hung`);
    });
  }
});
