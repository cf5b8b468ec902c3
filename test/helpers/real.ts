import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
