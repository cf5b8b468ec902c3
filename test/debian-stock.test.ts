import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lintText } from '../src/lint/text.js';
import { rules } from '../rules/index.js';
import { debianCf, debianMc, DEBIAN_MC, M4, needs, needsRoot, SENDMAIL } from './helpers/real.js';
import { smtpSession } from './helpers/smtp-bs.js';

const HARDENING = ['O PrivacyOptions=noexpn,novrfy', 'O SmtpGreetingMessage=$j'].join('\n');
const ids = (text: string, kind: 'sendmail-cf' | 'sendmail-mc') => new Set(lintText(text, kind, rules).map((f) => f.ruleId));

describe("Debian's stock configuration, generated now with m4 from sendmail-cf", () => {
  it('lint reports what the stock cf really does: VRFY/EXPN answered, version in the greeting, prog mailer /bin/sh', (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const found = ids(debianCf(), 'sendmail-cf');
    for (const id of ['MH1001', 'MH1002', 'MH1010', 'MH1030']) assert.ok(found.has(id), `${id} not reported on the stock cf`);
    assert.ok(!found.has('MH1012'), 'the stock cf names a help file, so HELP is not the built-in 502 text');
    assert.ok(![...found].some((id) => ['MH1052', 'MH1054', 'MH1055', 'MH1056', 'MH1058', 'MH1059'].includes(id)), 'sendmail accepts its own stock cf');
  });

  it('lint reports the same on the stock .mc', (t) => {
    if (!needs(t, DEBIAN_MC)) return;
    const found = ids(debianMc(), 'sendmail-mc');
    for (const id of ['MH1001', 'MH1002', 'MH1010', 'MH1030']) assert.ok(found.has(id), `${id} not reported on the stock mc`);
  });

  it('real sendmail -bs on the stock cf answers VRFY and EXPN with 250 and shows its version', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'sendmail -bs with -C needs root (FORMATS.md §2)')) return;
    const s = await smtpSession(debianCf(), ['EHLO client.example', 'VRFY root', 'EXPN root', 'HELP', 'QUIT']);
    const by = (c: string) => s.find((x) => x.command === c)!;
    assert.match(s[0]!.lines.join('\n'), /Sendmail 8\.\d+/, 'greeting shows the version');
    assert.equal(by('VRFY root').code, 250);
    assert.equal(by('EXPN root').code, 250);
    assert.match(by('HELP').lines.join('\n'), /version 8\.\d+/i);
  });

  it('after adding noexpn, novrfy and a version-free greeting, lint is quiet about them and sendmail agrees', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const cf = `${debianCf()}\n${HARDENING}\n`;
    const found = ids(cf, 'sendmail-cf');
    for (const id of ['MH1001', 'MH1002', 'MH1010']) assert.ok(!found.has(id), `${id} still reported`);
    if (!needsRoot(t, 'sendmail -bs with -C needs root')) return;
    const s = await smtpSession(cf, ['EHLO client.example', 'VRFY root', 'EXPN root', 'QUIT']);
    const by = (c: string) => s.find((x) => x.command === c)!;
    assert.doesNotMatch(s[0]!.lines.join('\n'), /Sendmail|8\.\d+\.\d+/);
    assert.equal(by('VRFY root').code, 252);
    assert.equal(by('EXPN root').code, 502);
  });
});
