import { closeSync, readSync } from 'node:fs';
import { NotRegularFile, openRegular } from '../core/open-regular.js';
import { tooLarge, wholeLimit } from '../parsers/documents.js';
import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { SourceFile } from '../core/source.js';
import { effectiveEnv, isCanonicalIPv4, lookupNames, modelOf, type TcpDecision, type TcpQuery, type TcpRecord } from '../model/tcprules.js';
import { parseTcpRules, type TcpRulesDocument } from '../parsers/tcprules.js';
import { stringifyVisible, visibleControls } from '../core/visible.js';
import { writeStdout } from './stdout.js';

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
    throw refusal(doc.file.path, doc.refusedAt, rule.refused!.message);
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

/** The bytes explain reads at a time; a part is cut after its last newline (a part of at most 64 KiB holds at most 1.4 million range keys, under MAX_TCP_ITEMS). */
const CHUNK = 64 * 1024;

/** A query and the names tcpserver looks up for it, most specific first; `found` is the best so far (its index in names). */
interface Pending {
  query: TcpQuery;
  best: number;
  record?: TcpRecord;
}

/**
 * The decision for each query, reading the file a part at a time: each part (whole lines) is parsed
 * into a table, and only the keys of its lines are compared with the names tcpserver would look up;
 * nothing of a part is kept once it is read but the records that are the best answer so far. Memory
 * is bounded by the part (and the longest line), not by the file. The whole file is read even once
 * each query has found its most specific name: a line tcprules refuses anywhere means the rules are
 * not in effect (tcprules stops with exit 100 and keeps the old cdb), which is an error here as it is
 * for lint. Files larger than lint reads are refused in one line before they are read.
 */
export function explainFile(path: string, queries: readonly TcpQuery[]): TcpDecision[] {
  const names = new Map<string, { query: number; rank: number }[]>();
  const pending: Pending[] = queries.map((query, q) => {
    lookupNames(query).forEach((name, rank) => {
      let list = names.get(name);
      if (!list) names.set(name, (list = []));
      list.push({ query: q, rank });
    });
    return { query, best: Infinity };
  });
  let fd: number;
  let size: number;
  try {
    const opened = openRegular(path);
    fd = opened.fd;
    size = opened.st.size;
  } catch (e) {
    throw readError(path, e);
  }
  try {
    if (size > wholeLimit('tcp-rules')) throw new UserError(`${path}: ${tooLarge('tcp-rules', size)}`);
    const buf = Buffer.allocUnsafe(CHUNK);
    /** The bytes read after the last newline, in the pieces they came in (joined once a newline arrives, so a long line is copied once). */
    let carry: Buffer[] = [];
    let firstLine = 1;
    let offset = 0;
    const part = (bytes: Buffer) => {
      const file = new SourceFile(path, bytes.toString('utf8'), firstLine);
      explainPart(parseTcpRules(file), names, pending);
      firstLine = file.lastLine + 1;
    };
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, offset);
      if (offset === 0 && buf.subarray(0, Math.min(n, 8192)).includes(0)) throw new UserError(`${path}: binary file (NUL bytes); give the tcprules source, not the cdb`);
      if (n === 0) break;
      offset += n;
      if (offset > wholeLimit('tcp-rules')) throw new UserError(`${path}: ${tooLarge('tcp-rules', offset)}`);
      // Whole lines only: a newline byte is never inside a UTF-8 sequence.
      const cut = buf.subarray(0, n).lastIndexOf(10) + 1;
      if (cut === 0) {
        carry.push(Buffer.from(buf.subarray(0, n)));
        continue;
      }
      part(carry.length ? Buffer.concat([...carry, buf.subarray(0, cut)]) : buf.subarray(0, cut));
      carry = cut < n ? [Buffer.from(buf.subarray(cut, n))] : [];
    }
    if (carry.length) part(Buffer.concat(carry));
  } finally {
    closeSync(fd);
  }
  return pending.map((p) => (p.record ? { query: p.query, record: p.record } : { query: p.query }));
}

/** Compares the keys of one part's lines with the names looked up; throws when tcprules refuses a line. */
function explainPart(doc: TcpRulesDocument, names: ReadonlyMap<string, readonly { query: number; rank: number }[]>, pending: Pending[]): void {
  const t = doc.table;
  if (doc.refusedAt !== undefined) {
    let i = 0;
    while (t.line(i) !== doc.refusedAt) i++;
    throw refusal(doc.file.path, doc.refusedAt, t.refused(i)!.message);
  }
  if (doc.problems.length > 0) throw new UserError(`${doc.file.path}:${doc.problems[0]!.span.start.line}: ${doc.problems[0]!.message}`);
  for (let i = 0; i < t.count; i++) {
    if (!t.accepted(i)) continue;
    const keys = t.keyCount(i);
    for (let k = 0; k < keys; k++) {
      const key = t.key(i, k);
      const wanted = names.get(key);
      if (!wanted) continue;
      for (const { query, rank } of wanted) {
        const p = pending[query]!;
        // The first record of a key is the one the cdb returns, so a later line never replaces an equal rank.
        if (rank >= p.best) continue;
        p.best = rank;
        const rule = t.rule(i);
        p.record = { key, line: rule.line, rule, action: rule.action!, env: rule.variables.map((v) => ({ name: v.name, value: v.value })) };
      }
    }
  }
}

function refusal(path: string, line: number, message: string): UserError {
  return new UserError(`${path}:${line}: tcprules cannot parse this line (${message}): it stops there with exit 100 and keeps the old cdb, so these rules are not in effect`);
}

function readError(path: string, e: unknown): UserError {
  if (e instanceof UserError) return e;
  if (e instanceof NotRegularFile) return new UserError(`${path}: not a regular file`);
  const code = (e as NodeJS.ErrnoException).code;
  return new UserError(`${path}: cannot read: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? String(e))}`);
}

/** `mailharden tcprules explain FILE IP... [--host NAME] [--info USER] [--format text|json]`. */
export function runTcprulesExplain(path: string, ips: string[], opts: ExplainOptions): ExitCode {
  const format = opts.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UserError(`--format: expected text or json, got "${format}"`);
  for (const ip of ips) {
    if (!isCanonicalIPv4(ip)) throw new UserError(`"${ip}" is not an IPv4 address as tcpserver writes it (a.b.c.d, each 0-255, no leading zeros)`);
  }
  const queries = ips.map((ip) => {
    const q: TcpQuery = { ip };
    if (opts.host !== undefined) q.host = opts.host;
    if (opts.info !== undefined) q.info = opts.info;
    return q;
  });
  const decisions = explainFile(path, queries);
  // The rules' text is quoted: shown with control characters escaped.
  const out = format === 'json' ? stringifyVisible(decisions.map(explainResult), 2) : visibleControls(formatText(decisions, path), 'lines');
  writeStdout(`${out}\n`);
  return EXIT.ok;
}
