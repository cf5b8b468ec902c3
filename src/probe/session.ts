import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { SmtpClient, tlsReason, type TlsRequest } from './smtp.js';
import { handshakeFacts } from './tls-facts.js';
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
  /** The port speaks TLS at once (smtps://, port 465). */
  implicitTls?: boolean;
  /** CA certificates (PEM) trusted besides Node's own (--ca). */
  ca?: readonly string[];
  /** Try TLS 1.0 and 1.1 alone, each on a connection of its own (default: yes, when TLS works). */
  tryVersions?: boolean;
  /** The clock for the certificate's dates (tests). */
  now?: () => Date;
  /** Also run the STARTTLS command-injection test (CVE-2011-0411) on a connection of its own. */
  injection?: boolean;
}

/** The protocol versions tried one at a time: a server that accepts one of them is reported. */
export const LEGACY_VERSIONS = ['TLSv1', 'TLSv1.1'] as const;

/**
 * Talks to the server, one command at a time, and returns the transcript: greeting, EHLO (HELO when
 * EHLO is refused), HELP, VRFY, EXPN, an unauthenticated relay attempt (MAIL FROM an outside address,
 * RCPT TO another domain, then RSET; never DATA); then, when EHLO offers it, STARTTLS, the handshake
 * (its certificate written as `T: ` lines) and EHLO again; QUIT. When TLS works, TLS 1.0 and 1.1 are
 * tried alone, each on a connection of its own. Errors (refused, timeout, garbage, a reply that does
 * not end, a server that hangs up) are one-line UserErrors (exit 3); a failed handshake is a fact.
 */
