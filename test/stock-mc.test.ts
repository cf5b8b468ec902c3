import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { lintText } from '../src/lint/text.js';
import { rules } from '../rules/index.js';
import { FIXTURES } from './helpers/fixtures.js';

/**
 * FreeBSD's stock freebsd.mc (fixtures/stock-mc/, byte for byte from freebsd-src): every finding with why
 * it is true, as [rule, the text of the line it points at, why]. The agreement test (m4-agreement) proves
 * the cf m4 builds from it gives the same findings; msp.test lists freebsd.submit.mc's.
 */
const EXPECTED: [string, RegExp, string][] = [
  ['MH1015', /^DOMAIN\(generic\)/, 'generic.m4 sets ForwardPath=$z/.forward.$w+$h:…:$z/.forward: users\' .forward files are read'],
  ['MH1042', /^DAEMON_OPTIONS\(`Name=IPv4/, 'no Addr=: the daemon listens on every IPv4 address (advice, info)'],
  ['MH1042', /^DAEMON_OPTIONS\(`Name=IPv6/, 'no Addr=: the daemon listens on every IPv6 address (advice, info)'],
  ['MH1003', /^define\(`confPRIVACY_FLAGS'/, 'authwarnings,noexpn,novrfy lacks restrictmailq: any user lists the queue'],
  ['MH1004', /^define\(`confPRIVACY_FLAGS'/, 'lacks restrictqrun: any user may run the queue with sendmail -q'],
  ['MH1006', /^define\(`confPRIVACY_FLAGS'/, 'lacks noetrn: any client may start a queue run with ETRN'],
  ['MH1008', /^define\(`confPRIVACY_FLAGS'/, 'lacks needmailhelo (advice, info)'],
  ['MH1010', /^MAILER\(local\)/, 'no confSMTP_LOGIN_MSG: cfhead.m4\'s greeting "$j Sendmail $v/$Z; $b" shows the version; added before MAILER()'],
  ['MH1020', /^MAILER\(local\)/, 'neither RunAsUser nor SafeFileEnvironment (advice, info)'],
  ['MH1022', /^MAILER\(local\)/, 'no confRECEIVED_HEADER: every Received: header shows $v/$Z'],
  ['MH1023', /^MAILER\(local\)/, 'MaxDaemonChildren unset (advice, info)'],
  ['MH1023', /^MAILER\(local\)/, 'ConnectionRateThrottle unset (advice, info)'],
  ['MH1023', /^MAILER\(local\)/, 'MaxRecipientsPerMessage unset (advice, info)'],
  ['MH1023', /^MAILER\(local\)/, 'BadRcptThrottle unset (advice, info)'],
  ['MH1023', /^MAILER\(local\)/, 'MaxMessageSize unset (advice, info)'],
  ['MH1025', /^MAILER\(local\)/, 'no FEATURE(greet_pause) (advice, info)'],
  ['MH1030', /^MAILER\(local\)/, 'no FEATURE(smrsh): the prog mailer m4 writes is /bin/sh'],
  ['MH1042', /^MAILER\(local\)/, 'no FEATURE(no_default_msa): proto.m4 adds the MSA on port 587 on every address (advice, info)'],
  ['MH1080', /^MAILER\(local\)/, 'no confAUTH_MECHANISMS: the default list offers DIGEST-MD5 and CRAM-MD5 before STARTTLS'],
  ['MH1082', /^MAILER\(local\)/, "proto.m4's MSA on port 587 has M=E, no a: submission without SMTP AUTH"],
];

describe("FreeBSD's stock freebsd.mc", () => {
  it('every finding is true and listed, none twice', () => {
    const path = join(FIXTURES, 'stock-mc', 'freebsd.mc');
    const text = readFileSync(path, 'utf8');
    const lines = text.split('\n');
    const findings = lintText(text, 'sendmail-mc', rules, { path: 'freebsd.mc' });
    const left = [...EXPECTED];
    const unexpected: string[] = [];
    for (const f of findings) {
      const k = left.findIndex(([id, re]) => id === f.ruleId && re.test(lines[f.line - 1] ?? ''));
      if (k < 0) unexpected.push(`${f.ruleId} ${f.line}: ${f.message}`);
      else left.splice(k, 1);
    }
    assert.deepEqual(unexpected, [], 'findings not listed as true');
    assert.deepEqual(left.map(([id, , why]) => `${id}: ${why}`), [], 'true findings no longer reported');
    assert.equal(new Set(findings.map((f) => `${f.ruleId} ${f.line} ${f.message}`)).size, findings.length);
  });
});
