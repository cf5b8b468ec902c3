import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { lint } from '../src/lint/request.js';
import { rules } from '../rules/index.js';
import { DEBIAN_MC, M4, needs, needsRoot } from './helpers/real.js';
import { DEBIAN_ACCESS, DEBIAN_HELPFILE, DEBIAN_SUBMIT_MC, stockTree } from './helpers/debian-tree.js';

const HELPFILE = DEBIAN_HELPFILE;
const ACCESS = DEBIAN_ACCESS;

/**
 * Every finding on the stock install, with why it is true (what the real programs do, FORMATS.md §1 and
 * §3 and the tests named). Each is [rule, file, the text of the line it points at, why]. A finding not
 * listed, or a listed one missing, fails: a new false alarm or a lost true one shows here.
 */
const EXPECTED: [string, string, RegExp, string][] = [
  ['MH1010', 'etc/mail/sendmail.mc', /^OSTYPE\(`debian'\)/, "Debian's OSTYPE sets the greeting \"$j Sendmail $v/$Z; …\": sendmail -bs greets with its version (debian-stock.test)"],
  ['MH1018', 'etc/mail/sendmail.mc', /^DOMAIN\(`debian-mta'\)/, 'debian-mta sets DontBlameSendmail=AssumeSafeChown,… (cf line 84), turning off file safety checks'],
  ['MH1020', 'etc/mail/sendmail.mc', /^DOMAIN\(`debian-mta'\)/, 'no RunAsUser; SafeFileEnvironment=/ is no chroot (advice, info)'],
  ['MH1023', 'etc/mail/sendmail.mc', /^DOMAIN\(`debian-mta'\)/, 'debian-mta sets MaxDaemonChildren=0: no limit (advice, info)'],
  ['MH1001', 'etc/mail/sendmail.mc', /^`needmailhelo,/, 'the flags lack noexpn: sendmail -bs answers EXPN root with 250 (debian-stock.test)'],
  ['MH1002', 'etc/mail/sendmail.mc', /^`needmailhelo,/, 'the flags lack novrfy: sendmail -bs answers VRFY root with 250 (debian-stock.test)'],
  ['MH1003', 'etc/mail/sendmail.mc', /^`needmailhelo,/, 'the flags lack restrictmailq: any user lists /var/spool/mqueue with mailq'],
  ['MH1006', 'etc/mail/sendmail.mc', /^`needmailhelo,/, 'the flags lack noetrn: any client may start a queue run with ETRN'],
  ['MH1007', 'etc/mail/sendmail.mc', /^`needmailhelo,/, 'the flags lack noverb: VERB is answered'],
  ['MH1015', 'etc/mail/sendmail.mc', /^MAILER_DEFINITIONS/, 'no confFORWARD_PATH: the cf has ForwardPath=$z/.forward.$w:$z/.forward; where the define would go'],
  ['MH1022', 'etc/mail/sendmail.mc', /^MAILER_DEFINITIONS/, 'no confRECEIVED_HEADER: every Received: header says "by $j ($v/$Z)"'],
  ['MH1023', 'etc/mail/sendmail.mc', /^MAILER_DEFINITIONS/, 'MaxRecipientsPerMessage is commented out in the cf: no limit (advice, info)'],
  ['MH1023', 'etc/mail/sendmail.mc', /^MAILER_DEFINITIONS/, 'MaxMessageSize is commented out in the cf: no limit (advice, info)'],
  ['MH1080', 'etc/mail/sendmail.mc', /^MAILER_DEFINITIONS/, 'no confAUTH_MECHANISMS: sendmail -bs answers EHLO with 250-AUTH DIGEST-MD5 CRAM-MD5 before any STARTTLS (auth-real.test)'],
  ['MH1030', 'etc/mail/sendmail.mc', /^MAILER\(`local'\)/, 'no FEATURE(smrsh): the cf has Mprog P=/bin/sh (FORMATS.md §1)'],
  ['MH1003', 'etc/mail/submit.mc', /^FEATURE\(`msp'/, "msp sets goaway,noetrn,restrictqrun but not restrictmailq: any user lists the client queue (msp.test)"],
  ['MH1022', 'etc/mail/submit.mc', /^FEATURE\(`msp'/, 'the MSP writes a Received: header with $v/$Z on every message it submits (msp.test)'],
  ['MH2005', 'etc/aliases', /^$/, 'the new install leaves /etc/aliases empty: mail to postmaster bounces as User unknown'],
  ['MH2005', 'etc/aliases', /^$/, 'no MAILER-DAEMON alias in the empty file'],
  ['MH2005', 'etc/aliases', /^$/, 'no root alias in the empty file: root mail stays in /var/mail/root'],
  ['MH6007', 'etc/aliases', /^$/, 'not immutable (advice, info)'],
  ['MH6004', 'etc/mail', /^/, '/etc/mail is smmta:smmsp 02755: smmta can replace sendmail.mc or access before the next rebuild'],
  ['MH6007', 'etc/mail/access', /^# \/etc\/mail\/access/, 'not immutable (advice, info)'],
  ['MH6008', 'etc/mail/helpfile', /\$v/, 'HELP shows "This is sendmail version 8.17.1.9" (debian-stock.test)'],
  ['MH6004', 'etc/mail/m4', /^/, '/etc/mail/m4 is smmta:smmsp 02755: smmta can replace the m4 files sendmail.mc includes'],
  ['MH6007', 'etc/mail/sendmail.cf', /^#/, 'not immutable (advice, info)'],
  ['MH6011', 'etc/mail/sendmail.cf', /^Mlocal,/, 'Mlocal runs /usr/sbin/sensible-mda, which sendmail-bin does not install: local delivery fails with exit 71 (cf-paths.test)'],
  ['MH6005', 'etc/mail/smrsh', /^/, "update_smrsh leaves /etc/mail/smrsh smmta:smmsp 02755: smmta can add programs"],
  ['MH6004', 'etc/mail/tls', /^/, '/etc/mail/tls is smmta-owned and holds starttls.m4, which sendmail.mc includes'],
  ['MH6001', 'var/spool/mqueue', /^/, 'the queue is 02750 smmta:smmsp: the smmsp group can read queued mail'],
];

describe('the stock Debian install, as lint --root sees it', () => {
  it('every finding is true and listed, and no cause is reported twice', async (t) => {
    if (!needs(t, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC, HELPFILE, ACCESS)) return;
    if (!needsRoot(t, 'building trees with other owners needs root')) return;
    const root = stockTree();
    const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false });
    const lineOf = (file: string, line: number): string => {
      try {
        return readFileSync(`${root}/${file}`, 'utf8').split('\n')[line - 1] ?? '';
      } catch {
        return '';
      }
    };
    const left = [...EXPECTED];
    const unexpected: string[] = [];
    for (const f of report.findings) {
      const text = lineOf(f.file, f.line);
      const k = left.findIndex(([id, file, line]) => id === f.ruleId && file === f.file && line.test(text));
      if (k < 0) unexpected.push(`${f.ruleId} ${f.file}:${f.line} ${f.message}`);
      else left.splice(k, 1);
    }
    assert.deepEqual(unexpected, [], 'findings not listed as true');
    assert.deepEqual(left.map(([id, file, , why]) => `${id} ${file}: ${why}`), [], 'true findings no longer reported');
    // One cause, one finding: no two findings of a rule on one place say the same thing.
    const seen = new Set(report.findings.map((f) => `${f.ruleId} ${f.file}:${f.line} ${f.message}`));
    assert.equal(seen.size, report.findings.length);
    // Every cf finding that its .mc shows too is joined to it.
    assert.equal(report.findings.filter((f) => f.file.endsWith('.mc') && f.related?.length).length, 17);
  });
});
