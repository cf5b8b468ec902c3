import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { SourceFile } from '../src/core/source.js';
import { lintText } from '../src/lint/text.js';
import { parseAs } from '../src/parsers/documents.js';
import { FIXTURES } from './helpers/fixtures.js';
import { M4, needs } from './helpers/real.js';

const DEBIAN_SUBMIT_MC = '/usr/share/sendmail/cf/debian/submit.mc';
const CF_M4 = '/usr/share/sendmail/cf/m4/cf.m4';

/** The cf real m4 builds from an .mc (a fragment gets the include of cf.m4 first). */
function build(mc: string): string {
  const full = /cf\.m4'\)/.test(mc) ? mc : `include(\`${CF_M4}')dnl\n${mc}`;
  const r = spawnSync(M4, [], { input: full, encoding: 'utf8', timeout: 30_000 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

const ids = (text: string, kind: 'sendmail-mc' | 'sendmail-cf') => lintText(text, kind, rules).filter((f) => !f.suppressed).map((f) => f.ruleId).sort();
const lineOf = (text: string, re: RegExp) => text.split('\n').findIndex((l) => re.test(l)) + 1;

/**
 * What a submission program's configuration really gets wrong, each with why it is true:
 * - MH1003: restrictmailq is not among goaway,noetrn,restrictqrun, and `mailq` as any user lists the
 *   client queue (FORMATS.md §3: as nobody, mailq lists both queues, exit 0).
 * - MH1022: cfhead.m4's Received: header, `by $j ($v/$Z)`, goes into every message the MSP submits.
 * Nothing about a listening daemon: the MSP runs none (Debian starts it as `sendmail-msp -Ac -q`).
 */
const MSP_FINDINGS = ['MH1003', 'MH1022'];

describe("FEATURE(`msp') as m4 reads it: a submission program, which runs no SMTP daemon", () => {
  it("Debian's submit.mc: the settings msp.m4 and debian-msp.m4 make, at the call that makes them", (t) => {
    if (!needs(t, DEBIAN_SUBMIT_MC)) return;
    const text = readFileSync(DEBIAN_SUBMIT_MC, 'utf8');
    const model = parseAs('sendmail-mc', new SourceFile('submit.mc', text)).sendmail;
    const mspLine = lineOf(text, /^FEATURE\(`msp'/);
    const domainLine = lineOf(text, /^DOMAIN\(`debian-msp'\)/);
    assert.equal(model.role, 'msp');
    assert.equal(model.servesSmtp, false);
    const privacy = model.get('PrivacyOptions')!;
    assert.equal(privacy.value, 'goaway,noetrn,restrictqrun');
    assert.equal(privacy.impliedBy, "FEATURE(`msp')");
    assert.equal(privacy.span.start.line, mspLine);
    for (const flag of ['noexpn', 'novrfy', 'noetrn', 'noverb', 'needmailhelo', 'authwarnings', 'restrictqrun']) assert.ok(model.privacy.has(flag), flag);
    assert.equal(model.get('ForwardPath')?.value, '');
    assert.equal(model.get('ForwardPath')?.impliedBy, "FEATURE(`msp')");
    // debian-msp.m4 defines confRUN_AS_USER before FEATURE(`msp'), whose ifdef then keeps it.
    assert.equal(model.get('RunAsUser')?.value, 'smmsp');
    assert.equal(model.get('RunAsUser')?.impliedBy, "DOMAIN(`debian-msp')");
    assert.equal(model.get('RunAsUser')?.span.start.line, domainLine);
    assert.equal(model.get('AliasFile'), undefined, 'msp.m4 undefines ALIAS_FILE: the cf has #O AliasFile');
    assert.deepEqual(model.daemons.map((d) => [d.value, d.impliedBy]), [['Name=NoMTA, Addr=127.0.0.1, M=E', "FEATURE(`msp')"]]);
    assert.equal(model.prog?.path, '[IPC]');
    assert.deepEqual(model.features.map((f) => [f.name, f.impliedBy ?? '']), [
      ['no_default_msa', "DOMAIN(`debian-msp')"],
      ['msp', ''],
      ['no_default_msa', "FEATURE(`msp')"],
    ]);
  });

  it("Debian's submit.mc and the submit.cf m4 builds from it: only what the MSP really gets wrong", (t) => {
    if (!needs(t, M4, DEBIAN_SUBMIT_MC)) return;
    const text = readFileSync(DEBIAN_SUBMIT_MC, 'utf8');
    assert.deepEqual(ids(text, 'sendmail-mc'), MSP_FINDINGS);
    const cf = build(text);
    assert.match(cf, /^O DaemonPortOptions=Name=NoMTA, Addr=127\.0\.0\.1, M=E$/m);
    assert.equal(parseAs('sendmail-cf', new SourceFile('submit.cf', cf)).sendmail.role, 'msp');
    assert.deepEqual(ids(cf, 'sendmail-cf'), MSP_FINDINGS);
    // Without the VERSIONID comments m4 leaves (msp.m4's among them), the cf still shows an MSP by its only daemon.
    const stripped = cf.split('\n').filter((l) => !/^#+\s+\$Id: /.test(l)).join('\n');
    assert.doesNotMatch(stripped, /msp\.m4/);
    assert.equal(parseAs('sendmail-cf', new SourceFile('submit.cf', stripped)).sendmail.role, 'msp');
    assert.deepEqual(ids(stripped, 'sendmail-cf'), MSP_FINDINGS);
  });

  it("FreeBSD's freebsd.submit.mc and its cf: the same", (t) => {
    if (!needs(t, M4, CF_M4)) return;
    const text = readFileSync(join(FIXTURES, 'stock-mc', 'freebsd.submit.mc'), 'utf8');
    assert.deepEqual(ids(text, 'sendmail-mc'), MSP_FINDINGS);
    assert.deepEqual(ids(build(text), 'sendmail-cf'), MSP_FINDINGS);
  });

  it('the daemon rules speak again when the same .mc has no FEATURE(msp)', () => {
    const mta = "divert(0)dnl\nOSTYPE(`debian')dnl\ndefine(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl\nMAILER(`local')dnl\n";
    const msp = mta.replace('MAILER(`local\')dnl\n', "FEATURE(`msp', `[127.0.0.1]')dnl\n");
    const daemonRules = ['MH1001', 'MH1002', 'MH1006', 'MH1007', 'MH1008', 'MH1010', 'MH1021', 'MH1023', 'MH1025', 'MH1042'];
    const onMta = new Set(ids(mta, 'sendmail-mc'));
    for (const id of daemonRules) assert.ok(onMta.has(id), `${id} on an MTA`);
    const onMsp = new Set(ids(msp, 'sendmail-mc'));
    for (const id of daemonRules) assert.ok(!onMsp.has(id), `${id} on an MSP`);
  });

  it('a define after FEATURE(msp) still wins, one before it loses (msp.m4 defines confPRIVACY_FLAGS unconditionally)', () => {
    const before = "divert(0)dnl\ndefine(`confPRIVACY_FLAGS', `public')dnl\nFEATURE(`msp')dnl\n";
    const after = "divert(0)dnl\nFEATURE(`msp')dnl\ndefine(`confPRIVACY_FLAGS', `public')dnl\ndefine(`confRUN_AS_USER', `mailnull:mail')dnl\n";
    const b = parseAs('sendmail-mc', new SourceFile('b.mc', before)).sendmail;
    const a = parseAs('sendmail-mc', new SourceFile('a.mc', after)).sendmail;
    assert.equal(b.get('PrivacyOptions')?.value, 'goaway,noetrn,restrictqrun');
    assert.equal(a.get('PrivacyOptions')?.value, 'public');
    assert.equal(a.get('PrivacyOptions')?.impliedBy, undefined);
    // confTRUSTED_USER is quoted in msp.m4: it takes confRUN_AS_USER's user as the cf is written.
    assert.equal(a.get('TrustedUser')?.value, 'mailnull');
  });
});
