import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SENDMAIL, tempDir } from './real.js';

/** One command and the final reply line(s) sendmail gave to it. */
export interface Exchange {
  command: string;
  code: number;
  lines: string[];
}

/**
 * Talks SMTP to `sendmail -C cf -bs` (needs root and a qualified host name), sending one command at
 * a time and waiting for its final reply: sending early makes greet_pause reject the session.
 * The first exchange is the greeting (command '').
 */
export async function smtpSession(cfText: string, commands: string[], timeoutMs = 20_000): Promise<Exchange[]> {
  const dir = tempDir('mh-bs-');
  const cf = join(dir, 'test.cf');
  writeFileSync(cf, cfText, { mode: 0o644 });
  const child = spawn(SENDMAIL, ['-C', cf, '-bs'], { stdio: ['pipe', 'pipe', 'pipe'] });
  const exchanges: Exchange[] = [];
  let buffer = '';
  let current: string[] = [];
  let waiting: ((lines: string[]) => void) | undefined;
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    buffer += chunk;
    let nl;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).replace(/\r$/, '');
      buffer = buffer.slice(nl + 1);
      current.push(line);
      // Only "NNN text" (a space after the code) ends a reply; 050 lines are informational.
      if (/^[2-5]\d\d( |$)/.test(line)) {
        const done = current;
        current = [];
        waiting?.(done);
      }
    }
  });
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const reply = () =>
    new Promise<string[]>((resolve, reject) => {
      waiting = resolve;
      child.once('close', () => reject(new Error(`sendmail closed the session; output so far: ${current.join(' | ')}`)));
    });
  try {
    const greeting = await reply();
    exchanges.push({ command: '', code: Number(greeting[greeting.length - 1]!.slice(0, 3)), lines: greeting });
    for (const command of commands) {
      const next = reply();
      child.stdin.write(`${command}\r\n`);
      const lines = await next;
      exchanges.push({ command, code: Number(lines[lines.length - 1]!.slice(0, 3)), lines });
      if (command.toUpperCase() === 'QUIT') break;
    }
  } finally {
    clearTimeout(timer);
    child.stdin.end();
    child.kill();
    await closed;
  }
  return exchanges;
}
