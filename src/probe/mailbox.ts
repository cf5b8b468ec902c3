import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { visibleControls } from '../core/visible.js';
import { SmtpClient, tlsReason, type ReplyReader, type TlsRequest } from './smtp.js';
import { LEGACY_VERSIONS } from './session.js';
import { handshakeFacts } from './tls-facts.js';
import { parseTranscript, type ProbeDocument } from './transcript.js';

/**
 * The probe of the POP3 and IMAP servers beside the MTA (`pop3://`, `imap://`, `pop3s://`, `imaps://`):
 * the greeting, the capabilities before and after STARTTLS/STLS, the certificate, TLS 1.0 and 1.1
 * tried alone, and for POP3 a USER of a name that does not exist (never a password). The transcript
 * has the SMTP probe's form (`S:`, `C:`, `T:` lines), read by the same rules engine.
 */

export interface MailboxProbeOptions {
  protocol: 'pop3' | 'imap';
  host: string;
  port: number;
  timeoutMs: number;
  /** The port speaks TLS at once (pop3s, imaps). */
  implicitTls?: boolean;
  ca?: readonly string[];
  tryVersions?: boolean;
  /** The name sent with POP3 USER; it must not exist on the server. */
  user: string;
  now?: () => Date;
}

/** The name given to USER: no mailbox has it, so a `+OK` says only that USER is taken in clear. */
export const PROBE_USER = 'mailharden-probe-no-such-user';

/** POP3 (RFC 1939): one line, `+OK` or `-ERR` (a SASL challenge is `+ `). */
export const pop3Reply: ReplyReader = (line) => (/^(\+OK|-ERR)(\s|$)/i.test(line) || /^\+(\s|$)/.test(line) ? 'end' : 'bad');

/** POP3 multi-line (CAPA): `+OK`, then lines up to a lone `.`; an `-ERR` ends it at once. */
export const pop3Multi: ReplyReader = (line, i) => (i === 0 ? (/^\+OK(\s|$)/i.test(line) ? 'more' : /^-ERR(\s|$)/i.test(line) ? 'end' : 'bad') : line === '.' ? 'end' : 'more');

/** IMAP (RFC 9051): untagged `* ` lines go on; the tagged status (or a `+` continuation) ends. */
export function imapReply(tag: string): ReplyReader {
  const done = new RegExp(`^${tag} (OK|NO|BAD)(\\s|$)`, 'i');
  return (line) => (line.startsWith('* ') ? 'more' : done.test(line) || /^\+(\s|$)/.test(line) ? 'end' : 'bad');
}

/** An IMAP greeting: one untagged OK, PREAUTH or BYE. */
export const imapGreeting: ReplyReader = (line) => (/^\* (OK|PREAUTH|BYE)(\s|$)/i.test(line) ? 'end' : 'bad');

/** The words of a protocol a driver needs: how to greet, ask the capabilities, start TLS, leave. */
interface Driver {
  name: 'POP3' | 'IMAP';
  greeting(c: SmtpClient): Promise<{ lines: string[] }>;
  capabilities(c: SmtpClient): Promise<{ lines: string[] }>;
  /** Asks for TLS; true when the server said yes. */
  starttls(c: SmtpClient): Promise<boolean>;
  quit(c: SmtpClient): Promise<unknown>;
}

function driver(protocol: 'pop3' | 'imap'): Driver {
  if (protocol === 'pop3') {
    return {
      name: 'POP3',
      greeting: (c) => c.reply('the connection (greeting)', pop3Reply, 'POP3'),
      capabilities: (c) => c.command('CAPA', pop3Multi, 'POP3'),
      starttls: async (c) => /^\+OK/i.test((await c.command('STLS', pop3Reply, 'POP3')).lines[0] ?? ''),
      quit: (c) => c.command('QUIT', pop3Reply, 'POP3'),
    };
  }
  let n = 0;
  const tagged = (c: SmtpClient, command: string) => {
    const tag = `a${++n}`;
    return c.command(`${tag} ${command}`, imapReply(tag), 'IMAP');
  };
  return {
    name: 'IMAP',
    greeting: (c) => c.reply('the connection (greeting)', imapGreeting, 'IMAP'),
    capabilities: (c) => tagged(c, 'CAPABILITY'),
    starttls: async (c) => {
      const r = await tagged(c, 'STARTTLS');
      return / OK(\s|$)/i.test(r.lines[r.lines.length - 1] ?? '');
    },
    quit: (c) => tagged(c, 'LOGOUT'),
  };
}

