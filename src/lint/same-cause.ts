import { posix } from 'node:path';
import { severityRank, type Finding } from '../core/types.js';

/**
 * One finding per cause. A sendmail.cf is built from the .mc beside it (sendmail.cf from sendmail.mc,
 * submit.cf from submit.mc): when both are linted in one run and a rule that reads both reports the
 * same values in each, the cause is one. It is reported once, at the .mc line to edit, with the cf's
 * line as a related location; the cf's own finding goes. What only the cf shows (a cf edited by hand,
 * or not rebuilt since the .mc changed) stays.
 *
 * Works on the findings alone, in place: a pair is told by the paths shown, the cause by the rule and
 * the values it judged (Finding.cause). Linear in the number of findings.
 */
export function joinSameCause(findings: Finding[]): void {
  // The .mc findings by file and cause; only files whose name ends in .mc can be a source.
  const byMc = new Map<string, Map<string, Finding>>();
  let cfs = 0;
  for (const f of findings) {
    if (f.cause === undefined) continue;
    if (f.file.endsWith('.cf')) cfs++;
    else if (f.file.endsWith('.mc')) {
      let causes = byMc.get(f.file);
      if (!causes) byMc.set(f.file, (causes = new Map()));
      // The first finding of a cause carries the related place (one .mc line can state a value once).
      if (!causes.has(f.cause)) causes.set(f.cause, f);
    }
  }
  if (!cfs || !byMc.size) return;
  let kept = 0;
  for (const f of findings) {
    const source = f.cause !== undefined && f.file.endsWith('.cf') ? byMc.get(mcOf(f.file))?.get(f.cause) : undefined;
    // A suppression of the .mc finding does not hide the cf's: the cf is what sendmail reads, and may be
    // kept by hand while the .mc is stale.
    if (!source || (source.suppressed && !f.suppressed)) {
      findings[kept++] = f;
      continue;
    }
    // The worse severity of the two stays.
    if (severityRank(f.severity) > severityRank(source.severity)) source.severity = f.severity;
    (source.related ??= []).push({ file: f.file, line: f.line, column: f.column, endLine: f.endLine, endColumn: f.endColumn, message: `the same in ${posix.basename(f.file)}, built from this .mc` });
  }
  findings.length = kept;
}

/** The .mc a cf is built from: the same name in the same directory. */
const mcOf = (cf: string): string => `${cf.slice(0, -'.cf'.length)}.mc`;
