import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';

// Debian's dovecot (imapd and pop3d), run by a test from a configuration of its own in a temporary
// directory: its own base_dir, state and log, a passwd-file of one user, openssl-made certificates,
// listening only on 127.0.0.2 on ports picked free. The probe connects from 127.0.0.1: dovecot treats
// a client whose address is the server's own as secure, and would hide what it offers in clear.
// Nothing on the system is changed; the one process started is stopped by its pid.

export const DOVECOT = '/usr/sbin/dovecot';
/** The address dovecot listens on; the client comes from 127.0.0.1. */
export const DOVECOT_ADDRESS = '127.0.0.2';

export interface DovecotSetup {
  /** `no`, `yes` or `required` (dovecot's `ssl`). */
  ssl: 'no' | 'yes' | 'required';
  /** Plain-text logins allowed without TLS (dovecot's disable_plaintext_auth = no). */
  plaintextInClear: boolean;
  /** auth_mechanisms; `apop` makes dovecot offer APOP (a timestamp in the POP3 greeting). */
  mechanisms: string;
  /** login_greeting; dovecot's default names it ("Dovecot (Debian) ready."). */
  greeting?: string;
  /** ssl_min_protocol and, for TLS 1.0/1.1, a cipher list at security level 0. */
  minProtocol?: 'TLSv1' | 'TLSv1.2';
  cert?: { cert: string; key: string };
}

/** A port free on 127.0.0.2 right now. */
async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, DOVECOT_ADDRESS, resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect({ host: DOVECOT_ADDRESS, port });
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

export class Dovecot {
  private child?: ChildProcess;
  imap = 0;
  pop3 = 0;
  imaps = 0;
  pop3s = 0;
  readonly dir: string;
  private readonly stopOnExit = () => this.stop();

  constructor(
    parent: string,
    readonly setup: DovecotSetup,
  ) {
    this.dir = join(parent, `dovecot-${process.hrtime.bigint()}`);
  }

  /** Writes the configuration, starts `dovecot -F -c conf` and waits until all four ports answer. */
  async start(): Promise<void> {
    const d = this.dir;
    for (const sub of ['', 'run', 'state', 'mail']) mkdirSync(join(d, sub), { recursive: true });
    // The login processes run as dovenull and must reach base_dir.
    for (const sub of ['', 'run']) chmodSync(join(d, sub), 0o755);
    chmodSync(join(d, '..'), 0o755);
    [this.imap, this.pop3, this.imaps, this.pop3s] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // One user; its password is never sent by the probe (a hash of a random string).
    writeFileSync(join(d, 'passwd'), `someone:{PLAIN}${process.hrtime.bigint()}:65534:65534::${join(d, 'mail')}::\n`, { mode: 0o644 });
    const s = this.setup;
    const tls = s.ssl === 'no'
      ? ['ssl = no']
      : [
          `ssl = ${s.ssl}`,
          `ssl_cert = <${s.cert!.cert}`,
          `ssl_key = <${s.cert!.key}`,
          `ssl_min_protocol = ${s.minProtocol ?? 'TLSv1.2'}`,
          ...(s.minProtocol === 'TLSv1' ? ['ssl_cipher_list = DEFAULT:@SECLEVEL=0'] : []),
        ];
    const conf = [
      `base_dir = ${join(d, 'run')}`,
      `state_dir = ${join(d, 'state')}`,
      `log_path = ${join(d, 'dovecot.log')}`,
      'protocols = imap pop3',
      `listen = ${DOVECOT_ADDRESS}`,
      'login_trusted_networks =',
      `disable_plaintext_auth = ${s.plaintextInClear ? 'no' : 'yes'}`,
      `auth_mechanisms = ${s.mechanisms}`,
      ...(s.greeting ? [`login_greeting = ${s.greeting}`] : []),
      ...tls,
      `mail_location = maildir:${join(d, 'mail')}/%u`,
      `passdb {\n  driver = passwd-file\n  args = ${join(d, 'passwd')}\n}`,
      `userdb {\n  driver = passwd-file\n  args = ${join(d, 'passwd')}\n}`,
      // Without TLS dovecot refuses an ssl=yes listener: the implicit-TLS ports are closed (port 0).
      `service imap-login {\n  inet_listener imap {\n    port = ${this.imap}\n  }\n  inet_listener imaps {\n    port = ${s.ssl === 'no' ? 0 : this.imaps}\n  }\n}`,
      `service pop3-login {\n  inet_listener pop3 {\n    port = ${this.pop3}\n  }\n  inet_listener pop3s {\n    port = ${s.ssl === 'no' ? 0 : this.pop3s}\n  }\n}`,
      '',
    ];
    writeFileSync(join(d, 'dovecot.conf'), conf.join('\n'));
    this.child = spawn(DOVECOT, ['-F', '-c', join(d, 'dovecot.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    this.child.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    this.child.stderr!.on('data', (b: Buffer) => (output += b.toString()));
    process.once('exit', this.stopOnExit);
    const ports = s.ssl === 'no' ? [this.imap, this.pop3] : [this.imap, this.pop3, this.imaps, this.pop3s];
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) throw new Error(`dovecot exited ${this.child.exitCode}: ${output}${this.log()}`);
      const up = await Promise.all(ports.map(accepts));
      if (up.every(Boolean)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    this.stop();
    throw new Error(`dovecot did not listen within 20 s: ${output}${this.log()}`);
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'dovecot.log'), 'utf8');
    } catch {
      return '';
    }
  }

  /** SIGTERM to the dovecot this object started (its master stops its own children), SIGKILL if it stays. */
  stop(): void {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    child.once('exit', () => clearTimeout(timer));
    process.off('exit', this.stopOnExit);
  }

  /** Resolves once the process has ended. */
  async stopped(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    this.stop();
    await new Promise((r) => child.once('exit', r));
  }
}
