import assert from 'node:assert/strict';
import { exampleRoot } from './helpers/example.js';
import { snapshot } from './helpers/snapshot.js';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { buildPlan } from '../src/apply/plan.js';
import { SourceFile } from '../src/core/source.js';
import { modelOf } from '../src/model/tcprules.js';
import { parseTcpRules } from '../src/parsers/tcprules.js';
import { derivePolicy, starterPolicy, SCHEMA_LINE } from '../src/policy/init/index.js';
import { POLICY_SCHEMA, type Policy } from '../src/policy/schema.js';
import { loadPolicy } from '../src/policy/validate.js';
import { loadTemplates } from '../src/render/templates.js';
import { run } from './helpers/cli.js';
import { DEBIAN_MC, debianCf, debianMc, M4, MAKEMAP, needs, SENDMAIL, tempDir } from './helpers/real.js';
import { spawnSync } from 'node:child_process';

/** A tree entry: file content, `{ link }`, `{ dir }` with a mode, or a file with a mode. */
type Entry = string | { link: string } | { dir: number } | { text: string; mode: number };

/** Builds a tree laid out like / in a fresh temp directory; returns its root. */
function tree(entries: Record<string, Entry>): string {
  const root = join(tempDir('mh-init-'), 'root');
  mkdirSync(root);
  for (const [path, e] of Object.entries(entries)) {
    const at = join(root, path);
    mkdirSync(dirname(at), { recursive: true });
    if (typeof e === 'string') writeFileSync(at, e);
    else if ('link' in e) symlinkSync(e.link, at);
    else if ('dir' in e) {
      mkdirSync(at, { recursive: true });
      chmodSync(at, e.dir);
    } else {
      writeFileSync(at, e.text);
      chmodSync(at, e.mode);
    }
  }
  return root;
}


/** A sendmail.cf like examples/etc/mail/sendmail.cf, with the lines given. */
function cf(lines: string[], prog = ['Mprog,\t\tP=/usr/libexec/sendmail/smrsh, F=lsDFMoqeu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=$z:/,', '\t\tT=X-Unix/X-Unix/X-Unix,', '\t\tA=smrsh -c $u']): string {
  return [
    '# sendmail.cf of a test host',
    'V10/Berkeley',
    'Djmx1.example.com',
    'O AliasFile=/etc/aliases',
    'O QueueDirectory=/var/spool/mqueue',
    ...lines,
    'Mlocal,\t\tP=/usr/lib/sm.bin/mail.local, F=lsDFMAw5:/|@qPn9S, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,',
    '\t\tT=DNS/RFC822/X-Unix,',
    '\t\tA=mail.local -l',
    ...prog,
    '',
  ].join('\n');
}

const HELP_WITH_VERSION = '#vers\t2\nsmtp\tThis is sendmail version $v\nsmtp\tTopics:\n';

/** A sendmail host that mailharden could adopt without a change: one PrivacyOptions line, smrsh in place. */
function sendmailTree(): string {
  return tree({
    '/etc/debian_version': '12.5\n',
    '/etc/mail/sendmail.cf': cf([
      'O HelpFile=/etc/mail/helpfile',
      'O LogLevel=9',
      'O PrivacyOptions=authwarnings,noexpn,novrfy,restrictqrun',
      'O SmtpGreetingMessage=$j',
      'O DaemonPortOptions=Port=smtp, Addr=127.0.0.1, Name=MTA',
    ]),
    '/etc/mail/sendmail.mc': [
      "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl",
      "OSTYPE(`debian')dnl",
      "define(`confPRIVACY_FLAGS', `authwarnings,noexpn,novrfy,restrictqrun')dnl",
      // Text values quoted once more than proto.m4 rescans them, as apply writes them (HELP_FILE is rescanned twice).
      "define(`confSMTP_LOGIN_MSG', ``$j'')dnl",
      "define(`HELP_FILE', ```/etc/mail/helpfile''')dnl",
      "FEATURE(`no_default_msa')dnl",
      "DAEMON_OPTIONS(`Port=smtp, Addr=127.0.0.1, Name=MTA')dnl",
      "FEATURE(`smrsh')dnl",
      'MAILER_DEFINITIONS',
      "MAILER(`local')dnl",
      "MAILER(`smtp')dnl",
      '',
    ].join('\n'),
    '/etc/mail/helpfile': HELP_WITH_VERSION,
    '/etc/mail/relay-domains': 'example.com\n',
    '/etc/mail/smrsh/mail.local': { link: '/usr/libexec/sendmail/mail.local' },
    '/etc/mail/smrsh/procmail': { link: '/usr/bin/procmail' },
    '/etc/aliases': 'postmaster: root\nroot: ops@example.com\ndecode: "|/usr/bin/uudecode"\ngames: root\n',
    '/var/spool/mqueue': { dir: 0o750 },
  });
}

