import { closeSync, existsSync, openSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import type { LintReport } from '../core/report.js';
import { writeAll } from '../apply/write.js';
import { writeOutputWith } from '../write-file.js';
import { Sink } from '../formatters/sink.js';
import { isUri } from '../formatters/location.js';

export const FORMATS = ['text', 'compact', 'json', 'sarif', 'github', 'junit', 'codeclimate', 'xccdf', 'html'] as const;
export type FormatName = (typeof FORMATS)[number];

/** `-f FORMAT` or `-f FORMAT=FILE`. */
export interface OutputSpec {
  format: FormatName;
  file?: string;
}

export function parseFormatSpec(spec: string): OutputSpec {
  const eq = spec.indexOf('=');
  const name = eq >= 0 ? spec.slice(0, eq) : spec;
  if (!(FORMATS as readonly string[]).includes(name)) throw new UserError(`--format: unknown format "${name}" (choose from ${FORMATS.join(', ')})`);
  const file = eq >= 0 ? spec.slice(eq + 1) : undefined;
  if (file === '') throw new UserError(`--format ${name}=: missing file name`);
  return file ? { format: name as FormatName, file } : { format: name as FormatName };
}

/**
 * Whether to colour text output: --color, then FORCE_COLOR / NO_COLOR (no-color.org), then a TTY that is
 * not dumb. `isTTY` may be a function, asked last (it makes process.stdout: src/cli/stdout.ts).
 */
export function useColor(mode: string, isTTY: boolean | (() => boolean), env: NodeJS.ProcessEnv): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (mode !== 'auto') throw new UserError(`--color: expected auto, always or never, got "${mode}"`);
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return env.TERM !== 'dumb' && (typeof isTTY === 'function' ? isTTY() : isTTY);
}

/**
 * The report with paths relative to the repository that holds the working directory (the nearest
 * directory above with `.git`): code scanning and annotations place findings by repository path,
 * whatever directory the command ran in. Outside a repository the paths stay as they are.
 */
export function repoRelative(report: LintReport, cwd: string): LintReport {
  let top: string | undefined;
  for (let dir = cwd; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git'))) {
      top = dir;
      break;
    }
    if (dirname(dir) === dir) break;
  }
  if (top === undefined || top === cwd) return report;
  const base = top;
  const fix = (file: string): string => {
    // A live probe names the server (`smtp://host:port`), not a path.
    if (isUri(file)) return file;
    const rel = relative(base, resolve(cwd, file));
    return rel.startsWith('..') || isAbsolute(rel) ? file : rel.split(sep).join('/');
  };
  return { ...report, findings: report.findings.map((f) => ({ ...f, file: fix(f.file) })), ...(report.checked ? { checked: report.checked.map((c) => ({ ...c, file: fix(c.file) })) } : {}) };
}

/**
 * Renders the report in each requested format, to stdout or to its file; writes the GitHub step summary
 * when asked. Each formatter writes into a sink whose batches (about 64 KiB) go to the output as they
 * come, so no string holds a whole report.
 */
export async function emit(report: LintReport, specs: OutputSpec[], color: boolean, env: NodeJS.ProcessEnv, stdout: (s: string) => void): Promise<void> {
  let summary: { path: string; render: (out: Sink) => void } | undefined;
  for (const spec of specs) {
    let render: (out: Sink) => void;
    switch (spec.format) {
      case 'text': {
        const { writeText } = await import('../formatters/text.js');
        render = (out) => writeText(report, { color: color && !spec.file }, out);
        break;
      }
      case 'compact': {
        const { writeCompact } = await import('../formatters/compact.js');
        render = (out) => writeCompact(report, out);
        break;
      }
      case 'json': {
        const { writeJson } = await import('../formatters/json.js');
        render = (out) => writeJson(report, out);
        break;
      }
      case 'sarif': {
        const { writeSarif } = await import('../formatters/sarif.js');
        render = (out) => writeSarif(repoRelative(report, process.cwd()), out);
        break;
      }
      case 'junit': {
        const { writeJunit } = await import('../formatters/junit.js');
        render = (out) => writeJunit(repoRelative(report, process.cwd()), out);
        break;
      }
      case 'codeclimate': {
        const { writeCodeclimate } = await import('../formatters/codeclimate.js');
        render = (out) => writeCodeclimate(repoRelative(report, process.cwd()), out);
        break;
      }
      case 'xccdf': {
        const { writeXccdf } = await import('../formatters/xccdf.js');
        const target = report.target ?? hostname();
        render = (out) => writeXccdf(report.rules, report.tool.version, out, { report, run: { target, endTime: new Date().toISOString() } });
        break;
      }
      case 'html': {
        const { writeHtml } = await import('../formatters/html.js');
        render = (out) => writeHtml(repoRelative(report, process.cwd()), { generated: new Date().toISOString().replace(/\.\d+Z$/, 'Z') }, out);
        break;
      }
      case 'github': {
        const gh = await import('../formatters/github.js');
        render = (out) => gh.writeGithub(repoRelative(report, process.cwd()), out);
        summary = env.GITHUB_STEP_SUMMARY ? { path: env.GITHUB_STEP_SUMMARY, render: (out) => gh.writeGithubStepSummary(report, out) } : undefined;
        break;
      }
    }
    if (spec.file) {
      // Replaced through a temp file and a rename, never written through a link there.
      try {
        writeOutputWith(spec.file, (write) => renderTo(render, write));
      } catch (e) {
        if (e instanceof UserError) throw e;
        throw new UserError(`${spec.file}: cannot write ${spec.format} output: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.runtime);
      }
    } else renderTo(render, stdout);
  }
  // The annotations are out first; a step summary that cannot be written is then a runtime error.
  if (summary) {
    let fd: number | undefined;
    try {
      fd = openSync(summary.path, 'a');
      const to = fd;
      renderTo(summary.render, (piece) => writeAll(to, Buffer.from(piece, 'utf8')));
    } catch (e) {
      throw new UserError(`${summary.path}: cannot write the GitHub step summary: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.runtime);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  }
}

/** Runs a formatter into a sink whose batches go to `write`. */
function renderTo(render: (out: Sink) => void, write: (piece: string) => void): void {
  const sink = new Sink(write);
  render(sink);
  sink.flush();
}
