import { NotRegularFile, readRegular } from '../core/open-regular.js';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { SourceFile } from '../core/source.js';
import { effectiveEnv, isCanonicalIPv4, modelOf, type TcpDecision, type TcpQuery } from '../model/tcprules.js';
import { parseTcpRules, type TcpRulesDocument } from '../parsers/tcprules.js';
import { stringifyVisible, visibleControls } from '../core/visible.js';

export interface ExplainOptions {
  host?: string;
  info?: string;
  format?: string;
}

/** One address in `--format json`. `line` and `key` are null when no rule matches (tcpserver then allows). */
export interface ExplainResult {
  ip: string;
  line: number | null;
  key: string | null;
  action: 'allow' | 'deny';
  env: Record<string, string>;
}

/** What tcprulescheck prints for a decision, line by line (it shows no variables of a deny rule). */
export function checkLines(d: TcpDecision): string[] {
  const r = d.record;
  if (!r) return ['default:', 'allow connection'];
  const out = [`rule ${r.key}:`];
  if (r.action === 'deny') return [...out, 'deny connection'];
  for (const v of r.env) out.push(`set environment variable ${v.name}=${v.value}`);
  out.push('allow connection');
  return out;
}

export function explainResult(d: TcpDecision): ExplainResult {
  const r = d.record;
  return { ip: d.query.ip, line: r?.line ?? null, key: r?.key ?? null, action: r?.action ?? 'allow', env: effectiveEnv(r) };
}

/** The decision for each address; throws a UserError when tcprules would refuse the file. */
export function explain(doc: TcpRulesDocument, ips: readonly string[], opts: Pick<ExplainOptions, 'host' | 'info'> = {}): TcpDecision[] {
  if (doc.refusedAt !== undefined) {
    const rule = doc.rules.find((r) => r.line === doc.refusedAt)!;
    throw new UserError(
      `${doc.file.path}:${doc.refusedAt}: tcprules cannot parse this line (${rule.refused!.message}): it stops there with exit 100 and keeps the old cdb, so these rules are not in effect`,
    );
  }
  const model = modelOf(doc);
  return ips.map((ip) => {
    const q: TcpQuery = { ip };
    if (opts.host !== undefined) q.host = opts.host;
    if (opts.info !== undefined) q.info = opts.info;
    return model.decide(q);
  });
}

/** The text form: per address a heading, then tcprulescheck's lines; a blank line between addresses. */
export function formatText(decisions: readonly TcpDecision[], path: string): string {
  return decisions
    .map((d) => {
      const who = [d.query.host !== undefined ? `host ${JSON.stringify(d.query.host)}` : '', d.query.info !== undefined ? `info ${JSON.stringify(d.query.info)}` : ''].filter(Boolean).join(', ');
      const head = `${d.query.ip}${who ? ` (${who})` : ''}: ${d.record ? `${path} line ${d.record.line}` : 'no rule matches, so tcpserver allows the connection'}`;
      return [head, ...checkLines(d)].join('\n');
    })
    .join('\n\n');
}

function readRules(path: string): SourceFile {
  let text: string;
  try {
    const { bytes: buf } = readRegular(path);
    if (buf.subarray(0, 8192).includes(0)) throw new UserError(`${path}: binary file (NUL bytes); give the tcprules source, not the cdb`);
    text = buf.toString('utf8');
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (e instanceof NotRegularFile) throw new UserError(`${path}: not a regular file`);
    const code = (e as NodeJS.ErrnoException).code;
    throw new UserError(`${path}: cannot read: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? String(e))}`);
  }
  return new SourceFile(path, text);
}

/** `mailharden tcprules explain FILE IP... [--host NAME] [--info USER] [--format text|json]`. */
export function runTcprulesExplain(path: string, ips: string[], opts: ExplainOptions): ExitCode {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UserError(`--format: expected text or json, got "${format}"`);
  for (const ip of ips) {
    if (!isCanonicalIPv4(ip)) throw new UserError(`"${ip}" is not an IPv4 address as tcpserver writes it (a.b.c.d, each 0-255, no leading zeros)`);
  }
  const doc = parseTcpRules(readRules(path));
  const decisions = explain(doc, ips, opts);
  // The rules' text is quoted: shown with control characters escaped.
  const out = format === 'json' ? stringifyVisible(decisions.map(explainResult), 2) : visibleControls(formatText(decisions, path), 'lines');
  process.stdout.write(`${out}\n`);
  return EXIT.ok;
}