/** A qmail host: tcp.smtp with RELAYCLIENT rules in the classic form, rcpthosts. */
function qmailTree(): string {
  return tree({
    '/etc/debian_version': '12.5\n',
    '/var/qmail/control/me': 'mx2.example.com\n',
    '/var/qmail/control/rcpthosts': 'example.com\n.example.com\n',
    '/var/qmail/control/locals': 'localhost\n',
    '/etc/tcp.smtp': ['# relay for the office', '127.:allow,RELAYCLIENT=""', '192.168.16-31.:allow,RELAYCLIENT=""', '10.1.2.3:allow,RELAYCLIENT=""', '10.1.:deny', '=.partner.example:allow', ':allow', ''].join('\n'),
  });
}

/** A sendmail host with a shell in the smrsh directory, a greeting with the version and two PrivacyOptions lines. */
function riskyTree(): string {
  return tree({
    '/etc/redhat-release': 'Red Hat Enterprise Linux release 9.3\n',
    '/etc/mail/sendmail.cf': cf([
      'O HelpFile=',
      'O LogLevel=9',
      'O PrivacyOptions=authwarnings,noexpn',
      'O PrivacyOptions=novrfy,NoExpn,restrictqrun',
      'O SmtpGreetingMessage=$j Sendmail $v/$Z; $b',
    ], ['Mprog,\t\tP=/usr/sbin/smrsh, F=lsDFMoqeu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=$z:/,', '\t\tT=X-Unix/X-Unix/X-Unix,', '\t\tA=smrsh -c $u']),
    '/etc/smrsh/mail.local': { link: '/usr/libexec/sendmail/mail.local' },
    '/etc/smrsh/sh': { link: '/bin/sh' },
    '/etc/aliases': 'postmaster: root\n',
    '/var/spool/mqueue': { dir: 0o700 },
  });
}

