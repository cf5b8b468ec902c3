/**
 * Output that a terminal, a CI runner or a reviewer can trust (issue 13): text from a config file, a
 * file name, a smrsh link or an SMTP server reaches a human format with its control and bidi characters
 * escaped, a printed plan line is one line and exactly what runs, and no output file the user names is
 * written through a link planted at its name.
 */
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer, type Socket } from 'node:net';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { run, runAsync } from './helpers/cli.js';
import { exampleRoot } from './helpers/example.js';
import { tempDir } from './helpers/real.js';
import { firstUnsafeChar, hasUnsafeChars, shellWord, stringifyVisible, visibleControls } from '../src/core/visible.js';
import { mayBeAuthInfoLine, withoutPasswords } from '../src/core/secrets.js';
import { attachSnippet } from '../src/core/engine.js';
import type { Finding } from '../src/core/types.js';

/**
 * C0 and C1 controls, DEL, line and paragraph separators, bidi formatting characters, and what a terminal
 * shows as nothing or as a space (zero-width space and joiners, soft hyphen, word joiner and invisible
 * operators, BOM, variation selectors, tags, no-break and ideographic spaces); newline apart.
 */
const UNSAFE = /[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\u00a0\u00ad\u034f\u180e\u200b-\u200d\u2060-\u2064\u3000\ufe00-\ufe0f\ufeff\u{e0001}\u{e0020}-\u{e007f}]/u;
/** The same, TAB allowed too (diff headers and file text keep their TABs). */
const UNSAFE_BUT_TAB = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\u00a0\u00ad\u034f\u180e\u200b-\u200d\u2060-\u2064\u3000\ufe00-\ufe0f\ufeff\u{e0001}\u{e0020}-\u{e007f}]/u;

function assertSafe(text: string, what: string, pattern = UNSAFE): void {
  const m = pattern.exec(text);
  assert.equal(m, null, `${what}: raw U+${m?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} at ${m?.index}: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 40))}`);
}

/** An OSC title, a screen clear, CR + a workflow command, a C1 CSI, DEL and a right-to-left override. */
const HOSTILE = '\x1b]0;owned\x07\x1b[2J\r::error::fake\x9b31m\x7f\u202e';
const HOSTILE_SHOWN = '\\x1b]0;owned\\x07\\x1b[2J\\r::error::fake\\x9b31m\\x7f\\u202e';
/** The same without colons, for an alias name (a colon ends it). */
const NAME = '\x1b]0;owned\x07\x1b[2J\r\x9b31m\x7f\u202e';
const NAME_SHOWN = '\\x1b]0;owned\\x07\\x1b[2J\\r\\x9b31m\\x7f\\u202e';

