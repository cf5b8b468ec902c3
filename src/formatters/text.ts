import { docUrl, summarize, type LintReport } from '../core/report.js';
import type { Finding, Severity } from '../core/types.js';
import { visibleControls } from '../core/visible.js';
import { locationText } from './location.js';
import { collect, Sink } from './sink.js';

export interface TextOptions {
  color: boolean;
}

const COLORS: Record<Severity, string> = { critical: '\x1b[1;35m', high: '\x1b[1;31m', medium: '\x1b[33m', low: '\x1b[36m', info: '\x1b[2m' };
const RESET = '\x1b[0m';
const BOLD = '\x1b[1m';
const DIM = '\x1b[2m';

/** Characters of a source line shown around a finding; longer lines are cut around the span. */
const WIDTH = 120;

/**
 * Human output: the location and rule, the source line with a caret under the span, the fix, the
 * references and where the documentation is; then one summary line. Everything that comes from a
 * file (its name, the line, a message quoting it) is shown with control characters escaped.
 */
export function formatText(report: LintReport, opts: TextOptions): string {
  return collect((out) => writeText(report, opts, out));
}

/** formatText() into a sink, a finding at a time. */
export function writeText(report: LintReport, opts: TextOptions, out: Sink): void {
  const paint = (code: string, s: string): string => (opts.color ? `${code}${s}${RESET}` : s);
  for (const f of report.findings) {
    if (f.suppressed) continue;
    out.push(`${paint(BOLD, locationText(f))}: ${paint(COLORS[f.severity], f.severity)} ${visibleControls(f.message)} ${paint(DIM, `[${f.ruleId}/${f.slug}]`)}`);
    out.push(...snippet(f, paint));
    for (const r of f.related ?? []) out.push(`    also: ${visibleControls(r.file)}:${r.line}:${r.column} (${visibleControls(r.message)})`);
    out.push(`    fix: ${visibleControls(f.fix)}`);
    const refs = f.references.length ? `refs: ${f.references.join(', ')} · ` : '';
    out.push(paint(DIM, `    ${refs}docs: ${docUrl(f.ruleId)}`));
    out.push('');
  }
  const s = summarize(report);
  const parts = (Object.entries(s.bySeverity) as [Severity, number][]).filter(([, n]) => n > 0).map(([sev, n]) => paint(COLORS[sev], `${n} ${sev}`));
  const counts = s.findings === 0 ? 'no findings' : `${s.findings} finding${s.findings === 1 ? '' : 's'} (${parts.join(', ')})`;
  const suppressed = s.suppressed - s.baselined ? `, ${s.suppressed - s.baselined} suppressed` : '';
  const baselined = s.baselined ? `, ${s.baselined} baselined` : '';
  out.push(`${counts} in ${s.files} file${s.files === 1 ? '' : 's'}${suppressed}${baselined}`);
}

function snippet(f: Finding, paint: (code: string, s: string) => string): string[] {
  if (f.sourceLine === undefined) return [];
  const raw = f.sourceLine.replace(/\t/g, ' ');
  // Columns relative to the stored window of the line.
  const shift = (f.sourceColumn ?? 1) - 1;
  const startCol = f.column - 1 - shift;
  const endCol = f.endLine === f.line ? Math.max(f.endColumn - 1 - shift, startCol + 1) : Math.max(raw.length, startCol + 1);
  let from = 0;
  if (raw.length > WIDTH) from = Math.max(0, Math.min(startCol - 20, raw.length - WIDTH));
  const to = from + WIDTH;
  // The line is shown escaped, so the caret is placed by the width of the escaped text before it
  // (a column past the end of the line counts one each).
  const width = (a: number, b: number): number => (b <= a ? 0 : visibleControls(raw.slice(a, Math.min(b, raw.length))).length + Math.max(0, b - Math.max(a, raw.length)));
  const shown = visibleControls(raw.slice(from, to));
  const gutter = String(f.line);
  const caretStart = startCol >= from ? width(from, startCol) : 0;
  const caretLen = Math.max(1, width(Math.max(startCol, from), Math.min(endCol, to)));
  const prefix = from > 0 || shift > 0 ? '…' : '';
  return [
    paint(DIM, `  ${gutter} | `) + prefix + shown + (to < raw.length ? '…' : ''),
    paint(DIM, `  ${' '.repeat(gutter.length)} | `) + ' '.repeat(prefix.length + caretStart) + paint(COLORS[f.severity], `^${'~'.repeat(caretLen - 1)}`),
  ];
}
