import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';

export const OPENSSL = '/usr/bin/openssl';

/** Runs argv (never a shell unless argv says so): exit status and stdout+stderr. */
export function sh(argv: string[], input = ''): { status: number; out: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/**
 * A CA (ca.crt, ca.key) and a server certificate it signs (server.crt, server.key, CN=localhost), made
 * by openssl in dir, valid for two days. Returns the key's path.
 */
export function caAndServer(dir: string): string {
  const key = posix.join(dir, 'server.key');
  for (const argv of [
    [OPENSSL, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.crt`, '-subj', '/CN=mailharden test CA', '-days', '2'],
    [OPENSSL, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', `${dir}/server.csr`, '-subj', '/CN=localhost'],
    [OPENSSL, 'x509', '-req', '-in', `${dir}/server.csr`, '-CA', `${dir}/ca.crt`, '-CAkey', `${dir}/ca.key`, '-CAcreateserial', '-out', `${dir}/server.crt`, '-days', '2'],
  ]) {
    const r = sh(argv);
    assert.equal(r.status, 0, r.out);
  }
  return key;
}