describe('visibleControls and shellWord (src/core/visible.ts)', () => {
  // Every unsafe character, the quoting characters, plain and wide text.
  const POOL = ['a', 'Z', '0', ' ', '/', '-', "'", '"', '\\', '$', '`', '%', '\x00', '\x07', '\t', '\n', '\r', '\x1b', '\x7f', '\x85', '\x9b', '\u061c', '\u200e', '\u2028', '\u202e', '\u2066', '\u2069', '\u200b', '\u200d', '\u00ad', '\u2060', '\ufeff', '\ufe0f', '\u00a0', '\u{e0041}', 'é', '€', '😀'];
  let seed = 13;
  const next = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const words = Array.from({ length: 300 }, () => Array.from({ length: 1 + next(12) }, () => POOL[next(POOL.length)]!).join(''));

  it('escaped text has no unsafe character, keeps what it is told to keep, and escaping twice changes nothing', () => {
    for (const w of words) {
      const once = visibleControls(w);
      assertSafe(once, JSON.stringify(w));
      assert.ok(!once.includes('\n'));
      assert.equal(visibleControls(once), once);
      assert.equal(visibleControls(w, 'lines').split('\n').length, w.split('\n').length);
      assert.equal(visibleControls(w, 'layout').split('\t').length, w.split('\t').length);
    }
  });

  it('a shell word is one safe line, and bash reads it back byte for byte', () => {
    for (const w of words) {
      const q = shellWord(w);
      assertSafe(q, JSON.stringify(w));
      assert.ok(!q.includes('\n'));
    }
    // NUL cannot be in a shell word (nor a file name): bash drops it, so those words are left out here.
    const testable = words.filter((w) => !w.includes('\x00'));
    const script = testable.map((w) => `printf '%s\\0' ${shellWord(w)}`).join('\n');
    const r = spawnSync('bash', ['-c', script], { env: { LC_ALL: 'C' } });
    assert.equal(r.status, 0, r.stderr.toString());
    assert.deepEqual(r.stdout.toString('utf8').split('\0').slice(0, -1), testable);
  });

  it('every code point, alone and amid plain text: hasUnsafeChars (its printable-ASCII shortcut, then the Unicode patterns built on first need) answers as the full pattern does, and visibleControls and JSON keep to it', () => {
    // The patterns as they were built at load before the shortcut: the reference.
    const BEYOND_C0 = '\\x7f-\\x9f\\p{Zl}\\p{Zp}\\p{Cf}\\p{Default_Ignorable_Code_Point}\\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000\\udc80-\\udcff';
    const full = new RegExp(`[\\x00-\\x1f${BEYOND_C0}]`, 'u');
    const jsonRaw = new RegExp(`[${BEYOND_C0}]`, 'u');
    let unsafe = 0;
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdbff) continue; // a high surrogate alone is no character of a string we show
      const c = String.fromCodePoint(cp);
      const want = full.test(c);
      if (hasUnsafeChars(c) !== want || hasUnsafeChars(`plain ${c} text`) !== want) assert.fail(`U+${cp.toString(16)}: hasUnsafeChars is not ${want}`);
      if (firstUnsafeChar(`plain ${c} text\u200b`) !== (want ? c : '\u200b')) assert.fail(`U+${cp.toString(16)}: firstUnsafeChar`);
      if (want) unsafe++;
      if ((visibleControls(`a${c}b`) === `a${c}b`) === want) assert.fail(`U+${cp.toString(16)}: visibleControls`);
      if (cp < 0x3000 || jsonRaw.test(c)) {
        const json = stringifyVisible({ k: `x${c}` });
        assert.deepEqual(JSON.parse(json), { k: `x${c}` });
        if (jsonRaw.test(json) || full.test(json.replace(/\n/g, ''))) assert.fail(`U+${cp.toString(16)}: stringifyVisible leaves it raw`);
      }
    }
    assert.ok(unsafe > 1000, `${unsafe} unsafe code points`);
    for (let cp = 0x20; cp < 0x7f; cp++) assert.equal(hasUnsafeChars(String.fromCharCode(cp)), false);
    assert.equal(hasUnsafeChars(''), false);
  });
});

describe('invisible characters: a name that looks like another is shown with its difference', () => {
  it('visibleControls escapes the zero-width, joiner, soft hyphen, BOM, tag, variation selector and no-break characters; JSON keeps the value', () => {
    const cases: [string, string][] = [
      ['\u200b', '\\u200b'], ['\u200c', '\\u200c'], ['\u200d', '\\u200d'], ['\u200e', '\\u200e'], ['\u200f', '\\u200f'],
      ['\u202a', '\\u202a'], ['\u202e', '\\u202e'], ['\u2066', '\\u2066'], ['\u2069', '\\u2069'], ['\ufeff', '\\ufeff'],
      ['\u00ad', '\\xad'], ['\u2060', '\\u2060'], ['\u2064', '\\u2064'], ['\u180e', '\\u180e'], ['\u034f', '\\u034f'],
      ['\ufe0f', '\\ufe0f'], ['\u00a0', '\\xa0'], ['\u3000', '\\u3000'], ['\u{e0041}', '\\u{e0041}'], ['\u{e0001}', '\\u{e0001}'],
    ];
    for (const [c, shown] of cases) {
      assert.equal(visibleControls(`ro${c}ot`), `ro${shown}ot`, JSON.stringify(c));
      const json = stringifyVisible({ v: `ro${c}ot` });
      assertSafe(json, JSON.stringify(c));
      assert.equal((JSON.parse(json) as { v: string }).v, `ro${c}ot`);
    }
    // Text a terminal shows as it is stays: accents, CJK, emoji, a combining accent, the space.
    assert.equal(visibleControls('é 中 😀 e\u0301'), 'é 中 😀 e\u0301');
  });

  it('lint: an alias name with a zero-width space or a soft hyphen is shown escaped, in text and JSON', () => {
    const dir = tempDir('mh-invisible-');
    writeFileSync(join(dir, 'aliases'), 'postmaster: root\nMAILER-DAEMON: postmaster\nroot: admin\nro\u200bot: "|/bin/sh -c id"\nad\u00admin: "|/bin/sh"\n');
    const r = run(['lint', '--no-config', '--no-baseline', '--select', 'MH2002', 'aliases'], { cwd: dir });
    assert.equal(r.code, 1, r.stderr);
    assertSafe(r.stdout, 'text');
    assert.match(r.stdout, /alias "ro\\u200bot" pipes mail/);
    assert.match(r.stdout, /^ {2}4 \| ro\\u200bot: "\|\/bin\/sh -c id"$/m);
    assert.match(r.stdout, /alias "ad\\xadmin" pipes mail/);
    const j = run(['lint', '--no-config', '--no-baseline', '--select', 'MH2002', '-f', 'json', 'aliases'], { cwd: dir });
    assertSafe(j.stdout, 'json');
  });
});

