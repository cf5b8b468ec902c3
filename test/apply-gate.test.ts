import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run } from './helpers/cli.js';
import { tempDir } from './helpers/real.js';

/** A tree with an /etc/aliases and a policy beside it. */
function tree(aliases: string, policy: string): { root: string; policy: string } {
  const dir = tempDir('mh-gate-');
  const root = join(dir, 'root');
  mkdirSync(join(root, 'etc/mail'), { recursive: true });
  writeFileSync(join(root, 'etc/aliases'), aliases);
  writeFileSync(join(dir, 'p.yaml'), policy);
  return { root, policy: join(dir, 'p.yaml') };
}

describe("apply's gate compares findings by what they are about", () => {
  it('stripping an alias from a CRLF aliases file is no new finding (MH2010 says "1 entry" instead of "2 entries")', () => {
    const { root, policy } = tree('postmaster: root\nroot: ops@example.com\ndecode: root\r\ngames: root\r\n', 'version: 1\nprofile: debian\naliases:\n  strip: [decode]\n');
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--no-validate']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(readFileSync(join(root, 'etc/aliases'), 'utf8'), /decode/);
    // lint still reports the CRLF (now in 1 entry): apply left it as it was.
    assert.match(run(['lint', join(root, 'etc/aliases'), '--format', 'compact']).stdout, /MH2010/);
  });

  it('a new real problem is still refused: a relay network that makes the access map relay for a /16 (MH3001)', () => {
    const { root, policy } = tree('postmaster: root\n', 'version: 1\nprofile: debian\nrelay:\n  networks: [10.1.0.0/16]\n');
    const r = run(['apply', policy, '--root', root, '--files-only', '--no-post-commands', '--no-validate']);
    assert.equal(r.code, 2, r.stdout);
    assert.match(r.stderr, /fail mailharden's own rules/);
    assert.match(r.stderr, /MH3001/);
  });
});
