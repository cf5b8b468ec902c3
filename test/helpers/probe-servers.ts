import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { createServer as createTlsServer, TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { debianCf, SENDMAIL } from './real.js';

// Real servers for the probe tests: certificates made by openssl, and the real sendmail behind a
// loopback socket (each connection its own `sendmail -bs`, which runs STARTTLS over its standard
// input and output), so nothing on the system is started or changed.

export const OPENSSL = '/usr/bin/openssl';

function ssl(dir: string, ...args: string[]): void {
  const r = spawnSync(OPENSSL, args, { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
}

/** A CA (`ca.pem`, `ca.key`) and an `openssl ca` set-up in `dir`, which can sign with any dates. */
export function makeCa(dir: string): void {
  ssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '30', '-subj', '/CN=mailharden probe test CA');
  mkdirSync(join(dir, 'db'));
  writeFileSync(join(dir, 'db', 'index.txt'), '');
  writeFileSync(join(dir, 'db', 'serial'), '01\n');
  // `openssl ca` is the one way OpenSSL 3.0 sets both dates (-startdate, -enddate): an expired or a
  // not yet valid certificate without touching the clock. copy_extensions keeps the request's names.
  writeFileSync(
    join(dir, 'ca.cnf'),
    ['[ca]', 'default_ca = d', '[d]', 'database = db/index.txt', 'new_certs_dir = db', 'serial = db/serial', 'default_md = sha256', 'policy = p', 'unique_subject = no', 'copy_extensions = copy', '[p]', 'commonName = supplied', ''].join('\n'),
  );
  mkdirSync(join(dir, 'certs'));
  copyFileSync(join(dir, 'ca.pem'), join(dir, 'certs', 'ca.pem'));
  ssl(dir, 'rehash', join(dir, 'certs'));
}

export interface CertSpec {
  /** File names: NAME.pem, NAME.key. */
  name: string;
  cn: string;
  /** subjectAltName, e.g. `DNS:localhost,IP:127.0.0.1`; none when absent. */
  san?: string;
  bits?: number;
  /** Signed by itself instead of the CA. */
  selfSigned?: boolean;
  /** `YYYYMMDDHHMMSSZ` dates (CA-signed only); 30 days from now when absent. */
  start?: string;
  end?: string;
}

/** A key and a certificate made by openssl as `spec` says; returns the paths. */
export function makeCert(dir: string, spec: CertSpec): { cert: string; key: string } {
  const key = `${spec.name}.key`;
  const cert = `${spec.name}.pem`;
  const ext = spec.san ? ['-addext', `subjectAltName=${spec.san}`] : [];
  if (spec.selfSigned) {
    ssl(dir, 'req', '-x509', '-newkey', `rsa:${spec.bits ?? 2048}`, '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', `/CN=${spec.cn}`, ...ext);
  } else {
    ssl(dir, 'req', '-newkey', `rsa:${spec.bits ?? 2048}`, '-nodes', '-keyout', key, '-out', `${spec.name}.csr`, '-subj', `/CN=${spec.cn}`, ...ext);
    const dates = spec.start || spec.end ? ['-startdate', spec.start ?? '20200101000000Z', '-enddate', spec.end ?? '20991231000000Z'] : ['-days', '30'];
    ssl(dir, 'ca', '-batch', '-notext', '-config', 'ca.cnf', '-cert', 'ca.pem', '-keyfile', 'ca.key', '-in', `${spec.name}.csr`, '-out', cert, ...dates);
  }
  chmodSync(join(dir, key), 0o600);
  return { cert: join(dir, cert), key: join(dir, key) };
}

/**
 * Debian's stock cf with STARTTLS on this certificate and `extra` options (`O Name=value` lines);
 * the host status directory is moved to `dir` (sendmail warns on stdout where /var/lib/sendmail is not set up).
 */
export function tlsCf(dir: string, cert: { cert: string; key: string } | undefined, extra: Record<string, string> = {}): string {
  const options: Record<string, string> = {
    HostStatusDirectory: dir,
    ...(cert ? { ServerCertFile: cert.cert, ServerKeyFile: cert.key, CACertFile: join(dir, 'ca.pem'), CACertPath: join(dir, 'certs') } : {}),
    ...extra,
  };
  return `${debianCf()}\n${Object.entries(options).map(([k, v]) => `O ${k}=${v}`).join('\n')}\n`;
}

/**
 * The real sendmail behind a socket on 127.0.0.1: each connection its own `sendmail -C cf -bs`.
 * Returns the port and a closer that ends the listener and every sendmail it started.
 */
export async function sendmailServer(dir: string, cf: string, env: Record<string, string> = {}): Promise<{ port: number; close: () => Promise<void> }> {
  const cfPath = join(dir, `probe-${process.hrtime.bigint()}.cf`);
  writeFileSync(cfPath, cf, { mode: 0o644 });
  const children = new Set<ReturnType<typeof spawn>>();
  const server = createServer((sock) => {
    const child = spawn(SENDMAIL, ['-C', cfPath, '-bs'], { stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ...env } });
    children.add(child);
    sock.pipe(child.stdin);
    child.stdout.pipe(sock);
    sock.on('error', () => child.kill());
    sock.on('close', () => child.kill());
    child.stdin.on('error', () => sock.destroy());
    child.on('close', () => {
      children.delete(child);
      sock.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const c of children) c.kill('SIGKILL');
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * An SMTP front that speaks TLS with Node (OpenSSL underneath) on `cert`/`key`, in front of the real
 * `sendmail -bs` in clear: for what sendmail will not serve, a 1024-bit key and implicit TLS
 * (smtps, port 465) without running its daemon. With `starttls`, the front offers STARTTLS itself.
 */
export async function tlsFront(dir: string, cf: string, cert: { cert: string; key: string }, starttls: boolean): Promise<{ port: number; close: () => void }> {
  const cfPath = join(dir, `front-${process.hrtime.bigint()}.cf`);
  writeFileSync(cfPath, cf, { mode: 0o644 });
  const context = { cert: readFileSync(cert.cert), key: readFileSync(cert.key), ciphers: 'DEFAULT:@SECLEVEL=0', minVersion: 'TLSv1.2' as const };
  const children: ReturnType<typeof spawn>[] = [];
  const toSendmail = (sock: NodeJS.ReadWriteStream & { destroy(): void }, dropGreeting = false) => {
    const child = spawn(SENDMAIL, ['-C', cfPath, '-bs'], { stdio: ['pipe', 'pipe', 'ignore'] });
    children.push(child);
    if (dropGreeting) {
      // After STARTTLS the client does not expect a greeting, and sendmail refuses a client that talks
      // before it has greeted (554): its greeting is read and dropped before the client is let in.
      sock.pause();
      let head = '';
      const onGreeting = (d: Buffer) => {
        head += d.toString('latin1');
        const end = /^220 [^\n]*\n/m.exec(head);
        if (!end) return;
        child.stdout.off('data', onGreeting);
        const rest = head.slice(end.index + end[0].length);
        if (rest) sock.write(rest);
        child.stdout.pipe(sock);
        sock.pipe(child.stdin);
        sock.resume();
      };
      child.stdout.on('data', onGreeting);
    } else {
      sock.pipe(child.stdin);
      child.stdout.pipe(sock);
    }
    sock.on('error', () => child.kill());
    child.stdin.on('error', () => sock.destroy());
    child.on('close', () => sock.end());
  };
  const server = starttls
    ? createServer((plain) => {
        // The front's own short dialogue in clear: EHLO offers STARTTLS, other commands are not
        // served, STARTTLS hands the connection, in TLS, to sendmail.
        plain.write('220 front.example.test ESMTP\r\n');
        let buf = '';
        const onData = (d: Buffer) => {
          buf += d.toString('latin1');
          for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
            const line = buf.slice(0, nl).replace(/\r$/, '');
            buf = buf.slice(nl + 1);
            const verb = line.split(/[ :]/)[0]!.toUpperCase();
            if (verb === 'STARTTLS') {
              plain.off('data', onData);
              plain.write('220 2.0.0 Ready to start TLS\r\n');
              const secure = new TLSSocket(plain, { isServer: true, ...context });
              secure.on('error', () => plain.destroy());
              toSendmail(secure, true);
              return;
            }
            plain.write(verb === 'EHLO' ? '250-front.example.test\r\n250 STARTTLS\r\n' : verb === 'QUIT' ? '221 bye\r\n' : '502 5.5.1 not served before STARTTLS\r\n');
          }
        };
        plain.on('data', onData);
        plain.on('error', () => {});
      })
    : createTlsServer(context, (secure) => toSendmail(secure));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const c of children) c.kill('SIGKILL');
      server.close();
    },
  };
}


/**
 * A server with the STARTTLS command-injection bug (CVE-2011-0411), made with node:tls for the test of
 * MH7021 (no server installed here has it): what it read in clear after STARTTLS, it answers inside TLS.
 */
export async function injectableServer(cert: { cert: string; key: string }): Promise<{ port: number; close: () => void }> {
  const context = { cert: readFileSync(cert.cert), key: readFileSync(cert.key) };
  const server = createServer((plain) => {
    plain.on('error', () => {});
    plain.write('220 injectable.example.test ESMTP\r\n');
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const verb = buf.slice(0, nl).replace(/\r$/, '').split(/[ :]/)[0]!.toUpperCase();
        buf = buf.slice(nl + 1);
        if (verb === 'STARTTLS') {
          plain.off('data', onData);
          plain.write('220 2.0.0 Ready to start TLS\r\n');
          // The bug: the rest of the clear-text buffer is kept and run inside TLS.
          const kept = buf.split('\n').filter((l) => l.trim());
          const secure = new TLSSocket(plain, { isServer: true, ...context });
          secure.on('error', () => plain.destroy());
          secure.on('secure', () => {
            for (const _ of kept) secure.write('250 2.0.0 Reset state\r\n');
          });
          secure.on('data', (x: Buffer) => {
            if (/^QUIT/i.test(x.toString('latin1'))) secure.end('221 bye\r\n');
            else secure.write('250 ok\r\n');
          });
          return;
        }
        plain.write(verb === 'EHLO' ? '250-injectable.example.test\r\n250 STARTTLS\r\n' : verb === 'QUIT' ? '221 bye\r\n' : verb === 'RCPT' ? '550 5.7.1 Relaying denied\r\n' : '250 ok\r\n');
        if (verb === 'QUIT') plain.end();
      }
    };
    plain.on('data', onData);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}