describe('lint: human formats escape what comes from the files', () => {
  const dir = tempDir('mh-trust-');
  // The alias name holds the sequences: in the message, in the line and before the span.
  writeFileSync(join(dir, 'aliases'), `postmaster: root\nMAILER-DAEMON: postmaster\nroot: admin\nx${NAME}: "|/bin/sh -c id"\n`);
  // The greeting holds CR + ::error:: too, inside the span.
  writeFileSync(join(dir, 'sendmail.cf'), `O SmtpGreetingMessage=$j ${HOSTILE} $v\n`);
  // A file name with the sequences, read as aliases.
  const evilName = `evil${NAME}`;
  writeFileSync(join(dir, evilName), 'postmaster: root\nMAILER-DAEMON: postmaster\nx: "|/bin/sh"\n');
  // A parser's own message quoting the line (qmail control timeoutsmtpd; databytes has MH4018 for this).
  mkdirSync(join(dir, 'control'));
  writeFileSync(join(dir, 'control', 'timeoutsmtpd'), `12${HOSTILE}\n`);
  const lint = (args: string[]) => run(['lint', '--no-config', '--no-baseline', '--select', 'MH2002,MH1010,MH0001', ...args], { cwd: dir });
  const cases = [['aliases'], ['sendmail.cf'], ['--type', 'aliases', evilName], ['--type', 'qmail-control', join('control', 'timeoutsmtpd')]];

  it('text: the message, the line (the caret under the escaped span), the file name', () => {
    const r = lint(['aliases', 'sendmail.cf']);
    assert.equal(r.code, 1, r.stderr);
    const greeting = `$j ${HOSTILE_SHOWN} $v`;
    assert.equal(
      r.stdout,
      [
        `aliases:4:${4 + NAME.length}: high alias "x${NAME_SHOWN}" pipes mail into "/bin/sh", a shell that can run any command [MH2002/dangerous-program]`,
        `  4 | x${NAME_SHOWN}: "|/bin/sh -c id"`,
        `    | ${' '.repeat(1 + NAME_SHOWN.length + 2)}^${'~'.repeat('"|/bin/sh -c id"'.length - 1)}`,
        '    fix: remove the target, or point it at one reviewed program that only reads the message, run through smrsh',
        '    refs: Tiger:ali002, Tiger:misc011w · docs: https://github.com/mailharden/mailharden/blob/main/docs/rules/MH2002.md',
        '',
        `sendmail.cf:1:23: low the SMTP greeting "${greeting}" shows the version through $v [MH1010/greeting-version]`,
        `  1 | O SmtpGreetingMessage=${greeting}`,
        `    | ${' '.repeat(22)}^${'~'.repeat(greeting.length - 1)}`,
        '    fix: set a greeting without $v, $Z or version text, such as "$j" (in the .mc: define(`confSMTP_LOGIN_MSG\', `$j\')dnl, then rebuild the .cf)',
        '    refs: DISA-STIG:GEN004560, AIX7-STIG:AIX7-00-003114, Tiger:netw019w, EX16-STIG:EX16-ED-000630, SSG-RHEL5:mail_version_info, STONIX:SecureMTA · docs: https://github.com/mailharden/mailharden/blob/main/docs/rules/MH1010.md',
        '',
        '2 findings (1 high, 1 low) in 2 files',
        '',
      ].join('\n'),
    );
    const named = lint(['--type', 'aliases', evilName]);
    assert.equal(named.code, 1, named.stderr);
    assert.match(named.stdout, new RegExp(`^${escapeRe(`evil${NAME_SHOWN}`)}:3:4: high alias "x"`, 'm'));
    assertSafe(named.stdout, 'text, file name');
    const parsed = lint(['--type', 'qmail-control', join('control', 'timeoutsmtpd')]);
    assert.match(parsed.stdout, new RegExp(`reads only the leading digits of "12${escapeRe(HOSTILE_SHOWN)}"`));
    assert.equal(parsed.stdout.split('\n')[1], `  1 | 12${HOSTILE_SHOWN}`);
    assertSafe(parsed.stdout, 'text, a parser message');
  });

  it('compact and github: one line per finding, nothing a terminal or the runner acts on', () => {
    for (const format of ['compact', 'github']) {
      for (const args of cases) {
        const r = lint(['-f', format, ...args]);
        assert.equal(r.code, args[0] === 'sendmail.cf' ? 0 : 1, r.stderr);
        assertSafe(r.stdout + r.stderr, `${format} ${args.join(' ')}`);
        const lines = r.stdout.trimEnd().split('\n');
        assert.equal(lines.length, 1, r.stdout);
        // The runner reads a command at the start of a line, after blanks (and a CR would start one).
        if (format === 'github') assert.match(lines[0]!, /^::(error|notice) file=[^:]*,line=\d+,col=\d+,endLine=\d+,endColumn=\d+,title=MH\d{4}\/[a-z-]+ \((high|low)\)::[^\r\n]*$/);
      }
    }
    const gh = lint(['-f', 'github', 'sendmail.cf']);
    const greeting = `$j ${HOSTILE_SHOWN} $v`;
    assert.equal(gh.stdout, `::notice file=sendmail.cf,line=1,col=23,endLine=1,endColumn=${23 + 6 + HOSTILE.length},title=MH1010/greeting-version (low)::the SMTP greeting "${greeting}" shows the version through $v — fix: set a greeting without $v, $Z or version text, such as "$j" (in the .mc: define(\`confSMTP_LOGIN_MSG', \`$j')dnl, then rebuild the .cf)\n`);
    // The step summary's table too.
    const summary = join(dir, 'summary.md');
    const s = run(['lint', '--no-config', '--no-baseline', '--select', 'MH2002', '-f', 'github', 'aliases'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: summary } });
    assert.equal(s.code, 1);
    assertSafe(readFileSync(summary, 'utf8'), 'step summary');
    assert.match(readFileSync(summary, 'utf8'), new RegExp(`\\| high \\| MH2002 dangerous-program \\| \`aliases:4\` \\| alias "x${escapeRe(NAME_SHOWN)}" pipes`));
  });

  it('json and sarif: the same values, with no raw character a terminal acts on', () => {
    // The file name is the finding's file: JSON carries its characters as \\u escapes.
    for (const format of ['json', 'sarif']) {
      const r = lint(['-f', format, '--type', 'aliases', evilName]);
      assert.equal(r.code, 1, r.stderr);
      assertSafe(r.stdout, format);
      const doc = JSON.parse(r.stdout);
      if (format === 'json') {
        assert.ok(r.stdout.includes('\\u009b31m\\u007f\\u202e'), r.stdout);
        assert.equal(doc.findings[0].file, evilName);
      } else assert.equal(decodeURIComponent(doc.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri), evilName);
    }
  });

  it('junit, codeclimate, xccdf and html: no raw character a terminal or a viewer acts on', () => {
    for (const format of ['junit', 'codeclimate', 'xccdf', 'html']) {
      const r = lint(['-f', format, '--type', 'aliases', evilName]);
      assert.equal(r.code, 1, r.stderr);
      assertSafe(r.stdout, format);
      assert.match(r.stdout, /MH2002/);
    }
  });
});

