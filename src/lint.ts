import { lstatSync, readdirSync, realpathSync, statSync, type Stats } from 'node:fs';
import { readRegular } from './core/open-regular.js';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { findConfig, loadConfig, pathForIgnores, type LoadedConfig } from './config/load.js';
import { isIgnoredName, kindFromContent, kindFromName, kindFromNameOrHead } from './core/detect.js';
import { ruleNames, type FileIgnore, type LintOptions } from './core/engine.js';
import { lintTarget, type LintTarget } from './read-file.js';
import type { Profile } from './host/layout.js';
import { UserError } from './core/errors.js';
import { globToRegExp, ruleMatcher } from './core/glob.js';
import { DEFAULT_SETTINGS, today } from './core/lint-text.js';
import type { LintReport } from './core/report.js';
import type { AnyRule } from './core/rule.js';
import { FILE_KINDS, SEVERITIES, type FileKind, type Finding, type Severity } from './core/types.js';

export interface LintRequest {
  paths: string[];
  rules: readonly AnyRule[];
  type?: FileKind;
  /** An explicit config file, `false` for none, undefined to search from each file upwards. */
  config?: string | false;
  select?: string[];
  ignore?: string[];
  inlineSuppressions?: boolean;
  /** Base for the paths shown in findings (default: the current directory). */
  cwd?: string;
  /** Lint the system laid out under this directory (as '/') instead of paths. */
  root?: string;
  /** The system layout under --root; detected from the tree when absent. */
  profile?: Profile;
  /** A file given by name whose kind cannot be told is skipped (and listed) instead of an error (pre-commit passes such files). */
  skipUnknown?: boolean;
  /** Called after each file with the number done and the total (for a progress line). */
  onProgress?: (done: number, total: number) => void;
  version: string;
}

const SKIP_DIRS = new Set(['.git', 'node_modules', '.hg', '.svn']);

type Target = LintTarget;

/** Runs the lint job: find the files, read them, apply the configuration, run the rules. */
export async function lint(req: LintRequest): Promise<LintReport> {
  const cwd = req.cwd ?? process.cwd();
  const options = await optionFinder(req, cwd);
  const findings: Finding[] = [];
  // Not push(...spread): a file can have more findings than the call stack has room for arguments.
  const add = (list: readonly Finding[]): void => {
    for (const f of list) findings.push(f);
  };
  let files: number;
  const skipped: string[] = [];
  if (req.root !== undefined) {
    if (req.paths.length) throw new UserError('--root lints the system under its directory; give either --root or paths, not both');
    const { lintRoot } = await import('./host/run.js');
    files = await lintRoot(req.root, req.profile, req.type, cwd, options, add);
  } else {
    const targets = collect(req, cwd, skipped);
    let done = 0;
    for (const t of targets) {
      const opts = await options(t.abs);
      add(lintTarget(t, opts));
      req.onProgress?.(++done, targets.length);
    }
    files = targets.length;
  }
  return { tool: { name: 'mailharden', version: req.version }, findings, files, rules: req.rules.map((r) => r.meta), ...(skipped.length ? { skipped } : {}) };
}

/** The lint options for a file at an absolute path: its .mailharden.yaml, the flags, the ignores that match it. */
export type OptionFinder = (abs: string) => Promise<LintOptions>;

async function optionFinder(req: LintRequest, cwd: string): Promise<OptionFinder> {
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
    const ignores: FileIgnore[] = [];
    if (cfg) {
      const rel = pathForIgnores(cfg.dir, abs);
      for (const ig of c?.ignores ?? []) {
        if ((ig.until && ig.until < date) || !globToRegExp(normalizeIgnorePath(ig.path)).test(rel)) continue;
        ignores.push({ rules: ig.rules.map((r) => names.resolve(r)!), reason: ig.reason, source: cfg.path });
      }
    }
    return {
      rules: req.rules,
      enabled,
      severity,
      settings: {
        ...DEFAULT_SETTINGS,
        localOnly: c?.settings?.['local-only'] ?? DEFAULT_SETTINGS.localOnly,
        ...(c?.settings?.['smrsh-allow'] ? { smrshAllow: c.settings['smrsh-allow'] } : {}),
      },
      inlineSuppressions: req.inlineSuppressions ?? true,
      ignores,
      today: date,
    };
  };
}

