import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { lintText } from '../src/lint/text.js';
import { sendmailSettings } from '../src/apply/plan.js';
import { LAYOUTS } from '../src/host/layout.js';
import { policyFromText } from '../src/policy/validate.js';
import { renderSendmailCf } from '../src/render/sendmail-cf.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './helpers/cli.js';
import { loadPolicy } from '../src/policy/validate.js';
import { debianCf, debianMc, DEBIAN_MC, M4, m4Build, needs, SENDMAIL, sendmailCheckWhole, sendmailReads, tempDir, type SendmailReading } from './helpers/real.js';

/** The policy keys of issue 16 for what lint reports and a policy could not set. */
const KEYS = `version: 1
forwardPath: []
dontBlameSendmail: [safe]
unsafeGroupWrites: true
receivedHeader: "$?sfrom $s $.$?_($?s$|from $.$_) $.by $j id $i$?u for $u; $|; $.$b"
limits: { maxDaemonChildren: 40, connectionRateThrottle: 15, maxRecipientsPerMessage: 100, badRcptThrottle: 3, maxMessageSize: 10485760 }
safeFileEnvironment: /var/mail/safe
runAsUser: "mail:mail"
`;

/** The rules these keys answer. */
const ANSWERED = ['MH1015', 'MH1018', 'MH1019', 'MH1020', 'MH1022', 'MH1023'];

const last = (r: SendmailReading, name: string): string | undefined => r.options.filter((o) => o.name === name).pop()?.value;
const received = (cf: string): string[] => cf.split('\n').filter((l) => /^HReceived:/.test(l));

