import { fileURLToPath } from 'node:url';
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
/** The shipped bin (the bundle), so the tests exercise what users run. */
export const CLI = join(ROOT, 'dist', 'mailharden.js');

/** Runs the built CLI; returns exit code, stdout and stderr. */
export function run(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; uid?: number } = {}): { code: number; stdout: string; stderr: string } {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, GITHUB_ACTIONS: undefined, GITHUB_STEP_SUMMARY: undefined, ...opts.env };
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env, input: opts.input ?? '', encoding: 'utf8', timeout: 60_000, ...(opts.uid !== undefined ? { uid: opts.uid, gid: opts.uid } : {}) });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the built CLI without blocking the event loop (for tests that serve something in this process). */
export function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string; ms: number }> {
  const start = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - start }));
  });
}