describe('lint: no output shows the password of an AuthInfo entry', () => {
  it('MH6016 on an authinfo source, its database and the DefaultAuthInfo file, readable by all: the source\'s line is shown with the password as *, the others not at all, in every format', () => {
    const root = tempDir('mh-authinfo-');
    mkdirSync(join(root, 'etc/mail'), { recursive: true });
    writeFileSync(join(root, 'etc/mail/sendmail.cf'), 'V10/Berkeley\nKauthinfo hash -o /etc/mail/authinfo\nO DefaultAuthInfo=/etc/mail/default-auth-info\n');
    writeFileSync(join(root, 'etc/mail/authinfo'), 'AuthInfo:smtp.example.net "U:user" "P:hunter2" "M:PLAIN"\n', { mode: 0o644 });
    // The DefaultAuthInfo file (user, authorization id, password, realm) and the map's database: no line of theirs is shown.
    writeFileSync(join(root, 'etc/mail/default-auth-info'), 'hunter3\nhunter3\nhunter3\nexample.net\n', { mode: 0o644 });
    writeFileSync(join(root, 'etc/mail/authinfo.db'), Buffer.from('\0\0\0authinfo:smtp.example.net\0"U:user" "P:hunter4"\n'), { mode: 0o644 });
    for (const format of ['text', 'json', 'sarif', 'junit', 'codeclimate', 'html', 'compact', 'xccdf']) {
      const r = run(['lint', '--no-config', '--no-baseline', '--select', 'MH6016', '-f', format, '--root', root]);
      assert.equal(r.code, 1, `${format}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout, /hunter[234]/, format);
      assert.equal((r.stdout.match(/MH6016/g) ?? []).length >= 3, true, format);
      if (format === 'text') assert.match(r.stdout, /^ {2}1 \| AuthInfo:smtp\.example\.net "U:user" "P:\*" "M:PLAIN"$/m);
    }
    // An entry without a blank is all key: the parse error quoting it does not quote the password.
    writeFileSync(join(root, 'access'), 'AuthInfo:relay.example"U:me""P:hunter5"\n');
    const p = run(['lint', '--no-config', '--no-baseline', '--type', 'access', join(root, 'access')]);
    assert.match(p.stdout, /key "AuthInfo:relay\.example"U:me""P:\*"" has no value/);
    assert.doesNotMatch(p.stdout, /hunter5/);
  });

  it('an entry after a byte order mark or another blank, or commented out with ## or # #: its password is * in the shown line and in a diff', () => {
    const root = tempDir('mh-authinfo-bom-');
    // A file saved with a BOM: the parser reads the line as a key with no value and shows it (MH0001).
    writeFileSync(join(root, 'access'), '\ufeffAuthInfo:relay.example "U:me" "P:hunter6"\n\u00a0AuthInfo:relay2.example "P:hunter7"\n');
    for (const format of ['text', 'junit', 'html', 'json', 'sarif']) {
      const r = run(['lint', '--no-config', '--no-baseline', '--type', 'access', '-f', format, join(root, 'access')]);
      assert.match(r.stdout, /MH0001/, format);
      assert.doesNotMatch(r.stdout, /hunter[67]/, format);
    }
    for (const line of ['## AuthInfo:a "P:hunter8"', '#\t#AuthInfo:a "P:hunter8"', '-## AuthInfo:a "U:me" "P:hunter8"', '+\ufeffAuthInfo:a "P=aHVudGVyOA=="']) {
      assert.doesNotMatch(withoutPasswords(`${line}\n`), /hunter8|aHVudGVyOA/, line);
    }
  });

  it('a long AuthInfo line: the window a finding shows of it never holds a password, and is found from the line\'s start', () => {
    const pw = `hunter9${'h'.repeat(3000)}`;
    for (const lead of ['', '\ufeff', '## ', ' '.repeat(2000)]) {
      const line = `${lead}AuthInfo:relay.example "U:me" "P:${pw}" "M:PLAIN"`;
      assert.equal(mayBeAuthInfoLine(line), true, JSON.stringify(lead.slice(0, 3)));
      for (const column of [1, 30, 1200, line.length - 5]) {
        const f = { line: 1, column } as Finding;
        attachSnippet(f, line);
        assert.doesNotMatch(f.sourceLine ?? '', /hunter9|hhh/, `column ${column}`);
      }
    }
    assert.equal(mayBeAuthInfoLine(`syscmd(x)${'syscmd(x)'.repeat(200)}AuthInfo:`), false);
    const f = { line: 1, column: 1500 } as Finding;
    attachSnippet(f, 'syscmd(x)'.repeat(400));
    assert.equal(f.sourceLine, 'syscmd(x)'.repeat(400).slice(1399, 1899));
  });
});

describe('init --from-system: the reasons quote the files, escaped', () => {
  it('a greeting with terminal sequences', () => {
    const dir = tempDir('mh-trust-init-');
    mkdirSync(join(dir, 'etc', 'mail'), { recursive: true });
    writeFileSync(join(dir, 'etc', 'mail', 'sendmail.cf'), `V10/Berkeley\nO SmtpGreetingMessage=$j ${HOSTILE} $v\n`);
    const r = run(['init', '--from-system', '--root', dir]);
    assert.equal(r.code, 0, r.stderr);
    assertSafe(r.stdout + r.stderr, 'init --from-system');
    // The greeting's reason quotes it (the cf reader has made the CR a blank), wrapped at 100 columns.
    assert.ok(r.stdout.includes('# greeting: the current greeting ("$j \\x1b]0;owned\\x07\\x1b[2J ::error::fake\\x9b31m\\x7f\\u202e $v")\n'), r.stdout);
  });
});

describe('apply --dry-run: the plan a reviewer reads is what runs', () => {
  function hostileRoot(): { root: string; policy: string; evil: string } {
    const { root, policy } = exampleRoot('mh-trust-apply-');
    const smrsh = join(root, 'etc', 'mail', 'smrsh');
    mkdirSync(smrsh);
    // A link the policy replaces, whose old target adds a line; an entry it removes, named to add one.
    symlinkSync('/bin/sh\n  rm -rf /\x1b[2K', join(smrsh, 'procmail'));
    const evil = 'evil\n  rm -rf ~\x1b]0;t\x07\u202e\x9b';
    symlinkSync('/bin/sh\x1b[8m', join(smrsh, evil));
    // A name that ends in a newline, beside the name of a link the policy wants.
    writeFileSync(join(smrsh, 'procmail\n'), '');
    const aliases = join(root, 'etc', 'aliases');
    writeFileSync(aliases, readFileSync(aliases, 'utf8').replace('decode: "|/usr/bin/uudecode"', `decode: "|/usr/bin/uudecode" ${HOSTILE}`));
    return { root, policy, evil };
  }

  it('"Commands that would run": one line each, words quoted with $\'…\' escapes that the shell reads back exactly', () => {
    const { root, policy, evil } = hostileRoot();
    const script = join(root, '..', 'plan.sh');
    const r = run(['apply', policy, '--root', root, '--dry-run', '--script', script]);
    assert.equal(r.code, 0, r.stderr);
    assertSafe(r.stdout, 'apply stdout', UNSAFE_BUT_TAB);
    assertSafe(r.stderr, 'apply stderr', UNSAFE_BUT_TAB);
    const commands = r.stdout.slice(r.stdout.indexOf('Commands that would run')).split('\n');
    assert.deepEqual(commands.slice(0, 12), [
      `Commands that would run (paths inside ${root}):`,
      '  ln -sfn /usr/libexec/sendmail/mail.local /etc/mail/smrsh/mail.local',
      '  ln -sfn /usr/bin/procmail /etc/mail/smrsh/procmail    # replaces link to /bin/sh\\n  rm -rf /\\x1b[2K',
      "  rm -f $'/etc/mail/smrsh/evil\\n  rm -rf ~\\x1b]0;t\\x07\\xe2\\x80\\xae\\xc2\\x9b'    # link to /bin/sh\\x1b[8m, not in smrsh.allow",
      "  rm -f $'/etc/mail/smrsh/procmail\\n'    # file, not in smrsh.allow",
      '  sendmail -bi -oA/etc/aliases    # rebuild the aliases database (newaliases)',
      '  makemap hash /etc/mail/access < /etc/mail/access    # rebuild the access database',
      '  chattr +i /etc/mail/sendmail.cf',
      '  chattr +i /etc/mail/sendmail.mc',
      '  chattr +i /etc/aliases',
      '  chattr +i /etc/mail/access',
      'Plan: 2 to create, 4 to change, 0 unchanged; 10 host actions (2 links, 2 removals, 4 chattr, 2 rebuilds).',
    ]);
    // The word, given to the shell, is the name on disk, byte for byte.
    const word = /rm -f (\$'[^']*') /.exec(commands[3]!)![1]!;
    const back = spawnSync('bash', ['-c', `printf %s ${word}`]);
    assert.equal(back.status, 0);
    assert.deepEqual(back.stdout, Buffer.from(`/etc/mail/smrsh/${evil}`, 'utf8'));
    assert.ok(readdirSync(join(root, 'etc', 'mail', 'smrsh')).includes(evil));
    // The --script file (POSIX sh, no $'…'): the same names built by printf from octal escapes, one
    // line each; sh runs them with exactly those names.
    const text = readFileSync(script, 'utf8');
    assertSafe(text, 'the script');
    const removals = text.split('\n').filter((l) => /^entry=|^rm -f/.test(l));
    assert.deepEqual(removals, [
      "entry=$(printf '/etc/mail/smrsh/evil\\012  rm -rf ~\\033]0;t\\007\\342\\200\\256\\302\\233_'); rm -f \"${entry%_}\"",
      "entry=$(printf '/etc/mail/smrsh/procmail\\012_'); rm -f \"${entry%_}\"",
    ]);
    assert.equal(spawnSync('sh', ['-n', script]).status, 0);
    const ran = spawnSync('sh', ['-c', `rm() { printf '%s\\0' "$@"; }\n${removals.join('\n')}`]);
    assert.equal(ran.status, 0, ran.stderr.toString());
    assert.deepEqual(ran.stdout, Buffer.from(`-f\0/etc/mail/smrsh/${evil}\0-f\0/etc/mail/smrsh/procmail\n\0`, 'utf8'));
    // The diff shows the file's line, escaped; TABs of the diff headers stay.
    assert.ok(r.stdout.includes(`\n-decode: "|/usr/bin/uudecode" ${HOSTILE_SHOWN}\n`), r.stdout);
  });
});

describe('probe: what a server sends reaches the terminal escaped', () => {
  async function serve(greeting: string): Promise<{ port: number; close: () => void }> {
    const server = createServer((s: Socket) => {
      s.on('error', () => {});
      s.write(greeting, 'latin1');
      s.on('data', () => s.write('250 ok\r\n'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return { port: (server.address() as { port: number }).port, close: () => server.close() };
  }

  for (const [name, greeting, message] of [
    ['lines nobody asked for', `220 mx ESMTP\r\n220 \x1b]0;owned\x07\x1b[2J\r::error::x\x9b\r\n`, 'the server sent lines nobody asked for before EHLO: "220 \\x1b]0;owned\\x07\\x1b[2J\\r::error::x\\x9b"'],
    ['not an SMTP reply', `\x1b[31mHTTP/1.1\t400\x9b\r\n`, 'not an SMTP reply to the connection (greeting): "\\x1b[31mHTTP/1.1\\t400\\x9b"'],
    ['a refused session', `554 go\x1b[2Jaway\t\x85\r\n`, 'the server refused the session: "554 go\\x1b[2Jaway\\t\\x85"'],
  ] as const) {
    it(name, async () => {
      const server = await serve(greeting);
      try {
        const r = await runAsync(['probe', `127.0.0.1:${server.port}`, '--timeout', '2']);
        assert.equal(r.code, 3, r.stdout + r.stderr);
        assert.equal(r.stderr, `mailharden: 127.0.0.1:${server.port}: ${message}\n`);
      } finally {
        server.close();
      }
    });
  }
});

describe('output files are never written through a link planted at their name', () => {
  /** A directory with a decoy "outside" file and a link to it at `name` (or a dangling link to where a file would be created). */
  function planted(name: string, dangling = false): { dir: string; path: string; decoy: string; dangling: boolean } {
    const dir = tempDir('mh-trust-out-');
    const decoy = join(dir, dangling ? 'cron-job' : 'shadow');
    if (!dangling) writeFileSync(decoy, 'root:secret:19000::::::\n', { mode: 0o600 });
    const path = join(dir, name);
    symlinkSync(decoy, path);
    return { dir, path, decoy, dangling };
  }
  function assertReplaced(p: { path: string; decoy: string; dangling: boolean }, expect: (text: string) => void): void {
    if (p.dangling) assert.equal(existsSync(p.decoy), false, 'nothing created where the link pointed');
    else assert.equal(readFileSync(p.decoy, 'utf8'), 'root:secret:19000::::::\n', 'the link target is untouched');
    assert.ok(lstatSync(p.path).isFile(), 'the link was replaced by a regular file');
    expect(readFileSync(p.path, 'utf8'));
  }
  const fixture = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'fixtures', 'aliases', 'MH2002-dangerous-program.aliases');

  it('lint -f FORMAT=FILE', () => {
    for (const format of ['json', 'sarif', 'text', 'compact', 'github', 'junit', 'codeclimate', 'xccdf', 'html']) {
      const p = planted(`report.${format}`);
      const r = run(['lint', '--no-config', '--no-baseline', '--type', 'aliases', '-f', `${format}=${p.path}`, fixture]);
      assert.equal(r.code, 1, r.stderr);
      assertReplaced(p, (t) => assert.match(t, /MH2002/));
    }
  });

  it('apply --script', () => {
    const { root, policy } = exampleRoot('mh-trust-script-');
    const p = planted('plan.sh');
    const r = run(['apply', policy, '--root', root, '--dry-run', '--script', p.path]);
    assert.equal(r.code, 0, r.stderr);
    assertReplaced(p, (t) => assert.match(t, /^#!\/bin\/sh\n/));
    assert.equal(lstatSync(p.path).mode & 0o777, 0o755);
  });

  it('probe --transcript', async () => {
    const server = createServer((s: Socket) => {
      s.on('error', () => {});
      s.write('220 mx ESMTP\r\n');
      s.on('data', (d) => {
        for (const line of d.toString('latin1').split('\r\n').filter(Boolean)) {
          s.write(line.startsWith('QUIT') ? '221 bye\r\n' : line.startsWith('RCPT') ? '550 no relay\r\n' : '250 ok\r\n');
          if (line.startsWith('QUIT')) s.end();
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const p = planted('probe.txt');
    try {
      const r = await runAsync(['probe', `127.0.0.1:${port}`, '--timeout', '2', '--transcript', p.path]);
      assert.ok(r.code === 0 || r.code === 1, r.stderr);
      assertReplaced(p, (t) => assert.match(t, /^# mailharden probe of 127\.0\.0\.1:\d+/));
    } finally {
      server.close();
    }
  });

  it('init -o --force and baseline write -o', () => {
    const i = planted('policy.yaml');
    const r = run(['init', '-o', i.path, '--force']);
    assert.equal(r.code, 0, r.stderr);
    assertReplaced(i, (t) => assert.match(t, /^version: 1$/m));
    // baseline write reads an existing baseline first: a link to a file that is not one stops it, so a dangling link.
    const b = planted('baseline.json', true);
    const w = run(['baseline', 'write', '--no-config', '--type', 'aliases', '-o', b.path, fixture]);
    assert.equal(w.code, 0, w.stderr);
    assertReplaced(b, (t) => assert.match(t, /MH2002/));
  });

  it('a character device is written in place; a FIFO or a directory is refused, exit 3, and left as it is', () => {
    const r = run(['lint', '--no-config', '--no-baseline', '--type', 'aliases', '-f', 'json=/dev/null', fixture]);
    assert.equal(r.code, 1, r.stderr);
    assert.ok(lstatSync('/dev/null').isCharacterDevice());
    const dir = tempDir('mh-trust-fifo-');
    const fifo = join(dir, 'fifo');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0);
    const f = run(['lint', '--no-config', '--no-baseline', '--type', 'aliases', '-f', `json=${fifo}`, fixture]);
    assert.equal(f.code, 3);
    assert.equal(f.stderr, `mailharden: ${fifo}: a FIFO, not a file: not written\n`);
    assert.ok(lstatSync(fifo).isFIFO());
    const d = run(['lint', '--no-config', '--no-baseline', '--type', 'aliases', '-f', `json=${dir}`, fixture]);
    assert.equal(d.code, 3);
    assert.equal(d.stderr, `mailharden: ${dir}: a directory, not a file: not written\n`);
    assert.deepEqual(readdirSync(dir), ['fifo'], 'no temp file left');
    assert.ok(!existsSync(join(dir, '.fifo')));
  });
});

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

describe('errors: a value holding a newline cannot start a line of its own', () => {
  it('one-line errors show a newline in a path escaped; multi-line errors escape each line', () => {
    const dir = tempDir('mh-err-');
    const missing = join(dir, 'aliases\n::error title=pwn::owned');
    const r = run(['lint', missing]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /^\s*::error/m);
    const { root, policy } = exampleRoot();
    const access = join(root, 'etc/mail/access');
    spawnSync('rm', ['-f', access]);
    symlinkSync('/x\n::error title=pwn::owned\n', access);
    const a = run(['apply', policy, '--root', root, '--dry-run']);
    assert.equal(a.code, 3, a.stderr);
    assert.doesNotMatch(a.stderr, /^\s*::error/m, a.stderr);
    assert.match(a.stderr, /is a symlink \(to \/x\\n::error title=pwn::owned\\n\)/);
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'version: 1\nprofile: debian\nhostname: "a\\n::error::x"\nnope: 1\n');
    const p = run(['policy', 'validate', bad]);
    assert.equal(p.code, 2);
    for (const line of p.stderr.split('\n').filter(Boolean)) assert.match(line, /^(mailharden: )?\S*bad\.yaml:\d+:\d+: /, `each line is a problem of its own: ${JSON.stringify(line)}`);
  });
});