describe('policy keys for sendmail options lint reports', () => {
  it('the .cf and the .mc rendered from them read the same to the real sendmail (m4 silent, -bC quiet), and lint has nothing left to say', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const policy = await policyFromText(KEYS, 'keys.yaml');
    const want = sendmailSettings(policy, LAYOUTS.debian);
    // Debian's stock files, with the unsafe settings these keys replace.
    const mcIn = debianMc().replace(/^(MAILER_DEFINITIONS|MAILER\(`local'\))/m, "define(`confDONT_BLAME_SENDMAIL', `GroupWritableForwardFileSafe')dnl\ndefine(`confUNSAFE_GROUP_WRITES', `False')dnl\n$1");
    const cfIn = debianCf().replace(/^(O UnsafeGroupWrites.*|#O UnsafeGroupWrites.*)$/m, 'O UnsafeGroupWrites=False\nO DontBlameSendmail=GroupWritableForwardFileSafe');
    const mc = renderSendmailMc(mcIn, want, 'sendmail.mc');
    const cf = renderSendmailCf(cfIn, want, 'sendmail.cf');
    assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, 'mc idempotent');
    assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf, 'cf idempotent');
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stderr, '', 'm4 printed nothing (confUNSAFE_GROUP_WRITES, deprecated, is gone)');
    // sendmail -bC runs as RunAsUser, which may not enter the queue directory: checked without that line.
    const withoutRunAs = (text: string): string => text.replace(/^O RunAsUser=.*\n/m, '');
    for (const [name, text] of [['rendered cf', cf], ['cf built from the rendered mc', built.stdout]] as const) {
      assert.match(text, /^O RunAsUser=mail:mail$/m, name);
      const check = sendmailCheckWhole(withoutRunAs(text));
      assert.equal(check.status, 0, `${name}: ${check.output}`);
      assert.equal(check.output, '', `${name}: sendmail -bC printed lines the stock cf does not`);
    }
    const fromCf = sendmailReads(cf);
    const fromMc = sendmailReads(built.stdout);
    const expected: Record<string, string> = {
      ForwardPath: '',
      DontBlameSendmail: 'safe',
      MaxDaemonChildren: '40',
      ConnectionRateThrottle: '15',
      MaxRecipientsPerMessage: '100',
      BadRcptThrottle: '3',
      MaxMessageSize: '10485760',
      SafeFileEnvironment: '/var/mail/safe',
      RunAsUser: 'mail:mail',
    };
    for (const [name, value] of Object.entries(expected)) {
      assert.equal(last(fromCf, name), value, `${name} as sendmail reads the rendered cf`);
      assert.equal(last(fromMc, name), value, `${name} as sendmail reads the cf m4 built from the rendered mc`);
    }
    // UnsafeGroupWrites is left to sendmail's default (True) in both: the cf's line and the .mc's define are gone.
    assert.equal(last(fromCf, 'UnsafeGroupWrites'), undefined);
    assert.equal(last(fromMc, 'UnsafeGroupWrites'), undefined);
    assert.deepEqual(received(cf), [`HReceived: ${policy.receivedHeader}`]);
    assert.deepEqual(received(built.stdout), received(cf), 'the Received header m4 writes is the cf render');
    for (const [kind, text] of [['sendmail-cf', cf], ['sendmail-mc', mc], ['sendmail-cf', built.stdout]] as const) {
      const left = lintText(text, kind, rules).filter((f) => ANSWERED.includes(f.ruleId));
      assert.deepEqual(left.map((f) => `${f.ruleId}: ${f.message}`), [], kind);
    }
  });

  it('the abuse limits (issue 18) reach the cf and the .mc: the real sendmail reads each from the rendered cf and from the cf m4 builds', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const policy = await policyFromText(`version: 1
limits: { maxHeadersLength: 16384, maxMimeHeaderLength: "2048/1024", maxQueueChildren: 5, refuseLA: 20, queueLA: 10, minFreeBlocks: 4000, maxNoopCommands: 10 }
`, 'abuse-limits.yaml');
    const want = sendmailSettings(policy, LAYOUTS.debian);
    const mc = renderSendmailMc(debianMc(), want, 'sendmail.mc');
    const cf = renderSendmailCf(debianCf(), want, 'sendmail.cf');
    assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, 'mc idempotent');
    assert.equal(renderSendmailCf(cf, want, 'sendmail.cf'), cf, 'cf idempotent');
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    assert.equal(built.stderr, '');
    const expected: Record<string, string> = { MaxHeadersLength: '16384', MaxMimeHeaderLength: '2048/1024', MaxQueueChildren: '5', RefuseLA: '20', QueueLA: '10', MinFreeBlocks: '4000', MaxNOOPCommands: '10' };
    const stock = sendmailReads(debianCf());
    for (const [name, text] of [['rendered cf', cf], ['cf built from the rendered mc', built.stdout]] as const) {
      const check = sendmailCheckWhole(text);
      assert.equal(check.status, 0, `${name}: ${check.output}`);
      assert.equal(check.output, '', `${name}: sendmail -bC printed lines the stock cf does not`);
      const read = sendmailReads(text);
      for (const [option, value] of Object.entries(expected)) {
        assert.equal(last(read, option), value, `${option} as sendmail reads the ${name}`);
        assert.notEqual(last(stock, option), value, `${option}: the stock cf does not already say ${value}`);
      }
    }
    // A number alone is written as it is (sendmail takes half of it for the parameters, op.me).
    const one = renderSendmailCf(debianCf(), sendmailSettings(await policyFromText('version: 1\nlimits: { maxMimeHeaderLength: 4096 }\n', 'p.yaml'), LAYOUTS.debian), 'sendmail.cf');
    assert.equal(last(sendmailReads(one), 'MaxMimeHeaderLength'), '4096');
  });

  it('init --from-system derives the keys from a cf and .mc that set them, and apply changes nothing on day one', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const policy = await policyFromText(KEYS, 'keys.yaml');
    const mc = renderSendmailMc(debianMc(), sendmailSettings(policy, LAYOUTS.debian), 'sendmail.mc');
    const built = m4Build(mc);
    assert.equal(built.status, 0, built.stderr);
    const dir = tempDir('mh-keys-');
    const root = join(dir, 'root');
    mkdirSync(join(root, 'etc/mail'), { recursive: true });
    writeFileSync(join(root, 'etc/mail/sendmail.mc'), mc);
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), built.stdout);
    const file = join(dir, 'derived.yaml');
    const r = run(['init', '--from-system', '--root', root, '-o', file]);
    assert.equal(r.code, 0, r.stderr);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# Day one: apply with this policy changes nothing/m);
    const derived = await loadPolicy(file);
    assert.deepEqual(derived.forwardPath, []);
    assert.deepEqual(derived.dontBlameSendmail, ['safe']);
    assert.equal(derived.receivedHeader, policy.receivedHeader);
    assert.deepEqual(derived.limits, policy.limits);
    assert.equal(derived.runAsUser, 'mail:mail');
    assert.equal(derived.safeFileEnvironment, '/var/mail/safe');
    // UnsafeGroupWrites is sendmail's default there (no line): offered, commented out.
    assert.match(text, /^# unsafeGroupWrites: true$/m);
    const dry = run(['apply', file, '--root', root, '--dry-run', '--files-only']);
    assert.equal(dry.code, 0, dry.stderr);
    assert.match(dry.stdout, /^No changes/m);
  });

  it('refuses values that would reach a config line or m4 as something else', async () => {
    const refused: [string, RegExp][] = [
      ['forwardPath: ["$z/.forward:/tmp/x"]', /forwardPath\/0/],
      ['forwardPath: ["$1/.forward"]', /m4 replaces/],
      ['forwardPath: ["`x"]', /forwardPath\/0/],
      ['receivedHeader: "by $j ($v/$Z)"', /shows the version/],
      ['receivedHeader: "by $j # x"', /receivedHeader/],
      ['receivedHeader: "by $j $@"', /m4 replaces/],
      ["receivedHeader: \"by $j 'x'\"", /receivedHeader/],
      ['receivedHeader: "by $j (x"', /parenthesis/],
      ['receivedHeader: " by $j"', /receivedHeader/],
      ['receivedHeader: "a\\nHX: y"', /receivedHeader/],
      ['dontBlameSendmail: ["safe,x"]', /dontBlameSendmail\/0/],
      ['unsafeGroupWrites: "False"', /unsafeGroupWrites/],
      ['limits: { maxDaemonChildren: 0 }', /maxDaemonChildren/],
      ['limits: { maxMessageSize: "10M" }', /maxMessageSize/],
      ['limits: { maxRecipients: 10 }', /maxRecipients/],
      ['limits: { refuseLA: 8, queueLA: 8 }', /refuseLA: 8 is not above queueLA/],
      ['limits: { refuseLA: 4, queueLA: 8 }', /not above queueLA/],
      ['limits: { maxHeadersLength: 0 }', /maxHeadersLength/],
      ['limits: { maxMimeHeaderLength: "0/0" }', /maxMimeHeaderLength/],
      ['limits: { maxMimeHeaderLength: "1024/" }', /maxMimeHeaderLength/],
      ['limits: { maxNoopCommands: -1 }', /maxNoopCommands/],
      ['limits: { minFreeBlocks: 1.5 }', /minFreeBlocks/],
      ['abuse: { clients: [{ network: 10.1.0.0/8, rate: 1 }] }', /host bits/],
      ['abuse: { clients: [{ network: 0.0.0.0/0, rate: 1 }] }', /clientDefault/],
      ['abuse: { clients: [{ network: 10.1.0.0/16 }] }', /clients\/0/],
      ['abuse: { clients: [{ network: 10.1.0.0/16, rate: 1 }, { network: 10.1.0.0/16, connections: 1 }] }', /listed twice/],
      ['abuse: { clients: [{ network: "010.1", rate: 1 }] }', /leading zeros/],
      ['abuse: { clients: [{ network: "10.1\\tRELAY", rate: 1 }] }', /network/],
      ['abuse: { clients: [{ network: "2001:db8::/40", rate: 1 }] }', /whole 16-bit groups/],
      ['abuse: { clientDefault: {} }', /clientDefault/],
      ['abuse: { clientDefault: { rate: -1 } }', /rate/],
      ['milters: { failMode: open }', /failMode/],
      ['runAsUser: root', /keeps root/],
      ['runAsUser: "0:0"', /keeps root/],
      ['runAsUser: "a b"', /runAsUser/],
      ['safeFileEnvironment: /', /safeFileEnvironment/],
      ['safeFileEnvironment: var/x', /safeFileEnvironment/],
      ['accept: [{ rule: MH3001, value: 10.1.0.0/16 }]', /reason/],
      ['accept: [{ rule: MH3001, reason: "looked at it" }]', /value/],
      ['accept: [{ rule: MH9999, value: x, reason: "looked at it" }]', /not a mailharden rule/],
      ['accept: [{ rule: mh3001, value: x, reason: "looked at it" }]', /rule/],
      ['accept: [{ rule: MH3001, value: "a b", reason: "looked at it" }]', /value/],
      ['accept: [{ rule: MH3001, value: x, reason: "ok # x" }]', /reason/],
      ['accept: [{ rule: MH3001, value: x, reason: "ok\\nConnect:0 RELAY" }]', /reason/],
      ['accept: [{ rule: MH3001, value: x, reason: "it`s ok" }]', /reason/],
      ['accept: [{ rule: MH3001, value: x, reason: "   " }]', /reason/],
      [`accept: [{ rule: MH3001, value: x, reason: "${'x'.repeat(201)}" }]`, /reason/],
      ['accept: [{ rule: MH3001, value: x, reason: "a\\u202eb" }]', /reason/],
    ];
    for (const [line, why] of refused) {
      await assert.rejects(policyFromText(`version: 1\n${line}\n`, 'p.yaml'), (e: Error) => {
        assert.match(e.message, why, line);
        return true;
      }, line);
    }
    await policyFromText(KEYS, 'keys.yaml');
  });
});
