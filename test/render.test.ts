import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderAliases } from '../src/render/aliases.js';
import { renderAccess, renderList, renderTcpSmtp } from '../src/render/blocks.js';
import { accessKey6, accessKeys4, relayKeys } from '../src/render/networks.js';
import { cfOptionLine, loopbackDaemon, renderSendmailCf } from '../src/render/sendmail-cf.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { loadTemplates } from '../src/render/templates.js';
import { parseCidr } from '../src/model/tcprules.js';
import { introducedFindings, shq } from '../src/apply/run.js';
import { rules } from '../rules/index.js';
import { parseAs } from '../src/parsers/documents.js';
import { SourceFile } from '../src/core/source.js';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEBIAN_MC, debianMc, M4, needs, tempDir } from './helpers/real.js';

const lines = (...l: string[]): string => `${l.join('\n')}\n`;

describe('golden renders', () => {
  it('sendmail.cf: one PrivacyOptions line in place of all of them, new options after their #O default, smrsh in P= and A=, the rest byte for byte', () => {
    const cf = lines(
      'V10/Berkeley',
      'O PrivacyOptions=goaway',
      '# a comment that stays',
      'Op restrictqrun',
      'O SmtpGreetingMessage=$j Sendmail $v/$Z; $b',
      '#O AuthOptions',
      'O DaemonPortOptions=Family=inet6, Name=MTA-v6, Port=smtp',
      'O DaemonPortOptions=Name=MTA, A=0.0.0.0',
      'Mprog,\t\tP=/bin/sh, F=lsDFMoqeu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=$z:/,',
      '\t\tT=X-Unix/X-Unix/X-Unix,',
      '\t\tA=sh -c $u',
    );
    const out = renderSendmailCf(cf, { privacy: ['noexpn', 'novrfy'], greeting: '$j ESMTP', authRequireTls: true, logLevel: 9, smrsh: '/usr/libexec/sendmail/smrsh', localOnly: true });
    assert.equal(
      out,
      lines(
        'V10/Berkeley',
        'O PrivacyOptions=noexpn,novrfy',
        '# a comment that stays',
        'O SmtpGreetingMessage=$j ESMTP',
        '#O AuthOptions',
        'O AuthOptions=p',
        'O DaemonPortOptions=Family=inet6, Name=MTA-v6, Port=smtp, Addr=::1',
        'O DaemonPortOptions=Name=MTA, A=127.0.0.1',
        'O LogLevel=9',
        'Mprog,\t\tP=/usr/libexec/sendmail/smrsh, F=lsDFMoqeu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=$z:/,',
        '\t\tT=X-Unix/X-Unix/X-Unix,',
        '\t\tA=smrsh -c $u',
      ),
    );
    assert.equal(renderSendmailCf(out, { privacy: ['noexpn', 'novrfy'], greeting: '$j ESMTP', authRequireTls: true, logLevel: 9, smrsh: '/usr/libexec/sendmail/smrsh', localOnly: true }), out, 'idempotent');
  });

  it('sendmail.cf: a comment\'s continuation line stays with the comment; no final newline gets one, once', () => {
    const cf = 'V10/Berkeley\n#O HelpFile=/etc/mail/helpfile\n\tstill the comment\nO LogLevel=9';
    const want = { helpFile: '/etc/mail/helpfile', greeting: '$j', privacy: ['goaway'] };
    const out = renderSendmailCf(cf, want);
    assert.equal(out, 'V10/Berkeley\n#O HelpFile=/etc/mail/helpfile\n\tstill the comment\nO HelpFile=/etc/mail/helpfile\nO LogLevel=9\nO PrivacyOptions=goaway\nO SmtpGreetingMessage=$j\n');
    assert.equal(renderSendmailCf(out, want), out);
  });

  it('sendmail.cf option lines follow FORMATS.md §9: one space after O, # escaped, no line breaks', () => {
    assert.equal(cfOptionLine('SmtpGreetingMessage', '$j #1'), 'O SmtpGreetingMessage=$j \\#1');
    assert.throws(() => cfOptionLine('SmtpGreetingMessage', '$j\nO QueueDirectory=/tmp'));
    assert.equal(loopbackDaemon('Family=local, Name=L'), 'Family=local, Name=L');
    assert.equal(loopbackDaemon('Port=587, Name=MSA, M=E'), 'Port=587, Name=MSA, M=E, Addr=127.0.0.1');
  });

  it('sendmail.mc: Debian\'s two-line define rewritten in place, new defines and FEATURE(smrsh) before MAILER, the misplaced FEATURE moved', () => {
    const mc = lines(
      "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl",
      "FEATURE(`no_default_msa')dnl",
      "DAEMON_OPTIONS(`Family=inet,  Name=MTA-v4, Port=smtp')dnl",
      "define(`confPRIVACY_FLAGS',dnl",
      "`needmailhelo,authwarnings')dnl",
      'MAILER_DEFINITIONS',
      "MAILER(`local')dnl",
      "FEATURE(`smrsh')dnl",
    );
    const want = { privacy: ['goaway', 'restrictqrun'], greeting: '$j', smrsh: '/usr/libexec/sendmail/smrsh', localOnly: true };
    const out = renderSendmailMc(mc, want);
    assert.equal(
      out,
      lines(
        "include(`/usr/share/sendmail/cf/m4/cf.m4')dnl",
        "FEATURE(`no_default_msa')dnl",
        "DAEMON_OPTIONS(`Family=inet,  Name=MTA-v4, Port=smtp, Addr=127.0.0.1')dnl",
        "define(`confPRIVACY_FLAGS', `goaway,restrictqrun')dnl",
        'dnl # mailharden: settings of the hardening policy',
        "define(`confSMTP_LOGIN_MSG', ``$j'')dnl",
        "FEATURE(`smrsh')dnl",
        'MAILER_DEFINITIONS',
        "MAILER(`local')dnl",
      ),
    );
    assert.equal(renderSendmailMc(out, want), out, 'idempotent');
    // A flags define quoted once is kept; a greeting quoted once is rewritten quoted twice (m4 would expand its words).
    const once = lines("define(`confPRIVACY_FLAGS', `noexpn')dnl", "define(`confSMTP_LOGIN_MSG', `$j dnl')dnl", "MAILER(`local')dnl");
    assert.equal(renderSendmailMc(once, { privacy: ['noexpn'], greeting: '$j dnl' }), lines("define(`confPRIVACY_FLAGS', `noexpn')dnl", "define(`confSMTP_LOGIN_MSG', ``$j dnl'')dnl", "MAILER(`local')dnl"));
  });

  it('sendmail.mc: a greeting with m4 words stays text when m4 builds the cf (no macro runs)', (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const dir = tempDir('mh-m4-');
    const marker = join(dir, 'PWNED');
    const greeting = `$j ESMTP syscmd(touch ${marker}) dnl divert(-1)`;
    const mc = renderSendmailMc(debianMc().split('\n').filter((l) => !/^include\(`\/etc\/mail\/m4\//.test(l)).join('\n'), { greeting });
    const r = spawnSync(M4, [], { input: mc, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok(!existsSync(marker), 'syscmd ran');
    assert.match(r.stdout, new RegExp(`^O SmtpGreetingMessage=${greeting.replace(/[$()]/g, '\\$&')}$`, 'm'));
  });

  it('sendmail.mc: values apply edits in part keep their quoting level; what it cannot keep so is refused, never rewritten', () => {
    const mailer = "MAILER(`local')dnl";
    // Issue 13: inert text (quoted twice) once came back quoted once, as m4 code.
    assert.throws(() => renderSendmailMc(lines("define(`confAUTH_OPTIONS', ``A syscmd(id>/tmp/x)'')dnl", mailer), { authRequireTls: true }, '/etc/mail/sendmail.mc'), (e: Error) => e.name === 'UserError' && /^\/etc\/mail\/sendmail\.mc:1:28: confAUTH_OPTIONS is not a list of AuthOptions flags/.test(e.message));
    assert.equal(renderSendmailMc(lines("define(`confAUTH_OPTIONS', ``A'')dnl", mailer), { authRequireTls: true }), lines("define(`confAUTH_OPTIONS', ``A,p'')dnl", mailer));
    assert.equal(renderSendmailMc(lines("define(`confAUTH_OPTIONS', `A y')dnl", mailer), { authRequireTls: true }), lines("define(`confAUTH_OPTIONS', `A,y,p')dnl", mailer));
    assert.throws(() => renderSendmailMc(lines("define(`confAUTH_OPTIONS', A)dnl", mailer), { authRequireTls: true }), /not quoted, so a comma would split it/);
    // A daemon's value is edited between its own quotes.
    assert.equal(renderSendmailMc(lines("FEATURE(`no_default_msa')dnl", "DAEMON_OPTIONS(``Name=MTA, Addr=dnl y'')dnl", mailer), { localOnly: true }), lines("FEATURE(`no_default_msa')dnl", "DAEMON_OPTIONS(``Name=MTA, Addr=127.0.0.1'')dnl", mailer));
    assert.throws(() => renderSendmailMc(lines("DAEMON_OPTIONS(`Name=MTA, Addr='`esyscmd(id)')dnl", mailer), { localOnly: true }), /DAEMON_OPTIONS value is not plain text/);
    // A PrivacyOptions line whose quote runs over the lines below is not removed (that made syscmd code).
    const local = lines('LOCAL_CONFIG', 'O PrivacyOptions=noexpn `', 'syscmd(echo hi)', "'", mailer);
    assert.throws(() => renderSendmailMc(local, { privacy: ['noexpn'] }), /:2:1: the PrivacyOptions line under LOCAL_CONFIG holds m4 quotes/);
    assert.throws(() => renderSendmailMc(lines('LOCAL_CONFIG', 'O PrivacyOptions=noexpn dnl', 'O X=y', mailer), { privacy: ['noexpn'] }), /holds "dnl", which m4 expands/);
    assert.equal(renderSendmailMc(lines('LOCAL_CONFIG', 'O PrivacyOptions=noexpn', mailer), { privacy: ['noexpn'] }), lines('LOCAL_CONFIG', 'dnl # mailharden: settings of the hardening policy', "define(`confPRIVACY_FLAGS', `noexpn')dnl", mailer));
    // A misplaced FEATURE moves as written; lines for a MAILER that does not start its line go right before it.
    assert.equal(renderSendmailMc(lines(`x ${mailer}`, "FEATURE(`smrsh', ``/usr/sbin/smrsh'')"), { smrsh: '/x' }), lines("x `'dnl # mailharden: settings of the hardening policy", "FEATURE(`smrsh', ``/usr/sbin/smrsh'')dnl", mailer, ''), 'the newline m4 wrote after the moved FEATURE stays');
    // A file m4 reads otherwise than the parser is not edited at all.
    assert.throws(() => renderSendmailMc(lines('changequote([,])', "define([confLOG_LEVEL], [9])dnl", mailer), { logLevel: 12 }), /:1:1: changequote changes how m4 reads the rest of the file/);
    assert.throws(() => renderSendmailMc(lines("define(`confLOG_LEVEL', `9", mailer), { logLevel: 12 }), /unterminated quote/);
    assert.equal(renderSendmailMc(lines('changequote([,])', mailer), {}), lines('changequote([,])', mailer), 'nothing to change: nothing refused');
  });

  it('sendmail.mc: HELP_FILE, rescanned twice by proto.m4, stays text (a path segment `dnl` once cut the line)', (t) => {
    if (!needs(t, M4, DEBIAN_MC)) return;
    const mc = renderSendmailMc(debianMc().split('\n').filter((l) => !/^include\(`\/etc\/mail\/m4\//.test(l)).join('\n'), { helpFile: '/etc/dnl/divert/helpfile' });
    const r = spawnSync(M4, [], { input: mc, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^O HelpFile=\/etc\/dnl\/divert\/helpfile$/m);
    assert.equal(parseAs('sendmail-mc', new SourceFile('mc', mc)).sendmail.get('HelpFile')?.value, '/etc/dnl/divert/helpfile', 'the model reads what m4 writes');
  });

  it('aliases: stripped entries go with their continuation lines, set names get one entry, the rest is kept', () => {
    const text = lines('# top', 'root: alice', 'decode: "|/usr/bin/uudecode"', 'staff: alice,', '\tbob', 'Games: root', 'root: bob', 'other: x # stays as is');
    const out = renderAliases(text, { strip: ['decode', 'games', 'staff'], set: [['root', 'ops@example.com'], ['postmaster', 'root']] });
    assert.equal(out, lines('# top', 'root: ops@example.com', 'other: x # stays as is', 'postmaster: root'));
    assert.equal(renderAliases(out, { strip: ['decode', 'games', 'staff'], set: [['root', 'ops@example.com'], ['postmaster', 'root']] }), out);
    assert.throws(() => renderAliases('', { set: [['root', 'a\nb: |/bin/sh']] }));
  });

  it('relay networks: tcprules keys most specific first, access keys by whole octets and IPv6 groups', () => {
    assert.deepEqual(accessKeys4(parseCidr('192.168.16.0/20')!), Array.from({ length: 16 }, (_, i) => `192.168.${16 + i}`));
    assert.equal(accessKeys4(parseCidr('172.16.5.128/25')!).length, 128);
    assert.deepEqual(accessKeys4(parseCidr('10.0.0.0/8')!), ['10']);
    assert.equal(accessKey6('2001:db8:10::/48'), 'IPv6:2001:db8:10');
    assert.equal(accessKey6('::1/128'), 'IPv6:::1');
    assert.equal(accessKey6('2001:0db8:0:0:1:0:0:1/128'), 'IPv6:2001:db8::1:0:0:1');
    assert.equal(accessKey6('2001:db8:0:1:1:1:1:1/128'), 'IPv6:2001:db8:0:1:1:1:1:1');
    assert.match((accessKey6('2001:db8::/48') as { skip: string }).skip, /zero group/);
    assert.match((accessKey6('2001:db8:1::/40') as { skip: string }).skip, /whole 16-bit groups/);
    const k = relayKeys(['10.0.0.0/8', '192.168.16.0/20', '172.16.5.128/25', '2001:db8:10::/48']);
    assert.deepEqual(k.tcp, ['172.16.5.128-255', '192.168.16-31.', '10.']);
    assert.match(k.tcpSkipped[0]!, /^2001:db8:10::\/48: not written; this tcprules \(ucspi-tcp\) reads IPv4 rules only$/);
  });

  it('tcp.smtp: a new file with the block and a default; a patched file keeps other rules and drops stale RELAYCLIENT lines', async () => {
    const render = await loadTemplates();
    const ctx = { render, path: '/etc/tcp.smtp', cdb: '/etc/tcp.smtp.cdb' };
    assert.equal(
      renderTcpSmtp(undefined, ['192.168.10.', '127.'], [], ctx),
      lines(
        '# tcpserver rules for qmail-smtpd. Compile after editing:',
        '#   tcprules /etc/tcp.smtp.cdb /etc/tcp.smtp.cdb.tmp < /etc/tcp.smtp',
        '# The most specific key wins (tcpserver(1)); identical keys: the first line wins.',
        '# BEGIN mailharden relay networks: written from the policy; edit the policy, not these lines.',
        '192.168.10.:allow,RELAYCLIENT=""',
        '127.:allow,RELAYCLIENT=""',
        '# END mailharden relay networks',
        '# Everyone else may connect, but not relay.',
        ':allow',
      ),
    );
    const old = lines('# site rules', '10.9.9.:allow,RELAYCLIENT=""', '1.2.3.4:deny', '10.0.0.1:deny,RELAYCLIENT=""', '127.:allow');
    const out = renderTcpSmtp(old, ['127.'], [], ctx);
    assert.equal(
      out,
      lines(
        '# site rules',
        '# BEGIN mailharden relay networks: written from the policy; edit the policy, not these lines.',
        '127.:allow,RELAYCLIENT=""',
        '# END mailharden relay networks',
        '1.2.3.4:deny',
        '10.0.0.1:deny,RELAYCLIENT=""',
        '# Everyone else may connect, but not relay.',
        ':allow',
      ),
    );
    assert.equal(renderTcpSmtp(out, ['127.'], [], ctx), out, 'idempotent');
    // A block an older run left below other rules moves back on top of them.
    const below = lines('1.2.3.4:deny', '# BEGIN mailharden relay networks: x', '127.:allow,RELAYCLIENT=""', '# END mailharden relay networks', ':allow');
    assert.match(renderTcpSmtp(below, ['127.'], [], ctx), /^# BEGIN mailharden relay networks[^\n]*\n127\.:allow,RELAYCLIENT=""\n# END mailharden relay networks\n1\.2\.3\.4:deny\n:allow\n$/);
  });

  it('access: address RELAY entries outside the block are replaced by the block; other entries stay', async () => {
    const render = await loadTemplates();
    const ctx = { render, path: '/etc/mail/access' };
    const old = lines('Connect:10\tRELAY', 'From:spam.example\tREJECT', 'Connect:host.example\tRELAY', '127.0.0.1 RELAY');
    const out = renderAccess(old, ['127'], [], ctx);
    assert.equal(out, lines('From:spam.example\tREJECT', 'Connect:host.example\tRELAY', '# BEGIN mailharden relay networks: written from the policy; edit the policy, not these lines.', 'Connect:127\tRELAY', '# END mailharden relay networks'));
    assert.equal(renderAccess(out, ['127'], [], ctx), out, 'idempotent');
  });

  it('rcpthosts and relay-domains: one name a line, and a name that is not one refused by the renderer itself', async () => {
    const render = await loadTemplates();
    const out = renderList('rcpthosts', ['example.com', '.example.net', 'example.com'], render);
    assert.deepEqual(out.split('\n').filter((l) => l && !l.startsWith('#')), ['example.com', '.example.net']);
    for (const bad of ['a\nb', 'x # y', 'a b', "it's"]) assert.throws(() => renderList('relay-domains', ['ok.example', bad], render), /unsafe relay-domains line/);
  });

  it('the lint gate does not take a finding whose line moved for a new one', () => {
    const before = 'postmaster: root\ngames: root\nstaff: root\nstaff: root\n';
    const after = renderAliases(before, { strip: ['games'] });
    const file = { artifact: 'aliases', path: '/etc/aliases', hostPath: '/x', kind: 'aliases' as const, before, after, mode: 0o644, uid: 0, gid: 0, immutable: false, encoding: 'utf8' as const, post: [] };
    const { introduced, remaining } = introducedFindings(file, rules, false);
    assert.ok(remaining > 0, 'the duplicate is still reported, on another line');
    assert.deepEqual(introduced.map((f) => f.ruleId), []);
  });

  it('shell words are quoted unless plainly safe', () => {
    assert.equal(shq('/etc/mail/sendmail.cf'), '/etc/mail/sendmail.cf');
    assert.equal(shq("a b'c"), `'a b'\\''c'`);
    assert.equal(shq('$(id)'), `'$(id)'`);
  });
});

describe('sendmail.mc: a dnl right after a digit is still dnl (m4 reads 1.2.3.4dnl as 1.2.3.4 and dnl)', () => {
  it('a LOCAL_CONFIG PrivacyOptions line joined to the line before by such a dnl is not removed', () => {
    const mc = "include(`cf.m4')dnl\nLOCAL_CONFIG dnl\nAddr=1.2.3.4dnl x\nO PrivacyOptions=noexpn,novrfy\n";
    assert.throws(() => renderSendmailMc(mc, { privacy: ['noexpn'] }, 'sendmail.mc'), /sendmail\.mc:4:\d+: .*dnl/);
    // x4dnl is one name: the line after it stands alone and is edited.
    const plain = "include(`cf.m4')dnl\nLOCAL_CONFIG dnl\nAddr=x4dnl\nO PrivacyOptions=noexpn,novrfy\n";
    assert.doesNotMatch(renderSendmailMc(plain, { privacy: ['noexpn'] }, 'sendmail.mc'), /^O PrivacyOptions=noexpn,novrfy$/m);
  });
});
