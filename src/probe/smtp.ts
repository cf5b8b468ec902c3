import { isIP, Socket } from 'node:net';
import { connect as tlsConnect, rootCertificates, type TLSSocket } from 'node:tls';
import { UserError } from '../core/errors.js';
import { EXIT } from '../core/exit.js';
import { isFinal } from './transcript.js';
import { visibleControls } from '../core/visible.js';

/** Limits that keep a hostile or broken server from hanging or flooding the probe. */
export const LIMITS = {
  /** Longest reply line kept (RFC 5321 allows 512 octets); longer lines are cut in the transcript. */
  lineBytes: 2048,
  /** Lines of one reply (a HELP text is ~30). */
  replyLines: 200,
  /** Bytes of one reply. */
  replyBytes: 64 * 1024,
};

/**
 * How a reply is read: for each line (and the lines before it), whether the reply goes on, ends
 * here, or the line is not a reply of the protocol at all (`bad`, with the protocol's name).
 */
export type ReplyReader = (line: string, index: number) => 'more' | 'end' | 'bad';

/** SMTP: `250 ` ends, `250-` continues, informational `050` lines do not end a reply. */
export const smtpReply: ReplyReader = (line) => (!/^\d{3}([ -]|$)/.test(line) ? 'bad' : isFinal(line) ? 'end' : 'more');

/** What a TLS handshake is asked to allow: protocol versions, ciphers, the CAs trusted. */
export interface TlsRequest {
  minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3';
  /** CA certificates (PEM) trusted besides Node's own. */
  ca?: readonly string[];
}

/**
 * A small line client for the probe: one command at a time, each reply read to its end (SMTP by
 * default, POP3 and IMAP with their own ReplyReader), with a timeout on the connection and on every
 * reply; the connection can be turned into TLS (STARTTLS, STLS, or at once for smtps/pop3s/imaps).
 * Everything sent and received is appended to the transcript.
 */
