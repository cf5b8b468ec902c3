import { byCodeUnit } from '../core/compare.js';
import { fsName } from '../core/fs-names.js';
import { docUrl, HOMEPAGE, type LintReport } from '../core/report.js';
import type { RuleMeta } from '../core/rule.js';
import type { Finding, Severity } from '../core/types.js';
import { stringifyVisible } from '../core/visible.js';
import { aboutWholePath, isUri } from './location.js';
import { collect, HOLE, mapped, writeJsonWithArray, type Sink } from './sink.js';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', medium: 'warning', low: 'note', info: 'note' };
/** GitHub reads these as critical / high / medium / low (≥9, 7–8.9, 4–6.9, 0.1–3.9). */
const SECURITY_SEVERITY: Record<Severity, string> = { critical: '9.5', high: '8.0', medium: '5.5', low: '2.5', info: '0.5' };

/** What encodeURIComponent leaves as it is. */
const URI_KEPT = /[A-Za-z0-9\-_.!~*'()]/;

/**
 * encodeURIComponent, which throws on a lone surrogate: a name that is not UTF-8 (core/fs-names.ts) is
 * percent-encoded from its exact bytes instead (`%FF`).
 */
function encodeSegment(s: string): string {
  const raw = fsName(s);
  if (typeof raw === 'string') return encodeURIComponent(raw);
  let out = '';
  for (const b of raw) out += b < 0x80 && URI_KEPT.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * Turns a path into a SARIF artifact URI: relative ones stay relative (with forward slashes), absolute
 * ones become file URIs, and a URI (a live probe's `smtp://host:port`) stays as it is.
 */
export function artifactUri(path: string): string {
  if (isUri(path)) return path;
  const p = path.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
  const encode = (s: string): string => s.split('/').map(encodeSegment).join('/');
  return p.startsWith('/') ? `file://${encode(p)}` : encode(p);
}

/**
 * SARIF 2.1.0 for GitHub code scanning (UX.md §2): one run, every rule in `rules[]` with help, lines
 * and columns from 1, repo-relative paths, and `partialFingerprints` keyed by the rule and the text of
 * the line, so alerts survive edits elsewhere in the file. Suppressed findings are left out unless asked.
 * A finding about a path as a whole (a directory, a file's mode) has no region: it is optional in
 * SARIF 2.1.0 (§3.29), and a line 1 would point at a line the finding is not about. A live probe's
 * finding names the server (`smtp://host:port`) and its region is the line of the dialogue's
 * transcript where the server said it.
 */
export function formatSarif(report: LintReport, opts: { includeSuppressed?: boolean } = {}): string {
  return collect((out) => writeSarif(report, out, opts));
}

/** formatSarif() into a sink, a finding at a time. */
export function writeSarif(report: LintReport, out: Sink, opts: { includeSuppressed?: boolean } = {}): void {
  const rules = [...report.rules].sort((a, b) => byCodeUnit(a.id, b.id));
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const metaOf = new Map(rules.map((r) => [r.id, r]));
  const seen = new Map<string, number>();
  const resultOf = (f: Finding): Record<string, unknown> | null => {
    if (!opts.includeSuppressed && f.suppressed) return null;
    const hash = lineHash(f);
    const key = `${f.file}\0${hash}`;
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    const region = aboutWholePath(f, metaOf.get(f.ruleId)) ? {} : { region: { startLine: f.line, startColumn: f.column, endLine: f.endLine, endColumn: f.endColumn } };
    const result: Record<string, unknown> = {
      ruleId: f.ruleId,
      ruleIndex: index.get(f.ruleId) ?? 0,
      level: LEVEL[f.severity],
      message: { text: `${f.message}. Fix: ${f.fix}.` },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: artifactUri(f.file) },
            ...region,
          },
        },
      ],
      partialFingerprints: { primaryLocationLineHash: `${hash}:${n}` },
      properties: { severity: f.severity },
    };
    if (f.related?.length) {
      result.relatedLocations = f.related.map((r, id) => ({
        id,
        physicalLocation: { artifactLocation: { uri: artifactUri(r.file) }, region: { startLine: r.line, startColumn: r.column, endLine: r.endLine, endColumn: r.endColumn } },
        message: { text: r.message },
      }));
    }
    if (f.suppressed && f.suppression) result.suppressions = [{ kind: f.suppression.kind === 'inline' ? 'inSource' : 'external', justification: f.suppression.reason }];
    return result;
  };
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            semanticVersion: report.tool.version,
            informationUri: HOMEPAGE,
            rules: rules.map(describeRule),
          },
        },
        automationDetails: { id: 'mailharden/' },
        columnKind: 'utf16CodeUnits',
        results: HOLE,
      },
    ],
  };
  // The same JSON, with no raw control or bidi character for a terminal or a viewer to act on.
  writeJsonWithArray(out, log, mapped(report.findings, resultOf), stringifyVisible);
  out.write('\n');
}

function describeRule(meta: RuleMeta) {
  const refs = meta.references.length ? `\n\nReferences: ${meta.references.join(', ')}.` : '';
  const url = docUrl(meta.id);
  return {
    id: meta.id,
    name: pascal(meta.slug),
    shortDescription: { text: meta.description },
    fullDescription: { text: meta.description },
    help: {
      text: `Fix: ${meta.fix}.${refs}\n\nDocumentation: ${url}`,
      markdown: `**Fix:** ${meta.fix}.${refs}\n\n[Documentation](${url})`,
    },
    helpUri: url,
    defaultConfiguration: { level: LEVEL[meta.severity] },
    properties: {
      tags: ['security', ...meta.tags, ...meta.references].slice(0, 20),
      precision: 'high',
      'security-severity': SECURITY_SEVERITY[meta.severity],
    },
  };
}

function pascal(slug: string): string {
  return slug.replace(/(^|-)([a-z0-9])/g, (_, _d, c: string) => c.toUpperCase());
}

/**
 * A hash of what the finding is about (rule and line text), not of where it is: 64-bit FNV-1a, which
 * needs no crypto module at start-up and is stable across runs and machines.
 */
function lineHash(f: Finding): string {
  const text = `${f.ruleId}\0${(f.sourceLine ?? '').trim()}`;
  // Two 32-bit FNV-1a lanes with different offsets make 64 bits.
  let a = 0x811c9dc5;
  let b = 0xcbf29ce4;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 15);
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
