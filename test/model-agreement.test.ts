import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { before, describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { lint } from '../src/lint/request.js';
import { LEGACY_ALIASES } from '../src/model/aliases.js';
import { derivePolicy, starterPolicy } from '../src/policy/init/index.js';
import { loadTemplates, type Render } from '../src/render/templates.js';
import { tempDir } from './helpers/real.js';

// Lint and `init --from-system` read a file's meaning from one place (src/model/): fed the same
// files, they must give the same answer (issue 14).

/** A Debian-like tree with a sendmail.cf and the files given; returns its root. */
function tree(files: Record<string, string>): string {
  const root = tempDir('mh-agree-');
  chmodSync(root, 0o755);
  const all: Record<string, string> = {
    '/etc/debian_version': '12.5\n',
    '/etc/mail/sendmail.cf': 'V10/Berkeley\nDjmx1.example.com\nO AliasFile=/etc/aliases\nO QueueDirectory=/var/spool/mqueue\nO HelpFile=/etc/mail/helpfile\n',
    '/etc/aliases': 'postmaster: root\n',
    ...files,
  };
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, path), text);
  }
  mkdirSync(join(root, 'var/spool/mqueue'), { recursive: true, mode: 0o700 });
  return root;
}

/** The findings of one rule on the system under root, as `path:line`. */
async function found(root: string, id: string): Promise<string[]> {
  const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, profile: 'debian' });
  return report.findings.filter((f) => f.ruleId === id && !f.suppressed).map((f) => `/${f.file}:${f.line}`);
}

let render: Render;
before(async () => {
  render = await loadTemplates();
});

const derive = (root: string) => derivePolicy({ root, render, attributes: () => new Map() });

describe('access keys: lint and init agree on which clients a RELAY entry lets relay', () => {
  // Measured with sendmail -bt on Debian's cf and a hash map built by makemap: check_relay looks up
  // "Connect:10.1.2.3", "Connect:10.1.2", "Connect:10.1", "Connect:10" (inet_ntoa's text); the key
  // "Connect:010.1" is in the map (/map access Connect:010.1 returns RELAY) but no lookup asks for it.
  it('Connect:010.1 never matches: lint reports no broad relay, init drops the entry and keeps 10.2', async () => {
    const root = tree({ '/etc/mail/access': 'Connect:010.1\tRELAY\nConnect:10.2\tRELAY\nConnect:127.0.0.1\tRELAY\n' });
    assert.deepEqual(await found(root, 'MH3001'), ['/etc/mail/access:2']);
    const d = derive(root);
    assert.deepEqual(d.policy.relay?.networks, ['10.2.0.0/16', '127.0.0.1/32']);
    assert.match(d.dayOne.join('\n'), /entries that never match are dropped: \/etc\/mail\/access:1 "Connect:010\.1" \(sendmail writes addresses without leading zeros, so it never matches\)/);
  });

  it('an IPv6 group with a leading zero never matches either, and 0.x is a network no client comes from', async () => {
    const root = tree({ '/etc/mail/access': 'Connect:IPv6:2001:0db8\tRELAY\nConnect:0.1\tRELAY\nConnect:IPv6:2001:db8\tRELAY\n' });
    // MH3001 says of 0.1 that it does nothing (line 2); of the IPv6 keys only the one sendmail can match is broad (line 3).
    assert.deepEqual(await found(root, 'MH3001'), ['/etc/mail/access:2', '/etc/mail/access:3']);
    const d = derive(root);
    assert.deepEqual(d.policy.relay?.networks, ['2001:db8::/32']);
    assert.match(d.dayOne.join('\n'), /"Connect:IPv6:2001:0db8" \(sendmail writes IPv6 groups without leading zeros, so it never matches\)/);
    assert.match(d.dayOne.join('\n'), /"Connect:0\.1" \(no client connects from 0\.1\.0\.0\/16\)/);
  });
});

describe('legacy aliases: one list for MH2001, MH2004 and the strip list init writes', () => {
  it('every alias lint calls legacy is in the starter strip list and in init --from-system\'s suggestion', async () => {
    const names = LEGACY_ALIASES.map((a) => a.name);
    assert.ok(names.includes('uudecode'));
    const strip = /^ {2}strip: \[(.*)\]$/m.exec(starterPolicy())?.[1]?.split(', ');
    assert.deepEqual(strip, names);
    const root = tree({ '/etc/aliases': `postmaster: root\n${names.map((n) => `${n}: root`).join('\n')}\n` });
    const flagged = [...(await found(root, 'MH2001')), ...(await found(root, 'MH2004'))].map((at) => Number(at.split(':')[1]));
    assert.deepEqual(flagged.sort((a, b) => a - b), names.map((_, i) => i + 2));
    // The comment is wrapped: read it as one line.
    const text = derive(root).text.replace(/\n *# +/g, ' ');
    for (const n of names) assert.match(text, new RegExp(`\\b${n} \\(a classic alias\\)`), `${n} not called risky by init`);
  });
});

describe('help file: lint (MH6008) and init read it the same way', () => {
  const cases: [string, string][] = [
    ['a macro after #vers 2', '#vers\t2\nsmtp\tThis is sendmail version $v\n'],
    ['no #vers line', 'smtp\tTopics: HELO EHLO MAIL RCPT DATA\n'],
    ['#vers 1', '#vers\t1\nsmtp\tTopics: HELO EHLO\n'],
    ['a version in so many words', '#vers\t2\nsmtp\tsendmail 8.17.1 at your service\n'],
    ['$$v is a dollar and a v', '#vers\t2\nsmtp\tPrices in $$v units\n'],
    ['#vers 2 and no version', '#vers\t2\nsmtp\tTopics: HELO EHLO MAIL RCPT DATA\n'],
    ['a version on a line HELP never shows', '#vers\t2\nsmtp\tTopics\n\tsendmail 8.17.1\n'],
  ];
  for (const [name, text] of cases) {
    it(name, async () => {
      const root = tree({ '/etc/mail/helpfile': text });
      const lintSays = (await found(root, 'MH6008')).length > 0;
      const initSays = /help: the help file \/etc\/mail\/helpfile shows the version/.test(derive(root).text);
      assert.equal(initSays, lintSays, `lint ${lintSays ? 'reports' : 'does not report'} MH6008, init ${initSays ? 'says' : 'does not say'} the version shows`);
    });
  }
});
