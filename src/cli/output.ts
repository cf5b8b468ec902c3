import { writeFileSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import type { LintReport } from '../core/report.js';

export const FORMATS = ['text', 'compact', 'json', 'sarif', 'github'] as const;
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

/** Whether to colour text output: --color, then FORCE_COLOR / NO_COLOR (no-color.org), then a TTY that is not dumb. */
export function useColor(mode: string, isTTY: boolean, env: NodeJS.ProcessEnv): boolean {
  if (mode === 'always') return true;
  if (mode === 'never') return false;
  if (mode !== 'auto') throw new UserError(`--color: expected auto, always or never, got "${mode}"`);
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false') return true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY && env.TERM !== 'dumb';
}

/** Renders the report in each requested format, to stdout or to its file; writes the GitHub step summary when asked. */
export async function emit(report: LintReport, specs: OutputSpec[], color: boolean, env: NodeJS.ProcessEnv, stdout: (s: string) => void): Promise<void> {
  for (const spec of specs) {
    let text: string;
    switch (spec.format) {
      case 'text':
        text = (await import('../formatters/text.js')).formatText(report, { color: color && !spec.file });
        break;
      case 'compact':
        text = (await import('../formatters/compact.js')).formatCompact(report);
        break;
      case 'json':
        text = (await import('../formatters/json.js')).formatJson(report);
        break;
      case 'sarif':
        text = (await import('../formatters/sarif.js')).formatSarif(report);
        break;
      case 'github': {
        const gh = await import('../formatters/github.js');
        text = gh.formatGithub(report);
        if (env.GITHUB_STEP_SUMMARY) writeFileSync(env.GITHUB_STEP_SUMMARY, gh.githubStepSummary(report), { flag: 'a' });
        break;
      }
    }
    if (spec.file) {
      try {
        writeFileSync(spec.file, text);
      } catch (e) {
        throw new UserError(`${spec.file}: cannot write ${spec.format} output: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, 3);
      }
    } else stdout(text);
  }
}
