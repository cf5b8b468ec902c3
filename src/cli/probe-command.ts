import { UserError } from '../core/errors.js';
import { EXIT, type ExitCode } from '../core/exit.js';
import { failsAt, type LintReport } from '../core/report.js';
import { parseFailOn } from '../lint/request.js';
import { probeFindings, probeRulesOf } from '../probe/findings.js';
import { probe } from '../probe/session.js';
import { PROBE_USER, probeMailbox } from '../probe/mailbox.js';
import { parseTranscript } from '../probe/transcript.js';
import { shownPath } from '../lint/shown-path.js';
import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { rules } from '../../rules/index.js';
import { emit, parseFormatSpec, useColor } from './output.js';
import { writeOutputFile } from '../write-file.js';
import { writeStdout, stdoutIsTTY } from './stdout.js';

const NAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const ADDRESS = /^[A-Za-z0-9._+-]{1,64}@[A-Za-z0-9.-]{1,253}$/;

/** The schemes a target may start with, and their ports (RFC 8314 for the implicit-TLS ones). */
export const SCHEMES = { smtp: 25, smtps: 465, submission: 587, pop3: 110, pop3s: 995, imap: 143, imaps: 993 } as const;
export type Scheme = keyof typeof SCHEMES;

/** `[SCHEME://]TARGET`: the scheme (smtp when none) and the rest. */
export function splitScheme(target: string): { scheme: Scheme; rest: string } {
  const m = /^([a-z0-9]+):\/\/(.*)$/i.exec(target);
  if (!m) return { scheme: 'smtp', rest: target };
  const scheme = m[1]!.toLowerCase();
  if (!(scheme in SCHEMES)) throw new UserError(`"${m[1]}://": not a scheme the probe speaks (${Object.keys(SCHEMES).join(', ')})`, EXIT.usage);
  return { scheme: scheme as Scheme, rest: m[2]!.replace(/\/$/, '') };
}

/** `HOST`, `HOST:PORT`, `[V6]`, `[V6]:PORT` or a bare IPv6 address. */
export function parseTarget(target: string, port?: string, defaultPort = 25): { host: string; port: number } {
  let host = target;
  let p: string | undefined = port;
  const bracket = /^\[([0-9A-Fa-f:.]+)\](?::(\d+))?$/.exec(target);
  if (bracket) {
    host = bracket[1]!;
    p ??= bracket[2];
  } else if ((target.match(/:/g) ?? []).length === 1) {
    [host, p] = [target.split(':')[0]!, p ?? target.split(':')[1]];
  }
  const n = Number(p ?? defaultPort);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UserError(`port "${p}": not a port number (1-65535)`, EXIT.usage);
  if (!(NAME.test(host) || /^[0-9A-Fa-f:.]+$/.test(host))) throw new UserError(`"${host}": not a host name or address`, EXIT.usage);
  return { host, port: n };
}

/** The CA certificates of --ca (PEM), read once, bounded. */
function readCa(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch (e) {
    throw new UserError(`--ca ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.usage);
  }
  if (text.length > 4 * 1024 * 1024 || !text.includes('-----BEGIN CERTIFICATE-----')) throw new UserError(`--ca ${path}: not PEM certificates`, EXIT.usage);
  return text;
}

/** `mailharden probe HOST[:PORT]`: the dialogue, the probe rules over its transcript, the formatters. */
export async function runProbe(target: string, opts: Record<string, unknown>, version: string): Promise<ExitCode> {
  const { scheme, rest } = splitScheme(target);
  const { host, port } = parseTarget(rest, typeof opts.port === 'string' ? opts.port : undefined, SCHEMES[scheme]);
  const timeout = Number(opts.timeout ?? 10);
  if (!(timeout > 0 && timeout <= 600)) throw new UserError(`--timeout ${opts.timeout}: seconds between 0 and 600`, EXIT.usage);
  const helo = String(opts.helo ?? 'probe.mailharden.invalid');
  if (!NAME.test(helo)) throw new UserError(`--helo ${helo}: not a host name`, EXIT.usage);
  const user = String(opts.user ?? 'root');
  if (!/^[A-Za-z0-9._+-]{1,64}$/.test(user)) throw new UserError(`--user ${user}: a plain local name (letters, digits, . _ + -)`, EXIT.usage);
  const [from = 'mailharden-probe@example.org', to = 'relay-test@example.net'] = typeof opts.relayTest === 'string' ? opts.relayTest.split(',') : [];
  for (const a of [from, to]) if (!ADDRESS.test(a)) throw new UserError(`--relay-test: "${a}" is not a plain address (local@domain)`, EXIT.usage);
  const failOn = parseFailOn(String(opts.failOn ?? 'medium'));
  const specs = ((opts.format as string[] | undefined) ?? ['text']).map(parseFormatSpec);
  const ca = typeof opts.ca === 'string' ? [readCa(opts.ca)] : undefined;
  const common = { host, port, timeoutMs: timeout * 1000, ...(ca ? { ca } : {}) };
  const mailbox = scheme.startsWith('pop3') || scheme.startsWith('imap');
  const doc = mailbox
    ? await probeMailbox({ ...common, protocol: scheme.startsWith('pop3') ? 'pop3' : 'imap', implicitTls: scheme.endsWith('s'), user: PROBE_USER })
    : await probe({ ...common, helo, user, from, to, implicitTls: scheme === 'smtps', injection: opts.starttlsInjection === true });
  if (typeof opts.transcript === 'string') {
    // Written whole at the end, through a temp file and a rename: never through a link there.
    try {
      writeOutputFile(opts.transcript, doc.file.text);
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`${opts.transcript}: cannot write the transcript: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, EXIT.runtime);
    }
  }
  // With --transcript FILE the findings point at lines of FILE, a file one can open; otherwise at
  // the server (`smtp://host:port`), with the line of the dialogue shown apart from the port.
  const located = typeof opts.transcript === 'string' ? parseTranscript(doc.file.text, shownPath(process.cwd(), resolve(opts.transcript)), doc.target) : doc;
  const findings = probeFindings(located, rules);
  const metas = probeRulesOf(rules).map((r) => r.meta);
  // Every probe rule judged the dialogue (the reports that list passed checks say so).
  const checked = [{ file: located.file.path, kind: 'probe' as const, rules: metas.map((m) => m.id) }];
  const report: LintReport = { tool: { name: 'mailharden', version }, findings, files: 1, rules: metas, checked, target: `${host}:${port}` };
  const color = useColor(String(opts.color ?? 'auto'), stdoutIsTTY, process.env);
  await emit(report, specs, color, process.env, (s) => writeStdout(s));
  return failsAt(report, failOn) ? EXIT.findings : EXIT.ok;
}
