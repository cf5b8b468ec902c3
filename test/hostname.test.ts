import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { canonicalName } from '../src/policy/init/host-keys.js';
import { needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';

/** Node name, /etc/hosts, and the $j sendmail 8.17.1.9 derived from them (measured; see canonicalName). */
const CASES: [string, string, string][] = [
  ['vm', '127.0.0.1 localhost\n127.0.1.1 vm.localdomain vm\n', 'vm.localdomain'],
  ['vm', '127.0.0.1 localhost\n127.0.1.1 vm vm.localdomain\n', 'vm.localdomain'],
  ['vm', '127.0.0.1 localhost\n127.0.0.1 vm\n127.0.1.1 vm.localdomain vm\n', 'vm.localdomain'],
  ['mx', '127.0.0.1 localhost\n192.0.2.5 mx.example.com mx\n', 'mx.example.com'],
  ['MX', '127.0.0.1 localhost\n192.0.2.5 mx.example.com mx\n', 'mx.example.com'],
  ['mx', '127.0.0.1 localhost\n192.0.2.5 mx mx.example.com mx.other.org\n', 'mx.example.com'],
  ['vm', '127.0.0.1 localhost vm.localdomain vm\n', 'vm.localdomain'],
  ['vm', '127.0.1.1 vm.localdomain vm\n::1 vm.six.example vm\n', 'vm.six.example'],
  ['vm', '::1 vm.six.example vm\n127.0.1.1 vm.localdomain vm\n', 'vm.six.example'],
  ['vm', '127.0.1.1 vm\n192.0.2.1 vm.a.example vm\n10.0.0.1 vm.b.example vm\n', 'vm.a.example'],
  ['vm', '127.0.1.1 other.example vm # comment\n', 'other.example'],
  ['vm', '# 127.0.1.1 vm.bad vm\n127.0.1.1 vm.good vm\n', 'vm.good'],
  ['vm', '127.0.1.1\tvm.tab.example\tvm\n', 'vm.tab.example'],
  ['mx.example.com', '127.0.0.1 localhost\n', 'mx.example.com'],
];

describe("sendmail's $j from the node name and /etc/hosts (init --from-system, issue 15)", () => {
  it('canonicalName gives what sendmail was measured to give', () => {
    for (const [node, hosts, j] of CASES) assert.equal(canonicalName(node, hosts).name, j, `${node} with ${JSON.stringify(hosts)}`);
    // The line named is the one the name is on (here the second matching line, merged by multi on).
    assert.deepEqual(canonicalName('vm', '127.0.0.1 localhost\n127.0.0.1 vm\n127.0.1.1 vm.localdomain vm\n'), { name: 'vm.localdomain', line: 3 });
  });

  it('the real sendmail agrees (its hosts file and node name set in private mount and UTS namespaces)', (t) => {
    if (!needs(t, SENDMAIL, '/usr/bin/unshare')) return;
    if (!needsRoot(t, 'unshare -m -u needs root')) return;
    const dir = tempDir('mh-hosts-');
    CASES.forEach(([node, hosts, j], i) => {
      const file = join(dir, `hosts.${i}`);
      writeFileSync(file, hosts);
      // Only names sendmail resolves from the file: a node name in no line would make it ask DNS.
      if (!canonicalName(node, hosts).line) return;
      const r = spawnSync('unshare', ['-m', '-u', 'sh', '-c', 'hostname "$1" && mount --bind "$2" /etc/hosts && sendmail -d0.1 -bt </dev/null', 'sh', node, file], { encoding: 'utf8', timeout: 30_000 });
      if (r.status !== 0 && /unshare failed|Operation not permitted/.test(r.stderr)) {
        // CI runs as root on a machine with namespaces: there a refusal is a failure, not a skip.
        if (process.env.CI === 'true') throw new Error(`CI must allow unshare -m -u: ${r.stderr.trim()}`);
        return void t.skip(`no namespaces here: ${r.stderr.trim()}`);
      }
      const got = /\(canonical domain name\) \$j = (\S+)/.exec(r.stdout)?.[1];
      assert.equal(got, j, `sendmail with node ${node} and ${JSON.stringify(hosts)}: ${r.stdout}${r.stderr}`);
      assert.equal(canonicalName(node, hosts).name, got);
    });
  });
});