/** The text with each wrapped comment joined back into one line (`#   ` starts a continuation). */
const unwrap = (text: string): string => text.replace(/\n *# {3}/g, ' ');

/** Runs init --from-system on a root; returns the policy file's path, its text (comments unwrapped) and data. */
async function initFrom(root: string, extra: string[] = []): Promise<{ file: string; text: string; policy: Policy; stderr: string }> {
  const file = join(dirname(root), 'policy.yaml');
  const r = run(['init', '--from-system', '--root', root, '-o', file, ...extra]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, '');
  const text = unwrap(readFileSync(file, 'utf8'));
  return { file, text, policy: await loadPolicy(file), stderr: r.stderr };
}

/** apply --dry-run of a policy on a root: exit code and output; the tree is left as it was. */
function dryRun(file: string, root: string): { code: number; stdout: string; stderr: string } {
  const before = snapshot(root);
  const r = run(['apply', file, '--root', root, '--dry-run']);
  assert.deepEqual(snapshot(root), before, 'a dry run writes nothing');
  return r;
}

/** Attribute reader for tests: the given host paths are immutable, every other one is readable and not. */
const fakeAttributes = (immutable: (p: string) => boolean) => (paths: readonly string[]) => new Map(paths.map((p) => [p, immutable(p) ? '----i---------e-------' : '--------------e-------']));

describe('mailharden init (starter policy)', () => {
  it('writes a commented policy with every key of the schema that passes validation', async () => {
    const r = run(['init']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, starterPolicy());
    assert.equal(r.stdout.split('\n')[0], SCHEMA_LINE);
    assert.equal(SCHEMA_LINE, '# yaml-language-server: $schema=https://github.com/mailharden/mailharden/schemas/policy.json');
    const dir = tempDir();
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, r.stdout);
    const policy = await loadPolicy(file);
    // Every top-level key of the schema (but $schema, which the first line replaces) is set.
    for (const key of Object.keys(POLICY_SCHEMA.properties).filter((k) => k !== '$schema')) {
      // Keys only the site can decide are shown commented out.
      if (['hostname', 'runAsUser', 'safeFileEnvironment', 'accept', 'qmail', 'tls'].includes(key)) assert.match(r.stdout, new RegExp(`^# ${key}:( |$)`, 'm'));
      else assert.ok(key in policy, `starter policy lacks ${key}`);
      // and is explained by a comment just above it (or above its first sub-key).
      const lines = r.stdout.split('\n');
      const at = lines.findIndex((l) => l.startsWith(`${key}:`) || l.startsWith(`# ${key}:`));
      assert.ok(at > 0 && (lines[at - 1]!.startsWith('#') || lines[at + 1]!.trimStart().startsWith('#')), `no comment explains ${key}`);
    }
    // Every nested key appears too, set or as a commented example.
    for (const [key, spec] of Object.entries(POLICY_SCHEMA.properties)) {
      for (const sub of Object.keys((spec as { properties?: object }).properties ?? {})) assert.match(r.stdout, new RegExp(`(^|[{ ])${sub}:`, 'm'), `${key}.${sub} missing`);
    }
    assert.deepEqual(policy.privacy, ['authwarnings', 'noexpn', 'novrfy', 'noetrn', 'restrictmailq', 'restrictqrun', 'needmailhelo']);
    assert.equal(policy.greeting, '$j');
    assert.equal(policy.help, true);
    assert.deepEqual(policy.smrsh, { allow: ['/usr/libexec/sendmail/mail.local'] });
    assert.deepEqual(policy.aliases?.strip, ['decode', 'uudecode', 'games', 'ingres', 'system', 'toor', 'uucp', 'manager', 'dumper', 'operator']);
    assert.deepEqual(policy.queue, { mode: '0700' });
    assert.deepEqual(policy.auth, { 'require-tls': true });
  });

  it('-o writes the file and refuses to overwrite it without --force (exit 2)', () => {
    const dir = tempDir();
    const file = join(dir, 'policy.yaml');
    const first = run(['init', '-o', file]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(readFileSync(file, 'utf8'), starterPolicy());
    writeFileSync(file, 'mine\n');
    const again = run(['init', '-o', file]);
    assert.equal(again.code, 2);
    assert.equal(again.stderr, `mailharden: ${file} exists: not overwritten (use --force to replace it)\n`);
    assert.equal(readFileSync(file, 'utf8'), 'mine\n');
    const forced = run(['init', '-o', file, '--force']);
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(readFileSync(file, 'utf8'), starterPolicy());
    assert.deepEqual(readdirSync(dir), ['policy.yaml'], 'no temp file left behind');
    // A dangling link is something there too.
    symlinkSync(join(dir, 'nowhere'), join(dir, 'link.yaml'));
    assert.equal(run(['init', '-o', join(dir, 'link.yaml')]).code, 2);
    assert.equal(existsSync(join(dir, 'nowhere')), false);
  });

  it('usage errors exit 2: --root without --from-system, --force without -o, an unknown --root, a tree with no MTA', () => {
    assert.match(run(['init', '--root', '/']).stderr, /--root and --profile need --from-system/);
    assert.equal(run(['init', '--root', '/']).code, 2);
    assert.equal(run(['init', '--force']).code, 2);
    const missing = run(['init', '--from-system', '--root', '/nonexistent/mailharden-root']);
    assert.equal(missing.code, 2);
    assert.equal(missing.stderr, 'mailharden: --root /nonexistent/mailharden-root: no such directory\n');
    const empty = tree({ '/etc/hostname': 'mx\n' });
    const none = run(['init', '--from-system', '--root', empty]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /found neither \/etc\/mail\/sendmail.cf nor the qmail control directory \/var\/qmail\/control/);
    assert.equal(run(['init', '--from-system', '--root', empty, '--profile', 'hpux']).code, 2);
  });
});

describe('mailharden init --from-system', () => {
  it('a relay-domains line of 200,000 names is read, not a stack overflow', async () => {
    const render = await loadTemplates();
    const names = Array.from({ length: 200_000 }, (_, i) => `d${i}.example`);
    const root = tree({ '/etc/mail/sendmail.cf': cf(['O PrivacyOptions=authwarnings']), '/etc/mail/relay-domains': `${names.join(' ')}\n` });
    const d = derivePolicy({ root, render, attributes: fakeAttributes(() => false) });
    assert.equal(d.policy.relay?.domains?.length, 200_000);
  });

  it('sendmail: states what is in force, and apply --dry-run then reports no changes', async () => {
    const root = sendmailTree();
    const { file, text, policy, stderr } = await initFrom(root);
    assert.match(stderr, /on day one apply changes nothing/);
    assert.match(text, /^# Day one: apply with this policy changes nothing/m);
    assert.equal(text.split('\n')[0], SCHEMA_LINE);
    assert.equal(policy.profile, 'debian');
    assert.deepEqual(policy.mta, ['sendmail']);
    assert.equal(policy.hostname, 'mx1.example.com');
    assert.deepEqual(policy.privacy, ['authwarnings', 'noexpn', 'novrfy', 'restrictqrun']);
    assert.equal(policy.greeting, '$j');
    assert.equal(policy.listen, 'local-only');
    assert.deepEqual(policy.smrsh, { allow: ['/usr/libexec/sendmail/mail.local', '/usr/bin/procmail'] });
    assert.deepEqual(policy.relay, { domains: ['example.com'] });
    assert.deepEqual(policy.aliases, { strip: [], postmaster: 'root', root: 'ops@example.com' });
    assert.match(text, /Risky entries in \/etc\/aliases \(kept\): decode \(program \/usr\/bin\/uudecode\), games \(a classic alias\)/);
    assert.deepEqual(policy.queue, { mode: '0750' });
    assert.deepEqual(policy.auth, { 'require-tls': false });
    // The help file shows the version: help is left out, and the comment says why.
    assert.equal(policy.help, undefined);
    assert.match(text, /^# help: the help file \/etc\/mail\/helpfile shows the version/m);
    assert.match(text, /^# help: true$/m);
    // LogLevel is 9 in the cf, but the .mc has no confLOG_LEVEL: writing it would change the .mc.
    assert.equal(policy.logLevel, undefined);
    assert.match(text, /^# logLevel: sendmail.mc has no define\(`confLOG_LEVEL'\)/m);
    assert.match(text, /^# logLevel: 9$/m);
    // No access map: relay networks left out, with the reason.
    assert.match(text, /# no \/etc\/mail\/access: no client relays by address now/);

    const r = dryRun(file, root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^No changes: .* matches the policy \(\d+ files checked\)\.$/m);
    assert.equal(run(['apply', file, '--root', root, '--dry-run', '--exit-code']).code, 0);
  });

  it("hostname: a Dj line with $w takes the node's canonical name from /etc/hosts, as sendmail's greeting does (issue 15)", async () => {
    // Measured: Dj$w.foo.test with node mx and /etc/hosts "192.0.2.5 mx.example.com mx" greets "220 mx.foo.test ESMTP".
    const root = tree({
      '/etc/debian_version': '12.5\n',
      '/etc/hostname': 'mx\n',
      '/etc/hosts': '127.0.0.1 localhost\n192.0.2.5 mx.corp.example mx\n',
      '/etc/mailname': 'example.org\n',
      '/etc/mail/sendmail.cf': cf(['O SmtpGreetingMessage=$j']).replace('Djmx1.example.com', 'Dj$w.example.net'),
      '/etc/aliases': 'postmaster: root\n',
      '/var/spool/mqueue': { dir: 0o700 },
    });
    const { text, policy } = await initFrom(root);
    assert.equal(policy.hostname, 'mx.example.net');
    assert.match(text, /^hostname: mx\.example\.net {2}# from the Dj line of \/etc\/mail\/sendmail\.cf \(line 3\), with \$w and \$m from \/etc\/hostname \(mx\) through line 2 of \/etc\/hosts/m);
  });

  it('qmail: relay networks from tcp.smtp (ranges back to CIDRs), domains from rcpthosts; apply only moves the relay rules', async () => {
    const root = qmailTree();
    const { file, text, policy } = await initFrom(root);
    assert.deepEqual(policy.mta, ['qmail']);
    assert.equal(policy.hostname, 'mx2.example.com');
    assert.deepEqual(policy.relay, { networks: ['127.0.0.0/8', '192.168.16.0/20', '10.1.2.3/32'], domains: ['example.com', '.example.com'] });
    for (const key of ['privacy', 'smrsh', 'aliases', 'greeting', 'help', 'logLevel', 'listen', 'auth']) assert.equal(key in policy, false, `${key} is a sendmail setting`);
    assert.match(text, /^# privacy, smrsh, aliases, greeting, help, logLevel, listen, auth, tls, forwardPath, dontBlameSendmail, unsafeGroupWrites, receivedHeader, limits, abuse, milters, runAsUser, safeFileEnvironment: sendmail settings, and there is no \/etc\/mail\/sendmail.cf\.$/m);
    assert.match(text, /^# - rewrite \/etc\/tcp.smtp: its relay entries move into mailharden's block; the same clients relay$/m);

    const r = dryRun(file, root);
    assert.equal(r.code, 0, r.stderr);
    const changed = [...r.stdout.matchAll(/^--- (\S+)\t/gm)].map((m) => m[1]!.slice(root.length));
    assert.deepEqual(changed, ['/etc/tcp.smtp']);
    assert.match(r.stdout, /^Plan: 0 to create, 1 to change, 1 unchanged; 1 host action \(1 rebuild\)\.$/m);

    // The same clients relay, and the same are refused, before and after.
    const plan = buildPlan(policy, { root, render: await loadTemplates(), policyName: file, attributes: fakeAttributes(() => false) });
    const tcp = plan.files.find((f) => f.path === '/etc/tcp.smtp')!;
    const before = modelOf(parseTcpRules(new SourceFile('before', tcp.before!)));
    const after = modelOf(parseTcpRules(new SourceFile('after', tcp.after)));
    const decide = (m: typeof before, ip: string, host?: string): string => {
      const d = m.decide({ ip, ...(host ? { host } : {}) });
      return d.record ? `${d.record.action} ${JSON.stringify(d.record.env)}` : 'allow (no rule)';
    };
    for (const ip of ['127.0.0.1', '127.9.9.9', '192.168.15.1', '192.168.16.1', '192.168.31.255', '192.168.32.1', '10.1.2.3', '10.1.2.4', '10.2.0.1', '8.8.8.8']) {
      assert.equal(decide(after, ip), decide(before, ip), ip);
      assert.equal(decide(after, ip, 'mx.partner.example'), decide(before, ip, 'mx.partner.example'), `${ip} as mx.partner.example`);
    }
  });

  it('after apply has moved the rules, init derives the same policy and apply has nothing left to do', async () => {
    const root = qmailTree();
    const first = await initFrom(root);
    const applied = run(['apply', first.file, '--root', root, '--no-backup', '--no-validate', '--no-post-commands']);
    assert.equal(applied.code, 0, applied.stderr);
    const second = await initFrom(root, ['--force']);
    assert.deepEqual(second.policy, first.policy);
    assert.match(second.text, /^# Day one: apply with this policy changes nothing/m);
    assert.match(dryRun(second.file, root).stdout, /^No changes: /m);
  });

  it('a shell in the smrsh directory and a greeting with the version are left out, with the reasons', async () => {
    const root = riskyTree();
    const { file, text, policy } = await initFrom(root);
    assert.equal(policy.profile, 'rhel');
    assert.deepEqual(policy.smrsh, { allow: ['/usr/libexec/sendmail/mail.local'] });
    assert.match(text, /Left out, and removed by apply, since the policy cannot allow them: \/etc\/smrsh\/sh \(a link to \/bin\/sh: a shell, which runs any command the mail carries\)/);
    assert.equal(policy.greeting, undefined);
    assert.match(text, /^# greeting: the current greeting \("\$j Sendmail \$v\/\$Z; \$b"\) shows the version \(\$v\); set one:$/m);
    assert.match(text, /^# greeting: "\$j"$/m);
    assert.equal(policy.help, undefined);
    assert.match(text, /^# help: sendmail.cf has an empty HelpFile, so HELP answers with the sendmail version/m);
    // Two PrivacyOptions lines: the flags as written, lower-cased, once each; apply merges the lines.
    assert.deepEqual(policy.privacy, ['authwarnings', 'noexpn', 'novrfy', 'restrictqrun']);
    assert.equal(policy.logLevel, 9);
    assert.equal(policy.listen, 'all');
    assert.deepEqual(policy.aliases, { strip: [], postmaster: 'root' });
    assert.match(text, /^# - rewrite \/etc\/mail\/sendmail.cf: its 2 PrivacyOptions lines become one with the same flags/m);
    assert.match(text, /^# - remove \/etc\/smrsh\/sh \(link to \/bin\/sh\): \/bin\/sh is a shell, which runs any command the mail carries; the policy cannot allow it$/m);

    const r = dryRun(file, root);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...r.stdout.matchAll(/^--- (\S+)\t/gm)].map((m) => m[1]!.slice(root.length)), ['/etc/mail/sendmail.cf']);
    const edits = r.stdout.split('\n').filter((l) => /^[-+][^-+]/.test(l));
    assert.deepEqual(edits, ['-O PrivacyOptions=authwarnings,noexpn', '-O PrivacyOptions=novrfy,NoExpn,restrictqrun', '+O PrivacyOptions=authwarnings,noexpn,novrfy,restrictqrun']);
    assert.match(r.stdout, /^ {2}rm -f \/etc\/smrsh\/sh {4}# link to \/bin\/sh, not in smrsh.allow$/m);
    assert.match(r.stdout, /^Plan: 0 to create, 1 to change, 1 unchanged; 1 host action \(1 removal\)\.$/m);
  });

  it('the example tree: relay networks from the access map, settings the .mc disagrees with commented out', async () => {
    // No policy beside it: init writes one there.
    const { root } = exampleRoot('mh-init-', false);
    const { file, text, policy } = await initFrom(root);
    // `Connect:10` and `Connect:127.0.0.1`; a host name key (localhost.localdomain) is kept as it is.
    // The .mc's FEATURE(`relay_based_on_MX') relays beyond them, and apply would remove it: offered, commented out.
    assert.equal(policy.relay, undefined);
    assert.match(text, /^# relay: nothing kept\. networks: sendmail\.mc has FEATURE\(`relay_based_on_MX'\), which relays beyond the networks; apply would remove it/m);
    assert.match(text, /networks: \[10\.0\.0\.0\/8, 127\.0\.0\.1\/32\]$/m);
    // The cf's second PrivacyOptions line is indented: a continuation of the comment above it, which
    // sendmail ignores. In force: authwarnings,restrictqrun; the .mc says authwarnings,needmailhelo.
    assert.equal(policy.privacy, undefined);
    assert.match(text, /^# privacy: sendmail.cf has authwarnings,restrictqrun, but sendmail.mc defines confPRIVACY_FLAGS as "authwarnings,needmailhelo"/m);
    assert.match(text, /^# privacy: \[authwarnings, restrictqrun\]$/m);
    assert.equal(policy.smrsh, undefined);
    assert.match(text, /^# smrsh: the prog mailer runs \/bin\/sh \("sh -c \$u"\), not smrsh/m);
    // "\tcarol" after a comment is dropped by sendmail; an aliases key would make apply write it as a comment.
    assert.equal(policy.aliases, undefined);
    assert.match(text, /^# aliases: \/etc\/aliases has an indented line after a comment, which sendmail drops silently/m);
    const r = dryRun(file, root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^No changes/m);
  });

  it('immutable lists the managed files that carry the attribute now (the reader is injectable)', async () => {
    const root = sendmailTree();
    const render = await loadTemplates();
    const d = derivePolicy({ root, render, attributes: fakeAttributes((p) => p.endsWith('/etc/mail/sendmail.cf') || p.endsWith('/etc/aliases')) });
    assert.deepEqual(d.policy.immutable, ['sendmail.cf', 'aliases']);
    assert.deepEqual(d.dayOne, []);
    const none = derivePolicy({ root, render, attributes: fakeAttributes(() => false) });
    assert.deepEqual(none.policy.immutable, []);
    // Attributes that cannot be read: the key is left out, with the reason.
    const unreadable = derivePolicy({ root, render, attributes: () => new Map() });
    assert.equal(unreadable.policy.immutable, undefined);
    assert.match(unwrap(unreadable.text), /^# immutable: the attributes of .* cannot be read/m);
    // --profile is obeyed over the detection.
    const rhel = derivePolicy({ root, render, profile: 'rhel', attributes: fakeAttributes(() => false) });
    assert.equal(rhel.policy.profile, 'rhel');
    assert.match(unwrap(rhel.text), /^profile: rhel {2}# given with --profile$/m);
  });

  it('a relative HelpFile is read in the queue directory, the parent of a multiple-queue QueueDirectory (as lint reads it)', async () => {
    const root = tree({
      '/etc/mail/sendmail.cf': cf(['O HelpFile=helpfile', 'O QueueDirectory=/var/spool/mqueue/q*']),
      '/var/spool/mqueue/helpfile': 'smtp\tThis is sendmail version $v\n',
    });
    const render = await loadTemplates();
    const d = derivePolicy({ root, render, attributes: fakeAttributes(() => false) });
    assert.match(unwrap(d.text), /^# help: the help file \/var\/spool\/mqueue\/helpfile shows the version/m);
  });

  it('what the policy cannot keep is commented out: relay by host name, a copy in the smrsh directory, an open qmail', async () => {
    const root = tree({
      '/var/qmail/control/me': 'mx3.example.com\n',
      '/etc/tcp.smtp': '127.:allow,RELAYCLIENT=""\n=.office.example:allow,RELAYCLIENT=""\n:allow\n',
      '/etc/mail/sendmail.cf': cf(['O PrivacyOptions=goaway']),
      '/etc/mail/smrsh/procmail': { text: '#!/bin/true\n', mode: 0o755 },
    });
    const render = await loadTemplates();
    const d = derivePolicy({ root, render, attributes: fakeAttributes(() => false) });
    assert.deepEqual(d.policy.mta, ['sendmail', 'qmail']);
    assert.deepEqual(d.policy.privacy, ['goaway']);
    assert.equal(d.policy.relay, undefined);
    assert.match(unwrap(d.text), /the clients that relay now cannot be stated as networks.*"=\.office\.example" names clients by host name/);
    assert.match(unwrap(d.text), /WARNING: there is no \/var\/qmail\/control\/rcpthosts, so qmail-smtpd accepts mail for every domain/);
    assert.equal(d.policy.smrsh, undefined);
    assert.match(unwrap(d.text), /\/etc\/mail\/smrsh\/procmail is a copy of a program, not a link/);
    // Every derived policy loads.
    const file = join(dirname(root), 'p.yaml');
    writeFileSync(file, unwrap(d.text));
    await loadPolicy(file);
    assert.deepEqual(d.dayOne, []);
  });

  it("relay networks come from the access map the cf's Kaccess line names, the file sendmail reads and apply writes, not the layout's", async (t) => {
    const kaccess = 'Kaccess hash -T<TMPF> -o /etc/mail/site/access';
    const root = tree({
      '/etc/debian_version': '12.5\n',
      '/etc/mail/sendmail.cf': cf([kaccess]),
      '/etc/mail/site/access': 'Connect:192.168.7\tRELAY\n',
      // Not the map sendmail opens: what it says of relaying is not in force.
      '/etc/mail/access': 'Connect:10\tRELAY\n',
    });
    const render = await loadTemplates();
    const d = derivePolicy({ root, render, attributes: fakeAttributes(() => false) });
    assert.deepEqual(d.policy.relay?.networks, ['192.168.7.0/24']);
    assert.match(unwrap(d.text), /From \/etc\/mail\/site\/access\./);
    // A map that is no file makemap builds: nothing derived from the layout's file either.
    const ldap = tree({ '/etc/debian_version': '12.5\n', '/etc/mail/sendmail.cf': cf(['Kaccess ldap -1 -v sendmailMTAMapValue -k (sendmailMTAKey=%0)']), '/etc/mail/access': 'Connect:10\tRELAY\n' });
    const l = derivePolicy({ root: ldap, render, attributes: fakeAttributes(() => false) });
    assert.equal(l.policy.relay?.networks, undefined);
    assert.match(unwrap(l.text), /the cf's access map is of class ldap, not a database makemap builds, so apply writes no relay networks to it/);
    // The real sendmail, given the same Kaccess line (the tree's path), relays what the site map says and nothing of the other.
    if (!needs(t, SENDMAIL, MAKEMAP)) return;
    for (const f of ['etc/mail/site/access', 'etc/mail/access']) assert.equal(spawnSync('/bin/sh', ['-c', '"$1" hash "$2" < "$2"', 'sh', MAKEMAP, join(root, f)]).status, 0);
    const testCf = join(tempDir('mh-kaccess-'), 'test.cf');
    writeFileSync(testCf, `V10/Berkeley\nO QueueDirectory=${root}\nO DontBlameSendmail=MapInUnsafeDirPath\n${kaccess.replace('/etc/', `${root}/etc/`)}\nSLookUp=49\nR$*\t$: $(access $1 $: NOTFOUND $)\n`);
    const bt = spawnSync(SENDMAIL, ['-C', testCf, '-bt'], { input: 'LookUp Connect:192.168.7\nLookUp Connect:10\n', encoding: 'utf8', timeout: 30_000 });
    assert.deepEqual(bt.stdout.split('\n').filter((x) => /returns:/.test(x)).map((x) => x.split(/returns:\s*/)[1]), ['RELAY', 'NOTFOUND'], bt.stdout + bt.stderr);
  });

  it('links on the way to managed files become paths overrides (apply does not write through links); a linked sendmail.cf is reported', async () => {
    const render = await loadTemplates();
    const root = tree({
      '/srv/mail/sendmail.cf': cf(['O PrivacyOptions=authwarnings']),
      '/srv/mail/aliases': 'postmaster: root\n',
      '/etc/mail': { link: '/srv/mail' },
      '/etc/aliases': { link: 'mail/aliases' },
    });
    const d = derivePolicy({ root, render, attributes: fakeAttributes(() => false) });
    assert.deepEqual(d.policy.paths, { mailDir: '/srv/mail', aliases: '/srv/mail/aliases', smrshDir: '/srv/mail/smrsh' });
    assert.match(unwrap(d.text), /^# apply does not write through links: \/etc\/mail leads to \/srv\/mail; \/etc\/aliases leads to \/srv\/mail\/aliases; \/etc\/mail\/smrsh leads to \/srv\/mail\/smrsh\.\npaths:\n {2}mailDir: \/srv\/mail\n {2}aliases: \/srv\/mail\/aliases\n {2}smrshDir: \/srv\/mail\/smrsh$/m);
    assert.equal(d.applyError, undefined);
    assert.deepEqual(d.dayOne, []);

    // qmail's tcp.smtp under a linked directory: the real path, the one apply writes.
    const q = tree({ '/var/qmail/control/rcpthosts': 'example.com\n', '/srv/tcp/tcp.smtp': '127.:allow,RELAYCLIENT=""\n:allow\n', '/etc/tcprules.d': { link: '/srv/tcp' } });
    const dq = derivePolicy({ root: q, render, attributes: fakeAttributes(() => false) });
    assert.equal(dq.policy.paths?.tcpRules, '/srv/tcp/tcp.smtp');
    assert.equal(dq.applyError, undefined);

    const linked = tree({ '/srv/sendmail.cf': cf(['O PrivacyOptions=authwarnings']), '/etc/mail/sendmail.cf': { link: '/srv/sendmail.cf' } });
    const l = derivePolicy({ root: linked, render, attributes: fakeAttributes(() => false) });
    assert.match(l.applyError ?? '', /\/etc\/mail\/sendmail.cf is a symlink/);
    assert.match(unwrap(l.text), /^# Day one: apply would stop on this tree: \/etc\/mail\/sendmail.cf is a symlink/m);
    assert.deepEqual(l.policy.privacy, ['authwarnings']);
  });

  it('a daemon on a loopback address in another spelling is loopback, as lint judges it (MH1042)', async () => {
    const root = sendmailTree();
    const cfPath = join(root, 'etc/mail/sendmail.cf');
    writeFileSync(cfPath, readFileSync(cfPath, 'utf8').replace('Addr=127.0.0.1, Name=MTA', 'Addr=::ffff:127.0.0.1, Family=inet6, Name=MTA'));
    const lint = run(['lint', '--no-config', '--select', 'MH1042', cfPath]);
    assert.equal(lint.code, 0, `lint: ${lint.stdout}`);
    const { text, policy } = await initFrom(root);
    assert.equal(policy.listen, undefined);
    assert.doesNotMatch(text, /listens beyond loopback/);
    assert.match(text, /every daemon of sendmail\.cf is bound to loopback, but apply would rewrite their Addr=/);
  });

  it("Debian's stock sendmail.cf and sendmail.mc: adopted with no change", async (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const root = tree({
      '/etc/debian_version': '12.5\n',
      // Debian masquerades as /etc/mailname; $j is the canonical name of the node (issue 15: vm, not vm.localdomain).
      '/etc/mailname': 'mail.example.org\n',
      '/etc/hostname': 'vm\n',
      '/etc/hosts': '127.0.0.1\tlocalhost\n127.0.0.1 vm\n127.0.1.1\tvm.localdomain\tvm\n',
      '/etc/mail/sendmail.cf': debianCf(),
      '/etc/mail/sendmail.mc': debianMc(),
      '/etc/mail/helpfile': HELP_WITH_VERSION,
      '/etc/aliases': 'postmaster: root\n',
      // As Debian installs it: the cf's AliasFile is this link (apply edits /etc/aliases through it).
      '/etc/mail/aliases': { link: '../aliases' },
      '/var/spool/mqueue': { dir: 0o2750 },
    });
    const { file, text, policy } = await initFrom(root);
    assert.deepEqual(policy.privacy, ['needmailhelo', 'needexpnhelo', 'needvrfyhelo', 'restrictqrun', 'restrictexpand', 'nobodyreturn', 'authwarnings']);
    assert.equal(policy.listen, 'local-only');
    assert.equal(policy.hostname, 'vm.localdomain');
    assert.match(text, /^hostname: vm\.localdomain {2}# from \/etc\/hostname \(vm\) through line 3 of \/etc\/hosts, as sendmail derives \$j$/m);
    assert.deepEqual(policy.queue, { mode: '0750' });
    assert.equal(policy.greeting, undefined);
    assert.match(text, /^# greeting: the current greeting \(.*\) shows the version \(\$v\); set one:$/m);
    assert.match(text, /^# Day one: apply with this policy changes nothing/m);
    const r = dryRun(file, root);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^No changes: /m);
  });
});
