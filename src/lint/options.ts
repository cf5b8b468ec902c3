import { dirname, resolve } from 'node:path';
import { findConfig, loadConfig, pathForIgnores, type LoadedConfig } from '../config/load.js';
import { ruleNames, type FileIgnore, type LintOptions } from '../core/engine.js';
import { UserError } from '../core/errors.js';
import { globToRegExp, ruleMatcher } from '../core/glob.js';
import type { AnyRule } from '../core/rule.js';
import type { Severity } from '../core/types.js';
import { shownPath } from './shown-path.js';
import { DEFAULT_SETTINGS, today } from './text.js';

/** The fields of a lint request that the per-file options depend on (LintRequest has them). */
export interface OptionRequest {
  rules: readonly AnyRule[];
  /** An explicit config file, `false` for none, undefined to search from each file upwards. */
  config?: string | false;
  select?: string[];
  ignore?: string[];
  inlineSuppressions?: boolean;
}

/** The lint options for a file at an absolute path: its .mailharden.yaml, the flags, the ignores that match it. */
export type OptionFinder = (abs: string) => Promise<LintOptions>;

/** Checks the --select and --ignore names, loads an explicit config, and returns the per-file option lookup. */
export async function optionFinder(req: OptionRequest, cwd: string): Promise<OptionFinder> {
  const names = ruleNames(req.rules);
  const known = (n: string): boolean => names.resolve(n) !== undefined;
  // A typo in --select or --ignore must not quietly switch linting off (or leave a rule on).
  for (const [flag, list] of [['--select', req.select], ['--ignore', req.ignore]] as const) {
    for (const name of list ?? []) {
      const matches = name.includes('*') ? req.rules.some((r) => ruleMatcher([name])(r.meta.id, r.meta.slug)) : known(name);
      if (!matches) throw new UserError(`${flag}: no rule "${name}" (see \`mailharden rules\`)`);
    }
    if (list && list.length === 0) throw new UserError(`${flag}: names no rule`);
  }
  const configCache = new Map<string, string | null>();
  const loaded = new Map<string, LoadedConfig>();
  const explicit = typeof req.config === 'string' ? await loadConfig(resolve(cwd, req.config), known, req.config) : undefined;
  const date = today();
  const bases = new Map<object, Base>();
  return async (abs) => {
    let cfg = explicit;
    if (req.config === undefined) {
      const path = findConfig(dirname(abs), configCache);
      if (path) {
        cfg = loaded.get(path);
        if (!cfg) {
          cfg = await loadConfig(path, known, shownPath(cwd, path));
          loaded.set(path, cfg);
        }
      }
    }
    const base = baseOf(cfg);
    if (!base.ignores.length) return base.options;
    // The ignores of the configuration whose path pattern matches this file.
    const rel = pathForIgnores(cfg!.dir, abs);
    const ignores: FileIgnore[] = [];
    for (const { ig, pattern } of base.ignores) {
      if ((ig.until && ig.until < date) || !pattern.test(rel)) continue;
      ignores.push({ rules: ig.rules.map((r) => names.resolve(r)!), reason: ig.reason, source: cfg!.path });
    }
    return { ...base.options, ignores };
  };

  /**
   * What the options of every file under one configuration (or none) share, made once per configuration:
   * the enabled rules, the severities, the settings, and the ignores with their path patterns compiled.
   * Files without a matching ignore get the same options object, so that what is worked out per set of
   * enabled rules (the rules of a kind, their ids in the report) is worked out once.
   */
  function baseOf(cfg: LoadedConfig | undefined): Base {
    const key = cfg ?? NO_CONFIG;
    const known = bases.get(key);
    if (known) return known;
    const c = cfg?.config;
    const select = req.select ?? c?.select;
    const ignore = [...(req.ignore ?? []), ...(c?.ignore ?? [])];
    const selected = select ? ruleMatcher(select) : () => true;
    const ignored = ruleMatcher(ignore);
    const severity = new Map<string, Severity>();
    const off = new Set<string>();
    for (const [name, value] of Object.entries(c?.rules ?? {})) {
      const id = names.resolve(name)!;
      if (value === 'off') off.add(id);
      else severity.set(id, value as Severity);
    }
    const enabled = new Set(req.rules.filter((r) => selected(r.meta.id, r.meta.slug) && !ignored(r.meta.id, r.meta.slug) && !off.has(r.meta.id)).map((r) => r.meta.id));
    const base: Base = {
      options: {
        rules: req.rules,
        enabled,
        severity,
        settings: {
          ...DEFAULT_SETTINGS,
          localOnly: c?.settings?.['local-only'] ?? DEFAULT_SETTINGS.localOnly,
          ...(c?.settings?.['smrsh-allow'] ? { smrshAllow: c.settings['smrsh-allow'] } : {}),
        },
        inlineSuppressions: req.inlineSuppressions ?? true,
        ignores: [],
        today: date,
      },
      ignores: cfg ? (c?.ignores ?? []).map((ig) => ({ ig, pattern: globToRegExp(normalizeIgnorePath(ig.path)) })) : [],
    };
    bases.set(key, base);
    return base;
  }
}

/** The options shared by the files under one configuration, and its ignores with compiled patterns. */
interface Base {
  options: LintOptions;
  ignores: { ig: NonNullable<NonNullable<LoadedConfig['config']>['ignores']>[number]; pattern: RegExp }[];
}

/** The key of the files without a configuration. */
const NO_CONFIG = {};

/** `./etc/mail/` → `etc/mail/**`: a leading ./ means nothing, a trailing / means everything below. */
function normalizeIgnorePath(p: string): string {
  const q = p.replace(/^(\.\/)+/, '');
  return q.endsWith('/') ? `${q}**` : q;
}