/** Whether a POP3 CAPA or IMAP CAPABILITY reply offers STLS/STARTTLS. */
function offersTls(protocol: 'pop3' | 'imap', lines: readonly string[]): boolean {
  return protocol === 'pop3' ? lines.some((l) => /^STLS$/i.test(l.trim())) : lines.some((l) => /^\* CAPABILITY\b.*\sSTARTTLS(\s|$)/i.test(l));
}

export async function probeMailbox(o: MailboxProbeOptions): Promise<ProbeDocument> {
  const lines: string[] = [];
  const d = driver(o.protocol);
  const scheme = `${o.protocol}${o.implicitTls ? 's' : ''}`;
  const now = o.now ?? (() => new Date());
  const tlsRequest = (extra: TlsRequest = {}): TlsRequest => ({ ...extra, ...(o.ca ? { ca: o.ca } : {}) });
  const client = new SmtpClient(o.host, o.port, o.timeoutMs, (l) => lines.push(l));
  const target = client.target;
  await client.connect();
  lines.unshift(`# mailharden probe of ${scheme}://${target} (address ${client.remoteAddress})`);
  let tlsWorks = false;
  let stls = false;
  const handshake = async (c: SmtpClient): Promise<boolean> => {
    try {
      lines.push(...handshakeFacts(await c.startTls(tlsRequest()), o.host, now()));
      return true;
    } catch (e) {
      lines.push(`T: handshake-failed ${visibleControls(tlsReason(e as NodeJS.ErrnoException))}`);
      return false;
    }
  };
  try {
    if (o.implicitTls && !(await handshake(client))) throw new UserError(`${target}: no TLS handshake on this port`, EXIT.runtime);
    tlsWorks = Boolean(o.implicitTls);
    const greeting = await d.greeting(client);
    if (/^(-ERR|\* BYE)/i.test(greeting.lines[0] ?? '')) throw new UserError(`${target}: the server refused the session: "${visibleControls(greeting.lines[0]!.slice(0, 120))}"`, EXIT.runtime);
    const caps = await d.capabilities(client);
    stls = !o.implicitTls && offersTls(o.protocol, caps.lines);
    if (o.protocol === 'pop3') {
      // USER in clear, with a name no mailbox has; never PASS: the answer is all the probe wants,
      // and QUIT ends the AUTHORIZATION state without a password (RFC 1939 §7).
      await client.command(`USER ${o.user}`, pop3Reply, 'POP3');
    }
    if (!client.isClosed) await d.quit(client).catch(() => undefined);
  } finally {
    client.close();
  }
  let n = 1;
  if (stls) {
    // The TLS part on a connection of its own, so that nothing said in clear before it is in its way.
    lines.push(`# connection ${++n}: ${o.protocol === 'pop3' ? 'STLS' : 'STARTTLS'}`);
    const c = new SmtpClient(o.host, o.port, o.timeoutMs, (l) => lines.push(l));
    try {
      await c.connect();
      await d.greeting(c);
      if (await d.starttls(c)) {
        tlsWorks = await handshake(c);
        if (tlsWorks) {
          await d.capabilities(c);
          await d.quit(c).catch(() => undefined);
        }
      }
    } finally {
      c.close();
    }
  }
  if (tlsWorks && o.tryVersions !== false) {
    for (const version of LEGACY_VERSIONS) {
      lines.push(`# connection ${++n}: TLS with ${version} only`);
      const c = new SmtpClient(o.host, o.port, o.timeoutMs, (l) => lines.push(l));
      try {
        await c.connect();
        if (!o.implicitTls) {
          await d.greeting(c);
          if (!(await d.starttls(c))) continue;
        }
        try {
          const socket = await c.startTls(tlsRequest({ minVersion: version, maxVersion: version }));
          lines.push(`T: try ${version} accepted ${socket.getProtocol() ?? ''} ${socket.getCipher()?.standardName ?? ''}`.trimEnd());
        } catch (e) {
          lines.push(`T: try ${version} refused ${visibleControls(tlsReason(e as NodeJS.ErrnoException))}`);
        }
      } catch (e) {
        lines.push(`# connection ${n} ended: ${visibleControls(e instanceof Error ? e.message : String(e))}`);
      } finally {
        c.close();
      }
    }
  }
  return parseTranscript(`${lines.join('\n')}\n`, `${scheme}://${target}`, target);
}