/** `./etc/mail/` → `etc/mail/**`: a leading ./ means nothing, a trailing / means everything below. */
function normalizeIgnorePath(p: string): string {
  const q = p.replace(/^(\.\/)+/, '');
  return q.endsWith('/') ? `${q}**` : q;
}

/** A path as findings show it: relative to the working directory when inside it, else absolute. */
export function shownPath(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  return rel === '' || rel.startsWith(`..${sep}`) || rel === '..' ? abs : rel.split(sep).join('/');
}

/** Resolves the command-line paths into files with kinds; every unusable path is a one-line error. */
function collect(req: LintRequest, cwd: string, skipped: string[]): Target[] {
  const out: Target[] = [];
  const seen = new Set<string>();
  const show = (abs: string): string => shownPath(cwd, abs);
  for (const p of req.paths) {
    const abs = resolve(cwd, p);
    const st = statOrFail(abs, p);
    if (st.isDirectory()) {
      const before = out.length;
      walk(abs, new Set(), (file) => {
        // A file reached twice (Debian's /etc/mail/aliases is a link to ../aliases) is linted once.
        const key = realOrSelf(file);
        if (seen.has(key) || isIgnoredName(file)) return;
        let kind = req.type ?? kindFromNameOrHead(file, () => readHeadOrEmpty(file));
        // Other programs use .cf too (SpamAssassin's local.cf): in a walk, such a file must look like sendmail's.
        if (!req.type && kind === 'sendmail-cf' && !/(^|\/)(sendmail|submit)\.cf$/.test(file) && kindFromContent(readHeadOrEmpty(file)) !== 'sendmail-cf') kind = undefined;
        if (!kind) return;
        seen.add(key);
        out.push({ abs: file, shown: show(file), kind });
      });
      if (out.length === before) throw new UserError(`${p}: no mail configuration files found (names like sendmail.cf, sendmail.mc, aliases, access, tcp.smtp, control/rcpthosts)`);
    } else if (st.isFile()) {
      if (seen.has(realOrSelf(abs))) continue;
      seen.add(realOrSelf(abs));
      let head: string;
      try {
        head = req.type || kindFromName(abs) ? '' : readHead(abs);
      } catch (e) {
        throw new UserError(`${p}: cannot read: ${(e as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : ((e as NodeJS.ErrnoException).code ?? String(e))}`);
      }
      const kind = req.type ?? kindFromName(abs) ?? kindFromContent(head);
      if (!kind) {
        if (req.skipUnknown) {
          skipped.push(p);
          continue;
        }
        throw new UserError(`${p}: cannot tell what kind of file this is; name it with --type (${FILE_KINDS.join(', ')})`);
      }
      out.push({ abs, shown: show(abs), kind });
    } else {
      throw new UserError(`${p}: not a regular file or directory`);
    }
  }
  return out;
}

function statOrFail(abs: string, shown: string): Stats {
  try {
    return statSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`${shown}: no such file or directory`);
    if (code === 'ELOOP') throw new UserError(`${shown}: too many levels of symbolic links`);
    if (code === 'EACCES') throw new UserError(`${shown}: permission denied`);
    throw new UserError(`${shown}: cannot read: ${code ?? String(e)}`);
  }
}

/** Walks a directory; symlinked directories are not followed (no loops, no escaping the tree). */
function walk(dir: string, visited: Set<string>, visit: (file: string) => void): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    throw new UserError(`${dir}: cannot list directory: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (!SKIP_DIRS.has(e.name) && !visited.has(p)) {
        visited.add(p);
        walk(p, visited, visit);
      }
    } else if (e.isFile()) visit(p);
    else if (e.isSymbolicLink()) {
      try {
        if (statSync(p).isFile() && lstatSync(p).isSymbolicLink()) visit(p);
      } catch {
        // A dangling link names nothing to lint.
      }
    }
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/** readHead, or '' when the file cannot be read (the walk then skips it). */
function readHeadOrEmpty(abs: string): string {
  try {
    return readHead(abs);
  } catch {
    return '';
  }
}

/** The first 64 KiB of a file, for content detection. */
function readHead(abs: string): string {
  return readRegular(abs, { max: 64 * 1024 }).bytes.toString('utf8');
}

/** Parses a severity name (for --fail-on). */
export function parseFailOn(value: string): Severity | 'none' {
  if (value === 'none' || (SEVERITIES as readonly string[]).includes(value)) return value as Severity | 'none';
  throw new UserError(`--fail-on: expected one of ${[...SEVERITIES, 'none'].join(', ')}, got "${value}"`);
}
