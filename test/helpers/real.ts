import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** Where the real programs live on Debian. */
export const SENDMAIL = '/usr/sbin/sendmail';
export const M4 = '/usr/bin/m4';
export const DEBIAN_MC = '/usr/share/sendmail/cf/debian/sendmail.mc';

const inCI = process.env.CI === 'true';

/**
 * Makes a test that needs a real program fail in CI when the program is missing (CI installs it), and
 * skip with a visible message on a developer machine. Returns false when the test must stop.
 */
export function needs(t: TestContext, ...paths: string[]): boolean {
  const missing = paths.filter((p) => !existsSync(p));
  if (missing.length === 0) return true;
  const message = `needs ${missing.join(', ')} (apt-get install sendmail-bin sendmail-cf m4 ucspi-tcp)`;
  if (inCI) throw new Error(`CI must install the real programs: ${message}`);
  t.skip(message);
  return false;
}

let base: string | undefined;

/**
 * Debian's stock sendmail.cf, generated now from the installed sendmail-cf m4 files (never copied into
 * the repo). Includes of site files under /etc/mail/m4 are dropped when they do not exist.
 */
export function debianCf(): string {
  if (base !== undefined) return base;
  const mc = readFileSync(DEBIAN_MC, 'utf8')
    .split('\n')
    .filter((l) => {
      const inc = /^include\(`(\/etc\/mail\/m4\/[^']+)'\)/.exec(l);
      return !inc || existsSync(inc[1]!);
    })
    .join('\n');
  const r = spawnSync(M4, [], { input: mc, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`m4 failed: ${r.stderr}`);
  base = r.stdout;
  return base;
}

/** Debian's stock sendmail.mc (the template shipped by sendmail-cf). */
export function debianMc(): string {
  return readFileSync(DEBIAN_MC, 'utf8');
}

/** Like needs(), for root: CI runs as root, so there a missing privilege is a failure, not a skip. */
export function needsRoot(t: TestContext, why: string): boolean {
  if (process.getuid?.() === 0) return true;
  if (inCI) throw new Error(`CI must run as root: ${why}`);
  t.skip(why);
  return false;
}

/** A fresh temporary directory. */
export function tempDir(prefix = 'mailharden-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Runs `sendmail -C file -bC` on a cf text; returns exit code and all output. */
export function sendmailCheck(cfText: string): { status: number; output: string } {
  const dir = tempDir('mh-cf-');
  const path = join(dir, 'test.cf');
  writeFileSync(path, cfText, { mode: 0o644 });
  const r = spawnSync(SENDMAIL, ['-C', path, '-bC'], { input: '', encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

let baseOutput: Set<string> | undefined;

/**
 * `sendmail -bC` of Debian's stock cf followed by `extra`: exit code, and the output lines that the
 * stock cf alone does not print (on a machine whose /var/lib/sendmail is not set up, the stock cf
 * already warns about its host status directory).
 */
export function sendmailCheckOnDebian(extra: string): { status: number; output: string } {
  baseOutput ??= new Set(sendmailCheck(debianCf()).output.split('\n').filter(Boolean));
  const r = sendmailCheck(`${debianCf()}\n${extra}\n`);
  return { status: r.status, output: r.output.split('\n').filter((l) => l && !baseOutput!.has(l)).join('\n') };
}

/** More real programs (sendmail-bin, ucspi-tcp). */
export const MAKEMAP = '/usr/sbin/makemap';
export const SMRSH = '/usr/libexec/sendmail/smrsh';
export const TCPRULES = '/usr/bin/tcprules';
export const TCPRULESCHECK = '/usr/bin/tcprulescheck';

/**
 * `sendmail -C file -bC` of a whole cf text (not the stock cf plus lines, as sendmailCheckOnDebian):
 * exit code, and the output lines that Debian's stock cf alone does not print.
 */
export function sendmailCheckWhole(cfText: string): { status: number; output: string } {
  baseOutput ??= new Set(sendmailCheck(debianCf()).output.split('\n').filter(Boolean));
  const r = sendmailCheck(cfText);
  return { status: r.status, output: r.output.split('\n').filter((l) => l && !baseOutput!.has(l)).join('\n') };
}

/** What the real sendmail read from a cf. */
export interface SendmailReading {
  status: number;
  /** Every option line, in file order, as `sendmail -d37.1` reports it (`setoption Name (x)=value`). */
  options: { name: string; value: string }[];
  /** Each mailer as `=M` in address test mode prints it, by name, with its P= and A= fields. */
  mailers: Map<string, { P: string; A: string; line: string }>;
}

/** Loads a cf into the real sendmail (`-d37.1 -bt`, then `=M`) and returns the options and mailers it read. */
export function sendmailReads(cfText: string): SendmailReading {
  const dir = tempDir('mh-cf-');
  const path = join(dir, 'test.cf');
  writeFileSync(path, cfText, { mode: 0o644 });
  const r = spawnSync(SENDMAIL, ['-d37.1', '-C', path, '-bt'], { input: '=M\n', encoding: 'utf8', timeout: 30_000 });
  rmSync(dir, { recursive: true, force: true });
  const options: SendmailReading['options'] = [];
  const mailers: SendmailReading['mailers'] = new Map();
  for (const raw of `${r.stdout}`.split('\n')) {
    const line = raw.replace(/^(> )+/, '');
    const o = /^setoption (\S+) \((?:0x[0-9a-f]+|.)\)=(.*)$/.exec(line);
    if (o) options.push({ name: o[1]!, value: o[2]! });
    const m = /^mailer \d+ \(([^)]+)\): P=(\S+) .* A=(.*)$/.exec(line);
    if (m) mailers.set(m[1]!, { P: m[2]!, A: m[3]!, line });
  }
  return { status: r.status ?? -1, options, mailers };
}

/**
 * Builds a cf from an .mc text with the real m4, the way debianCf() does: includes of site files under
 * /etc/mail/m4 that do not exist are dropped first.
 */
export function m4Build(mcText: string): { status: number; stdout: string; stderr: string } {
  const mc = mcText
    .split('\n')
    .filter((l) => {
      const inc = /^include\(`(\/etc\/mail\/m4\/[^']+)'\)/.exec(l);
      return !inc || existsSync(inc[1]!);
    })
    .join('\n');
  const r = spawnSync(M4, [], { input: mc, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
