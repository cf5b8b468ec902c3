import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fsName } from '../src/core/fs-names.js';
import { collect } from '../src/lint/collect.js';
import { tempDir } from './helpers/real.js';

// The walk keys each plain file by the root's real path joined with the file's path below the root
// (one realpath a root, not one a file): a file is still linted once however it is reached.
describe('the directory walk', () => {
  it('lints a file once when reached through a symlinked root, a link to it and its own name', () => {
    const dir = tempDir();
    const real = join(dir, 'real');
    mkdirSync(join(real, 'mail'), { recursive: true });
    writeFileSync(join(real, 'aliases'), 'root: admin\n');
    writeFileSync(join(real, 'mail', 'sendmail.mc'), "OSTYPE(`linux')dnl\n");
    // Debian's /etc/mail/aliases is a link to ../aliases.
    symlinkSync('../aliases', join(real, 'mail', 'aliases'));
    symlinkSync('real', join(dir, 'via-link'));
    const skipped: string[] = [];
    const got = collect({ paths: ['via-link', 'real/mail/sendmail.mc', 'real/aliases', 'real/mail/aliases'] }, dir, skipped);
    assert.deepEqual(
      got.map((t) => [t.shown, t.kind]),
      [
        ['via-link/aliases', 'aliases'],
        ['via-link/mail/sendmail.mc', 'sendmail-mc'],
      ],
    );
    assert.deepEqual(skipped, []);
  });

  it('keeps names that are not ASCII, or not UTF-8, as they are on disk', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'hôte'));
    writeFileSync(join(dir, 'hôte', 'aliases'), 'root: admin\n');
    const odd = `h${String.fromCharCode(0xdcff)}`;
    mkdirSync(fsName(join(dir, odd)));
    writeFileSync(fsName(join(dir, odd, 'aliases')), 'root: admin\n');
    const got = collect({ paths: ['.'] }, dir, []);
    assert.deepEqual(
      got.map((t) => t.abs),
      [join(dir, odd, 'aliases'), join(dir, 'hôte', 'aliases')].sort((a, b) => (a < b ? -1 : 1)),
    );
    // A second path naming a file the walk found already adds nothing.
    assert.equal(collect({ paths: ['.', join(odd, 'aliases')] }, dir, []).length, 2);
  });
});
