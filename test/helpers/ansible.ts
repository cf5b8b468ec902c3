import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { tempDir } from './real.js';

/** This repository's Ansible collection (ANSIBLE_COLLECTIONS_PATH). */
export const COLLECTIONS = join(ROOT, 'ansible');

/** ansible-playbook and friends with this repository's collection, the test directory for temp files, no colour. */
export function ansible(cmd: string, args: string[], dir: string): { code: number; out: string } {
  const temp = tempDir('mh-ansible-tmp-');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ANSIBLE_COLLECTIONS_PATH: COLLECTIONS,
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_LOCAL_TEMP: temp,
    ANSIBLE_REMOTE_TEMP: temp,
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_DEPRECATION_WARNINGS: '0',
    // The package installs with npm: the tests run the CLI with this Node.js (first in PATH).
    PATH: `${join(process.execPath, '..')}:${process.env.PATH}`,
  };
  for (const k of Object.keys(env)) if (/^npm_/i.test(k) && !/^npm_config_(cache|userconfig|registry)$/i.test(k)) delete env[k];
  const r = spawnSync(cmd, args, { cwd: dir, env, encoding: 'utf8', timeout: 600_000, maxBuffer: 64 * 1024 * 1024 });
  return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** PLAY RECAP: each host's counters. */
export function recap(out: string): Record<string, Record<string, number>> {
  const hosts: Record<string, Record<string, number>> = {};
  for (const m of out.matchAll(/^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$/gm)) hosts[m[1]!] = Object.fromEntries([...m[2]!.matchAll(/(\w+)=(\d+)/g)].map((x) => [x[1]!, Number(x[2])]));
  return hosts;
}

/** The package tarball (npm pack of this repository) in `dir`: what the role installs. */
export function packTarball(dir: string): string {
  const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  assert.equal(pack.status, 0, pack.stderr);
  return join(dir, (JSON.parse(pack.stdout) as { filename: string }[])[0]!.filename);
}
