import type { RuleMeta } from '../core/rule.js';
import type { Finding } from '../core/types.js';
import { visibleControls } from '../core/visible.js';

/** Whether a finding's `file` is a URI (`smtp://host:port`, a live probe) rather than a path. */
export function isUri(file: string): boolean {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(file);
}

/**
 * Where a finding is, for people (text, compact, the step summary), control characters escaped:
 * `file:line:col`, or for a live probe, whose line and column are in the dialogue's transcript and
 * not in the server named, `smtp://host:port (transcript 12:4)`: a port glued to `:12:4` reads as one
 * address (issue 15).
 */
export function locationText(f: Pick<Finding, 'file' | 'line' | 'column'>): string {
  const file = visibleControls(f.file);
  return isUri(f.file) ? `${file} (transcript ${f.line}:${f.column})` : `${file}:${f.line}:${f.column}`;
}

/**
 * Whether a finding is about a path as a whole (a directory's mode, a file's owner, a database that is
 * missing) and not about a line in it: host rules point such findings at the first character, a
 * position nobody meant (SARIF then gives no region: it is optional, §3.29).
 */
export function aboutWholePath(f: Pick<Finding, 'line' | 'column' | 'endLine' | 'endColumn'>, meta: Pick<RuleMeta, 'kinds'> | undefined): boolean {
  const hostOnly = meta !== undefined && meta.kinds.length > 0 && meta.kinds.every((k) => k === 'host');
  return hostOnly && f.line === 1 && f.column === 1 && f.endLine === 1 && f.endColumn === 2;
}
