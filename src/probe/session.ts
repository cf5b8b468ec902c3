import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { SmtpClient } from './smtp.js';
import { visibleControls } from '../core/visible.js';
import { parseTranscript, type ProbeDocument } from './transcript.js';

export interface ProbeOptions {
  host: string;
  port: number;
  /** Connection and per-reply timeout. */
  timeoutMs: number;
  /** The name given in EHLO/HELO. */
  helo: string;
  /** Asked about with VRFY and EXPN. */
  user: string;
  /** The relay attempt: an outside sender and a recipient in another domain. */
  from: string;
  to: string;
}

/**
 * Talks to the server, one command at a time, and returns the transcript: greeting, EHLO (HELO when
 * EHLO is refused), HELP, VRFY, EXPN, an unauthenticated relay attempt (MAIL FROM an outside address,
 * RCPT TO another domain, then RSET; never DATA), QUIT. Errors (refused, timeout, garbage, a reply that
 * does not end, a server that hangs up) are one-line UserErrors (exit 3).
 */
export async function probe(o: ProbeOptions): Promise<ProbeDocument> {
  const lines: string[] = [];
  const client = new SmtpClient(o.host, o.port, o.timeoutMs, (l) => lines.push(l));
  const target = client.target;
  await client.connect();
  // The address connected to is part of the transcript: relaying is judged by it (a host name can be loopback).
  lines.unshift(`# mailharden probe of ${target} (address ${client.remoteAddress})`);
  try {
    const greeting = await client.reply('the connection (greeting)');
    if (greeting.code !== 220) {
      // 554 or 421: the session is refused, so nothing can be tested; a gate must not pass on that.
      throw new UserError(`${target}: the server refused the session: "${visibleControls(greeting.lines[greeting.lines.length - 1]!.slice(0, 120))}"`, EXIT.runtime);
    }
    const ehlo = await client.command(`EHLO ${o.helo}`);
    if (ehlo.code >= 500) await client.command(`HELO ${o.helo}`);
    await client.command('HELP');
    await client.command(`VRFY ${o.user}`);
    await client.command(`EXPN ${o.user}`);
    const mail = await client.command(`MAIL FROM:<${o.from}>`);
    if (mail.code >= 200 && mail.code < 300) await client.command(`RCPT TO:<${o.to}>`);
    await client.command('RSET');
    try {
      await client.command('QUIT');
    } catch {
      // A server that hangs up at QUIT has said all it had to say.
    }
  } finally {
    client.close();
  }
  return parseTranscript(`${lines.join('\n')}\n`, `smtp://${target}`, target);
}