export class SmtpClient {
  private socket?: Socket | TLSSocket;
  private buffer = '';
  private closed = false;
  private waiter?: () => void;
  private readonly lines: string[] = [];
  /** A line grew past any limit before its newline came. */
  private overlong = false;
  /** The address actually connected to (a host name can resolve to loopback). */
  remoteAddress = '';

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
    /** Receives each protocol line, prefixed `S: ` or `C: `. */
    private readonly log: (line: string) => void,
  ) {}

  /** `host:port` as people write it (`[::1]:25` for IPv6). */
  get target(): string {
    return `${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}`;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      this.socket = socket;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new UserError(`${this.target}: no connection within ${this.timeoutMs / 1000} s`, EXIT.runtime));
      }, this.timeoutMs);
      socket.setEncoding('latin1');
      socket.once('error', (e: NodeJS.ErrnoException & { errors?: Error[] }) => {
        clearTimeout(timer);
        // With several addresses, Node tries each and may report an error with no message of its own.
        const why = e.code === 'ECONNREFUSED' ? 'connection refused' : e.message || e.errors?.[0]?.message || e.code || 'cannot connect';
        reject(new UserError(`${this.target}: ${why}`, EXIT.runtime));
      });
      socket.connect(this.port, this.host, () => {
        clearTimeout(timer);
        this.remoteAddress = socket.remoteAddress ?? '';
        socket.on('error', () => {
          this.closed = true;
          this.waiter?.();
        });
        resolve();
      });
      socket.on('data', (chunk: string) => this.receive(chunk));
      socket.on('close', () => {
        this.closed = true;
        this.waiter?.();
      });
    });
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > LIMITS.lineBytes * 4 && this.buffer.indexOf('\n') < 0) {
      // One endless line: the reader reports it, and nothing more of it is kept.
      this.overlong = true;
      this.buffer = '';
    }
    for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
      this.lines.push(this.buffer.slice(0, nl).replace(/\r$/, ''));
      this.buffer = this.buffer.slice(nl + 1);
    }
    this.waiter?.();
  }

  /**
   * Turns the connection into TLS (the server said yes to STARTTLS, or the port speaks TLS at once).
   * The certificate is never refused here: the probe reports what it finds. Resolves with the TLS
   * socket; rejects with the handshake's own words when it fails (a refused protocol version).
   */
  startTls(request: TlsRequest = {}): Promise<TLSSocket> {
    const plain = this.socket;
    if (!plain || this.closed) return Promise.reject(new Error('the server closed the connection'));
    plain.removeAllListeners('data');
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        socket: plain,
        ...(isIP(this.host) ? {} : { servername: this.host }),
        rejectUnauthorized: false,
        // The name is judged by the probe rules, from the certificate the transcript shows.
        checkServerIdentity: () => undefined,
        // Security level 0: a 1024-bit key or TLS 1.0 must get as far as a handshake to be reported.
        ciphers: 'DEFAULT:@SECLEVEL=0',
        minVersion: request.minVersion ?? 'TLSv1',
        ...(request.maxVersion ? { maxVersion: request.maxVersion } : {}),
        ...(request.ca?.length ? { ca: [...rootCertificates, ...request.ca] } : {}),
      });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`no TLS handshake within ${this.timeoutMs / 1000} s`));
      }, this.timeoutMs);
      socket.once('error', (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        this.closed = true;
        this.waiter?.();
        reject(new Error(tlsReason(e)));
      });
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        this.socket = socket;
        socket.on('error', () => {
          this.closed = true;
          this.waiter?.();
        });
        resolve(socket);
      });
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => this.receive(chunk));
      socket.on('close', () => {
        this.closed = true;
        this.waiter?.();
      });
    });
  }

  /** The server hung up (or the connection failed). */
  get isClosed(): boolean {
    return this.closed;
  }

  /** Lines the server sent that nobody has read yet (after a STARTTLS, they came in clear). */
  get unread(): number {
    return this.lines.length;
  }

  /** Waits up to `ms` for a line nobody asked for; true when one came. */
  async waitForLine(ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    while (!this.lines.length && !this.closed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deadline - Date.now());
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
    return this.lines.length > 0;
  }

  /** Reads one reply; throws a one-line UserError (exit 3) on timeout, close, garbage or flooding. */
  async reply(what: string, reader: ReplyReader = smtpReply, protocol = 'SMTP'): Promise<{ code: number; lines: string[] }> {
    const got: string[] = [];
    let bytes = 0;
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      if (this.overlong && this.lines.length === 0) throw new UserError(`${this.target}: a reply line of more than ${LIMITS.lineBytes * 4} bytes to ${what}`, EXIT.runtime);
      while (this.lines.length) {
        const raw = this.lines.shift()!;
        bytes += raw.length;
        const line = raw.length > LIMITS.lineBytes ? `${raw.slice(0, LIMITS.lineBytes)}…` : raw;
        // Printable text only in the transcript: a control character from the server is shown escaped
        // (a TAB stays, as the transcript is a file); in an error message, every one.
        const shown = visibleControls(line, 'layout');
        this.log(`S: ${shown}`);
        got.push(shown);
        const verdict = reader(line, got.length - 1);
        if (verdict === 'bad') throw new UserError(`${this.target}: not ${protocol === 'POP3' ? 'a' : 'an'} ${protocol} reply to ${what}: "${visibleControls(line.slice(0, 80))}"`, EXIT.runtime);
        if (raw.length > LIMITS.lineBytes * 4) throw new UserError(`${this.target}: a reply line of more than ${LIMITS.lineBytes * 4} bytes to ${what}`, EXIT.runtime);
        if (got.length > LIMITS.replyLines || bytes > LIMITS.replyBytes) throw new UserError(`${this.target}: the reply to ${what} does not end (${got.length} lines, ${bytes} bytes)`, EXIT.runtime);
        if (verdict === 'end') return { code: Number(/^\d{3}/.exec(line)?.[0] ?? 0), lines: got };
      }
      if (this.closed) throw new UserError(`${this.target}: the server closed the connection ${got.length ? 'in the middle of' : 'instead of'} its reply to ${what}`, EXIT.runtime);
      const left = deadline - Date.now();
      if (left <= 0) throw new UserError(`${this.target}: no reply to ${what} within ${this.timeoutMs / 1000} s`, EXIT.runtime);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiter = undefined;
    }
  }

  /** Sends one command line and reads its reply (`shown`: what the transcript says was sent, when not the line). */
  async command(line: string, reader: ReplyReader = smtpReply, protocol = 'SMTP', shown = line): Promise<{ code: number; lines: string[] }> {
    if (/[\r\n]/.test(line)) throw new Error('a command holds no line break');
    if (this.closed || !this.socket) throw new UserError(`${this.target}: the server closed the connection before ${line.split(' ')[0]}`, EXIT.runtime);
    // Lines nobody asked for would be read as the reply to this command, and every later reply would be
    // one late (a relay accepted could pass for refused): that is a broken server, not a finding.
    if (this.lines.length || this.overlong) throw new UserError(`${this.target}: the server sent lines nobody asked for before ${line.split(' ')[0]}: "${visibleControls((this.lines[0] ?? '').slice(0, 80))}"`, EXIT.runtime);
    this.log(`C: ${shown}`);
    this.socket.write(`${line}\r\n`, 'latin1');
    const words = shown.split(/[\s:]/);
    return this.reply((protocol === 'IMAP' ? (words[1] ?? '') : words[0]!).toUpperCase(), reader, protocol);
  }

  /** Writes lines in one write, as they are (the STARTTLS injection test); the caller logs them. */
  writeRaw(text: string): void {
    if (this.closed || !this.socket) throw new UserError(`${this.target}: the server closed the connection`, EXIT.runtime);
    this.socket.write(text, 'latin1');
  }

  close(): void {
    this.socket?.destroy();
  }
}

/** A handshake error in a few words: OpenSSL's reason (`unsupported protocol`), else Node's message. */
export function tlsReason(e: NodeJS.ErrnoException & { reason?: string }): string {
  const text = e.reason ?? e.message ?? String(e);
  return text.replace(/^error:[0-9A-F]+:SSL routines::/i, '').slice(0, 160);
}
