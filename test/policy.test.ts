import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadPolicy } from '../src/policy/validate.js';
import { POLICY_SCHEMA, type ClientLimit, type LimitsPolicy, type Policy } from '../src/policy/schema.js';
import { run, ROOT } from './helpers/cli.js';
import { spawnSync } from 'node:child_process';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { DEBIAN_MC, debianMc, M4, needs, tempDir } from './helpers/real.js';

/** Loads a policy text; the error message, or '' when valid. */
async function problems(text: string): Promise<string> {
  const dir = tempDir();
  const path = join(dir, 'policy.yaml');
  writeFileSync(path, text);
  try {
    await loadPolicy(path, 'policy.yaml');
    return '';
  } catch (e) {
    return (e as Error).message;
  }
}

describe('policy validation', () => {
  it('a greeting with an m4 macro parameter ($0, $1, $@) is refused at its line and column; every greeting the policy takes reaches the cf m4 builds exactly', async (t) => {
    for (const [greeting, shown] of [['$j $0', '$0'], ['$j ready $1', '$1'], ['$j $@', '$@']] as const) {
      const message = `policy.yaml:2:11: /greeting: the greeting holds ${shown}, which m4 replaces (with ${shown === '$0' ? 'the name confSMTP_LOGIN_MSG' : 'an argument, that is nothing'}) when sendmail.cf is built from sendmail.mc`;
      assert.equal(await problems(`version: 1\ngreeting: "${greeting}"\n`), message);
    }
    if (!needs(t, M4, DEBIAN_MC)) return;
    const mc = debianMc().split('\n').filter((l) => !/^include\(`\/etc\/mail\/m4\//.test(l)).join('\n');
    let built = 0;
    for (const greeting of ['$j', '$j $$0 $$1', '$j ($0x)', '$j dnl divert(-1) syscmd(echo x) $j', '$j ready, $b; (no UCE) $_ +@/-', '$j 0$ $ 1 $j$', '$j $$ $_']) {
      if ((await problems(`version: 1\ngreeting: ${JSON.stringify(greeting)}\n`)) !== '') continue;
      built++;
      const r = spawnSync(M4, [], { input: renderSendmailMc(mc, { greeting }), encoding: 'utf8', cwd: tempDir('mh-m4-greeting-'), env: {} });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(r.stdout.split('\n').filter((l) => l.startsWith('O SmtpGreetingMessage=')), [`O SmtpGreetingMessage=${greeting}`], greeting);
    }
    assert.equal(built, 5, 'the greetings without a parameter are valid and were built');
  });

  it('the bundled example is valid, through the CLI too', async () => {
    assert.equal(await problems((await import('node:fs')).readFileSync(join(ROOT, 'examples', 'policy.yaml'), 'utf8')), '');
    const r = run(['policy', 'validate', 'examples/policy.yaml']);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'examples/policy.yaml: valid\n');
  });

  it('reports every problem at once, in file order, as file:line:col: path: message, and exits 2', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'p.yaml'), 'version: 1\nhostname: mx1.example.com\nrelay:\n  networks: [10.0.0.1/8, 300.1.1.1/24]\nsmrsh:\n  allow: [/bin/sh, /bin/grep]\ngreeting: "$j Sendmail $v"\nimutable: [aliases]\n');
    const r = run(['policy', 'validate', 'p.yaml'], { cwd: dir });
    assert.equal(r.code, 2);
    const lines = r.stderr.replace(/^mailharden: /, '').trim().split('\n');
    assert.deepEqual(lines, [
      'p.yaml:4:14: /relay/networks/0: "10.0.0.1/8" has host bits set: the network is 10.0.0.0/8',
      'p.yaml:4:26: /relay/networks/1: "300.1.1.1/24" is not a valid IPv4 or IPv6 CIDR',
      'p.yaml:6:11: /smrsh/allow/0: /bin/sh is a shell, which runs any command the mail carries: the smrsh directory must not hold it, or any alias or .forward can run anything',
      // The list MH6005 judges the smrsh directory by (grep once passed here and was reported there).
      'p.yaml:6:20: /smrsh/allow/1: /bin/grep is grep, which can run commands or write files: the smrsh directory must not hold it, or any alias or .forward can run anything',
      'p.yaml:7:11: /greeting: the greeting shows the version ($v)',
      'p.yaml:8:1: /imutable: unknown key "imutable" (did you mean "immutable"?)',
    ]);
  });

  it('hostile values cannot reach a config line or a script', async () => {
    const hostile = ['a\nO Wizard=1', 'x # y', 'a;reboot', '$(id)', '`id`', '"quoted"', "it's", '../../etc/passwd', '/usr/bin/../../bin/sh', 'x'.repeat(300)];
    const fields: ((v: string) => string)[] = [
      (v) => `hostname: ${JSON.stringify(v)}`,
      (v) => `greeting: ${JSON.stringify(`$j ${v}`)}`,
      (v) => `smrsh:\n  allow: [${JSON.stringify(v)}]`,
      (v) => `aliases:\n  strip: [${JSON.stringify(v)}]`,
      (v) => `aliases:\n  root: ${JSON.stringify(v)}`,
      (v) => `relay:\n  domains: [${JSON.stringify(v)}]`,
      (v) => `relay:\n  networks: [${JSON.stringify(v)}]`,
      (v) => `immutable: [${JSON.stringify(v)}]`,
      (v) => `paths:\n  mailDir: ${JSON.stringify(v)}`,
    ];
    for (const field of fields) {
      for (const v of hostile) {
        // greeting accepts some punctuation on purpose (it only reaches a cf value): newline, # and quotes never.
        if (field(v).startsWith('greeting') && !/[\n#"'`]/.test(v) && v.length < 190) continue;
        const msg = await problems(`version: 1\nhostname: mx.example.com\n${field(v)}\n`);
        assert.notEqual(msg, '', `accepted ${JSON.stringify(field(v))}`);
      }
    }
  });

  it('an accept entry with an invisible character is refused at its place (it would reach a config comment looking like another)', async () => {
    const policy = (value: string, reason: string) => `version: 1\naccept:\n  - rule: MH3001\n    value: ${JSON.stringify(value)}\n    reason: ${JSON.stringify(reason)}\n`;
    assert.equal(await problems(policy('10.1.0.0/16', 'the branch office relays through us')), '');
    for (const c of ['\u200b', '\u00ad', '\ufeff', '\u2060', '\u00a0', '\u{e0041}', '\ufe0f']) {
      assert.match(await problems(policy(`10.1.0.0/16${c}`, 'the branch office')), /^policy\.yaml:4:12: \/accept\/0\/value: holds \\[ux]/m, JSON.stringify(c));
      assert.match(await problems(policy('10.1.0.0/16', `the branch${c} office`)), /^policy\.yaml:5:13: \/accept\/0\/reason: holds \\[ux]/m, JSON.stringify(c));
    }
  });

  it('an alias to no anchor and an alias bomb are errors at the alias, not crashes (found by the fuzzer)', async () => {
    assert.equal(await problems('version: 1\naliases:\n  strip: [decode, *games]\n'), 'policy.yaml:3:19: Unresolved alias (the anchor must be set before the alias): games');
    const bomb = ['version: 1', 'a: &a [x, x, x, x, x, x, x, x, x, x]', ...['b', 'c', 'd', 'e'].map((k, i) => `${k}: &${k} [${Array(10).fill(`*${'abcd'[i]}`).join(', ')}]`), ''].join('\n');
    assert.match(await problems(bomb), /^policy\.yaml:3:\d+: Excessive alias count indicates a resource exhaustion attack$/);
  });

  it('a key that is a mapping, or holds a newline, is one line of error (found by the fuzzer)', async () => {
    assert.equal(await problems('version: 1\n? { a: 1, b: [x] }\n: 1\n'), 'policy.yaml:2:3: a key must be a plain value, not a mapping or a list');
    assert.equal(await problems('version: 1\naliases:\n  ? [root]\n  : x\n'), 'policy.yaml:3:5: a key must be a plain value, not a mapping or a list');
    assert.equal(await problems('version: 1\nx: &a [1, 2]\n? *a\n: 3\n'), 'policy.yaml:3:3: a key must be a plain value, not a mapping or a list');
    // An alias to a plain value is a plain key.
    assert.doesNotMatch(await problems('version: 1\nx: &a b\n? *a\n: 3\n'), /plain value/);
    const newline = await problems('version: 1\n"a\\nb\\tc": 1\n');
    assert.equal(newline.split('\n').length, 1, newline);
    assert.match(newline, /^policy\.yaml:2:1: \/a\\nb\\tc: unknown key "a\\nb\\tc" /);
  });

  it('refuses relay networks that would make an open relay', async () => {
    for (const n of ['0.0.0.0/0', '128.0.0.0/1', '::/0', '2000::/3']) {
      assert.match(await problems(`version: 1\nrelay:\n  networks: ["${n}"]\n`), /an open relay/, n);
    }
    assert.equal(await problems('version: 1\nrelay:\n  networks: ["10.0.0.0/8", "2001::/16"]\n'), '');
  });

  it('the Policy type and the schema name the same keys', () => {
    const full: Required<Policy> = {
      $schema: 'x',
      version: 1,
      profile: 'debian',
      paths: {},
      mta: ['sendmail'],
      hostname: 'mx.example.com',
      relay: {},
      privacy: [],
      smrsh: {},
      aliases: {},
      greeting: '$j',
      help: true,
      logLevel: 9,
      listen: 'all',
      queue: {},
      immutable: [],
      auth: {},
      tls: {},
      abuse: {},
      forwardPath: [],
      dontBlameSendmail: [],
      unsafeGroupWrites: true,
      receivedHeader: '$?sfrom $s $.by $j id $i; $b',
      limits: {},
      runAsUser: 'mailnull',
      safeFileEnvironment: '/var/mail/safe',
      accept: [],
      qmail: {},
      milters: {},
    };
    assert.deepEqual(Object.keys(full).sort(), Object.keys(POLICY_SCHEMA.properties).sort());
    const limits: Required<LimitsPolicy> = { maxDaemonChildren: 1, connectionRateThrottle: 1, maxRecipientsPerMessage: 1, badRcptThrottle: 1, maxMessageSize: 1, maxHeadersLength: 1, maxMimeHeaderLength: 1, maxQueueChildren: 1, refuseLA: 2, queueLA: 1, minFreeBlocks: 1, maxNoopCommands: 1 };
    assert.deepEqual(Object.keys(limits).sort(), Object.keys(POLICY_SCHEMA.properties.limits.properties).sort());
    const abuse: Required<NonNullable<Policy['abuse']>> = { greetPause: 1, clients: [], clientDefault: {} };
    assert.deepEqual(Object.keys(abuse).sort(), Object.keys(POLICY_SCHEMA.properties.abuse.properties).sort());
    const client: Required<ClientLimit> = { network: '10.1', rate: 1, connections: 1 };
    assert.deepEqual(Object.keys(client).sort(), Object.keys(POLICY_SCHEMA.properties.abuse.properties.clients.items.properties).sort());
    const milters: Required<NonNullable<Policy['milters']>> = { failMode: 'tempfail' };
    assert.deepEqual(Object.keys(milters).sort(), Object.keys(POLICY_SCHEMA.properties.milters.properties).sort());
  });

  it('mailharden schema prints the schema', () => {
    const r = run(['schema']);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.stdout).title, 'mailharden policy');
  });
});