export async function probe(o: ProbeOptions): Promise<ProbeDocument> {
  const lines: string[] = [];
  const client = new SmtpClient(o.host, o.port, o.timeoutMs, (l) => lines.push(l));
  const target = client.target;
  const now = o.now ?? (() => new Date());
  await client.connect();
  // The address connected to is part of the transcript: relaying is judged by it (a host name can be loopback).
  lines.unshift(`# mailharden probe of ${o.implicitTls ? `smtps://${target}` : target} (address ${client.remoteAddress})`);
  let tlsWorks = false;
  try {
    if (o.implicitTls) {
      try {
        const socket = await client.startTls({ ...(o.ca ? { ca: o.ca } : {}) });
        lines.push(...handshakeFacts(socket, o.host, now()));
        tlsWorks = true;
      } catch (e) {
        throw new UserError(`${target}: no TLS handshake on this port: ${visibleControls(tlsReason(e as NodeJS.ErrnoException))}`, EXIT.runtime);
      }
    }
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
    await authAcceptance(client);
    if (!o.implicitTls && ehlo.code === 250 && ehlo.lines.slice(1).some((l) => /^250[ -]STARTTLS\b/i.test(l))) {
      const started = await client.command('STARTTLS');
      if (started.code === 220) {
        try {
          const socket = await client.startTls({ ...(o.ca ? { ca: o.ca } : {}) });
          lines.push(...handshakeFacts(socket, o.host, now()));
          tlsWorks = true;
        } catch (e) {
          lines.push(`T: handshake-failed ${visibleControls(tlsReason(e as NodeJS.ErrnoException))}`);
        }
        // RFC 3207 §4.2: the client forgets what it knew and asks again.
        if (tlsWorks) await client.command(`EHLO ${o.helo}`);
      }
    }
    if (tlsWorks || !client.isClosed) {
      try {
        await client.command('QUIT');
      } catch {
        // A server that hangs up at QUIT has said all it had to say.
      }
    }
  } finally {
    client.close();
  }
  let n = 1;
  if (tlsWorks && o.tryVersions !== false) {
    for (const version of LEGACY_VERSIONS) await tryVersion(o, ++n, { minVersion: version, maxVersion: version }, lines, now);
  }
  if (tlsWorks && o.injection && !o.implicitTls) await injection(o, ++n, lines, now);
  return parseTranscript(`${lines.join('\n')}\n`, `${o.implicitTls ? 'smtps' : 'smtp'}://${target}`, target);
}

/** The mechanisms the AUTH acceptance test starts: the two that carry the password in clear. */
export const AUTH_TESTED = ['PLAIN', 'LOGIN'] as const;

/**
 * Whether the server would take a password by these mechanisms now, without sending one: `AUTH PLAIN`
 * with no initial response, and when the server asks for it (334), `*`, which cancels the exchange
 * (RFC 4954 §4: the server answers 501). Nothing else is sent, and no secret ever.
 */
async function authAcceptance(client: SmtpClient): Promise<void> {
  for (const mechanism of AUTH_TESTED) {
    const r = await client.command(`AUTH ${mechanism}`);
    if (r.code === 334) await client.command('*');
  }
}

/**
 * The STARTTLS command-injection test (CVE-2011-0411): `STARTTLS` and `RSET` in one write. A server
 * that keeps the RSET it read in clear and answers it after the handshake lets an attacker on the path
 * put commands into the encrypted session. Written as `C: STARTTLS`, its reply, the handshake, then
 * `T: injected RSET` and `C: RSET` with whatever the server answered inside TLS (nothing, when it
 * threw the clear text away).
 */
async function injection(o: ProbeOptions, n: number, lines: string[], now: () => Date): Promise<void> {
  lines.push(`# connection ${n}: STARTTLS command injection (CVE-2011-0411): STARTTLS and RSET in one write`);
  const client = new SmtpClient(o.host, o.port, o.timeoutMs, (l) => lines.push(l));
  try {
    await client.connect();
    if ((await client.reply('the connection (greeting)')).code !== 220) return;
    if ((await client.command(`EHLO ${o.helo}`)).code !== 250) return;
    lines.push('C: STARTTLS');
    client.writeRaw('STARTTLS\r\nRSET\r\n');
    if ((await client.reply('STARTTLS')).code !== 220) return;
    if (client.unread) {
      // The RSET answered in clear, before the handshake: the server read the lines one at a time.
      lines.push('T: injected RSET answered in clear');
      lines.push('C: RSET');
      await client.reply('RSET');
      return;
    }
    try {
      const socket = await client.startTls({ ...(o.ca ? { ca: o.ca } : {}) });
      lines.push(...handshakeFacts(socket, o.host, now()).slice(0, 1));
    } catch (e) {
      lines.push(`T: handshake-failed ${visibleControls(tlsReason(e as NodeJS.ErrnoException))}`);
      return;
    }
    lines.push('T: injected RSET');
    lines.push('C: RSET');
    // A vulnerable server answers at once; a second or the timeout, whichever is shorter, is enough.
    if (await client.waitForLine(Math.min(o.timeoutMs, 2000))) await client.reply('the injected RSET');
  } catch (e) {
    lines.push(`# connection ${n} ended: ${visibleControls(e instanceof Error ? e.message : String(e))}`);
  } finally {
    client.close();
  }
}

/**
 * One more connection that allows a single protocol version; writes `T: try VERSION accepted …` or
 * `… refused <OpenSSL's reason>`. The server's lines on it go into the transcript as well.
 */
async function tryVersion(o: ProbeOptions, n: number, request: TlsRequest, lines: string[], now: () => Date): Promise<void> {
  const version = request.minVersion!;
  lines.push(`# connection ${n}: TLS with ${version} only`);
  const client = new SmtpClient(o.host, o.port, o.timeoutMs, (l) => lines.push(l));
  try {
    await client.connect();
    if (!o.implicitTls) {
      const greeting = await client.reply('the connection (greeting)');
      if (greeting.code !== 220) return;
      const ehlo = await client.command(`EHLO ${o.helo}`);
      if (ehlo.code !== 250) return;
      if ((await client.command('STARTTLS')).code !== 220) return;
    }
    try {
      const socket = await client.startTls({ ...request, ...(o.ca ? { ca: o.ca } : {}) });
      lines.push(`T: try ${version} accepted ${socket.getProtocol() ?? ''} ${socket.getCipher()?.standardName ?? ''}`.trimEnd());
      lines.push(...handshakeFacts(socket, o.host, now()).slice(0, 1));
      try {
        if (o.implicitTls) await client.reply('the connection (greeting)');
        await client.command('QUIT');
      } catch {
        // What the server says after the handshake does not change the verdict.
      }
    } catch (e) {
      lines.push(`T: try ${version} refused ${visibleControls(tlsReason(e as NodeJS.ErrnoException))}`);
    }
  } catch (e) {
    // A server that stops answering on a later connection: the first one's findings stand.
    lines.push(`# connection ${n} ended: ${visibleControls(e instanceof Error ? e.message : String(e))}`);
  } finally {
    client.close();
  }
}
