import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { UserError } from '../core/errors.js';
import { fsName } from '../core/fs-names.js';
import { readYamlFile, sortByPosition } from '../core/yaml-file.js';
import { CONFIG_SCHEMA, type LintConfig } from './schema.js';

export const CONFIG_NAMES = ['.mailharden.yaml', '.mailharden.yml'];

/** A configuration file read and validated, with its directory (ignore paths are relative to it). */
export interface LoadedConfig {
  path: string;
  dir: string;
  config: LintConfig;
}

/** Finds the nearest config from `dir` upwards, stopping at a repository root (`.git`) or `/`. */
export function findConfig(dir: string, cache: Map<string, string | null>): string | null {
  const hit = cache.get(dir);
  if (hit !== undefined) return hit;
  let found: string | null = null;
  for (const name of CONFIG_NAMES) {
    const p = join(dir, name);
    if (existsSync(fsName(p))) {
      found = p;
      break;
    }
  }
  if (!found) {
    const parent = dirname(dir);
    const atTop = parent === dir || existsSync(fsName(join(dir, '.git')));
    found = atTop ? null : findConfig(parent, cache);
  }
  cache.set(dir, found);
  return found;
}

/**
 * Reads and validates a configuration file. Every problem is reported at once as
 * `file:line:col: path: message`, and the whole load fails with exit code 2.
 */
export async function loadConfig(abs: string, knownRule: (name: string) => boolean, shown = abs): Promise<LoadedConfig> {
  const { data, errors, at } = await readYamlFile(abs, shown, CONFIG_SCHEMA);
  if (errors.length === 0) {
    const cfg = data as LintConfig;
    const check = (names: string[] | undefined, path: (i: number) => (string | number)[], atKey = false) =>
      names?.forEach((n, i) => {
        if (!n.includes('*') && !knownRule(n)) errors.push(`${at(path(i), atKey)}: ${path(i).join('/')}: unknown rule "${n}"`);
      });
    check(cfg.select, (i) => ['select', i]);
    check(cfg.ignore, (i) => ['ignore', i]);
    check(Object.keys(cfg.rules ?? {}), (i) => ['rules', Object.keys(cfg.rules!)[i]!], true);
    cfg.ignores?.forEach((ig, k) => check(ig.rules, (i) => ['ignores', k, 'rules', i]));
  }
  if (errors.length) throw UserError.lines(sortByPosition(errors));
  return { path: shown, dir: dirname(abs), config: data as LintConfig };
}

/** The config-relative path of a file, with forward slashes, for `ignores[].path` globs. */
export function pathForIgnores(configDir: string, file: string): string {
  return relative(configDir, file).split('\\').join('/');
}
