import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import { lint } from '../src/lint/request.js';
import { classFiles, classFileWords } from '../src/model/class-files.js';
import { parseAs } from '../src/parsers/documents.js';
import { SourceFile } from '../src/core/source.js';
import { debianCf, DEBIAN_MC, M4, needs, needsRoot, SENDMAIL, tempDir } from './helpers/real.js';

/** A tree whose mail directory holds `files` (tree path → text), readable by every user; returns its root. */
function tree(files: Record<string, string>): string {
  const root = tempDir('mh-class-');
  chmodSync(root, 0o755);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true, mode: 0o755 });
    writeFileSync(join(root, path), text, { mode: 0o644 });
  }
  return root;
}

/** What lint --root says of the tree for one rule, as `line:column word-in-message`. */
async function found(root: string, id: string): Promise<string[]> {
  const report = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, profile: 'debian' });
  return report.findings.filter((f) => f.ruleId === id && !f.suppressed).map((f) => `${f.file}:${f.line}:${f.column} ${/"([^"]+)"/.exec(f.message)?.[1]}`);
}

/** The tree's cf as the real sendmail must read it: the F line's tree path made the file's real place. */
function realCf(root: string, cfPath: string, classFile: string): string {
  const text = readFileSync(join(root, cfPath), 'utf8');
  const moved = text.replace(new RegExp(`^(F(?:[Rt]|\\{[Rt]\\})\\s*(?:-o\\s*)?)${classFile.replace(/[.]/g, '\\.')}`, 'm'), `$1${join(root, classFile)}`);
  assert.notEqual(moved, text, `${cfPath} reads ${classFile}`);
  const path = join(root, `${cfPath}.real`);
  writeFileSync(path, moved, { mode: 0o644 });
  return path;
}

/** `sendmail -C cf -bt`: what Basic_check_rcpt and check_rcpt return for a recipient from a client. */
function rcptChecks(cf: string, clientAddr: string, rcpt: string): { basic: string; full: string } {
  const input = `.D{client_addr}${clientAddr}\n.D{client_name}client.example.net\n.D{client_resolve}OK\n.Df<root@localhost>\nBasic_check_rcpt <${rcpt}>\ncheck_rcpt <${rcpt}>\n`;
  const r = spawnSync(SENDMAIL, ['-C', cf, '-bt'], { input, encoding: 'utf8', timeout: 30_000 });
  const answer = (set: string) => new RegExp(`^${set} +returns: (.*)$`, 'm').exec(r.stdout)?.[1]?.trim() ?? `(no answer: ${r.stdout.slice(-300)})`;
  return { basic: answer('Basic_check_rcpt'), full: answer('check_rcpt') };
}

/** The members of a class as `sendmail -C cf -bt` prints them (`$=R`), sorted. */
function classMembers(cf: string, name: string): string[] {
  const r = spawnSync(SENDMAIL, ['-C', cf, '-bt'], { input: `$=${name}\n`, encoding: 'utf8', timeout: 30_000 });
  return r.stdout.split('\n').filter((l) => l !== '' && !/^(ADDRESS TEST MODE|Enter <ruleset>|> ?$)/.test(l)).map((l) => l.replace(/^> /, '')).sort();
}

describe('class files: the model reads F lines and their files as sendmail does', () => {
  it('with %[^\\#] every word before "#", with no format the first word of a line; "#" lines skipped, CRLF and blanks too', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const text = '# com\n  example.org 192.0.2\t10.1 # more here\ncom#x\r\n\n   \nexample.net\r\n10. net\n#\n';
    for (const fline of ['FR-o /etc/mail/relay-domains %[^\\#]', 'FR/etc/mail/relay-domains', 'F{R} -o /etc/mail/relay-domains %s']) {
      const cf = debianCf().replace(/^FR-o \/etc\/mail\/relay-domains %\[\^\\#\]$/m, fline);
      const root = tree({ '/etc/mail/sendmail.cf': cf, '/etc/mail/relay-domains': text });
      try {
        const [file, ...more] = classFiles(parseAs('sendmail-cf', new SourceFile('sendmail.cf', cf))).filter((f) => f.name === 'R');
        assert.equal(more.length, 0, fline);
        assert.equal(file!.path, '/etc/mail/relay-domains');
        const predicted = [...new Set(classFileWords(text, file!.format)!.map((w) => w.word))].sort();
        assert.deepEqual(classMembers(realCf(root, '/etc/mail/sendmail.cf', '/etc/mail/relay-domains'), 'R'), predicted, fline);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    }
  });

  it('class w is matched whole: "com" in local-host-names makes user@com local, not user@example.com (so lint does not read it)', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const root = tree({ '/etc/mail/sendmail.cf': debianCf(), '/etc/mail/local-host-names': 'com\n' });
    try {
      const cf = readFileSync(join(root, '/etc/mail/sendmail.cf'), 'utf8').replace(/^Fw\/etc\/mail\/local-host-names/m, `Fw${join(root, '/etc/mail/local-host-names')}`);
      writeFileSync(join(root, 'w.cf'), cf);
      const r = spawnSync(SENDMAIL, ['-C', join(root, 'w.cf'), '-bt'], { input: '3,0 user@example.com\n3,0 user@com\n', encoding: 'utf8', timeout: 30_000 });
      const parsed = [...r.stdout.matchAll(/^parse +returns: (.*)$/gm)].map((m) => m[1]!);
      assert.match(parsed[0]!, /^\$# esmtp /, r.stdout);
      assert.match(parsed[1]!, /^\$# local /, r.stdout);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('MH6017: relay-domains read by the FR line, against sendmail -bt', () => {
  it('"com" relays to every .com domain and "10" for every client in 10/8; lint reports both, and neither a full name nor a /16', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const cf = debianCf();
    assert.match(cf, /^FR-o \/etc\/mail\/relay-domains %\[\^\\#\]$/m, "Debian's cf reads relay-domains");
    const broad = tree({ '/etc/mail/sendmail.cf': cf, '/etc/mail/relay-domains': '# the domains we relay for\ncom   # all of it\n10\n' });
    const narrow = tree({ '/etc/mail/sendmail.cf': cf, '/etc/mail/relay-domains': 'example.com\n10.1\n' });
    try {
      assert.deepEqual(await found(broad, 'MH6017'), ['etc/mail/relay-domains:2:1 com', 'etc/mail/relay-domains:3:1 10']);
      assert.deepEqual(await found(narrow, 'MH6017'), []);
      const open = realCf(broad, '/etc/mail/sendmail.cf', '/etc/mail/relay-domains');
      for (const [client, rcpt] of [['198.51.100.1', 'user@example.com'], ['10.1.2.3', 'user@example.net']] as const) {
        const r = rcptChecks(open, client, rcpt);
        assert.equal(r.basic, 'RELAY', `${rcpt} from ${client}`);
        // check_rcpt (with delay_checks) goes on to the sender: the recipient passed.
        assert.doesNotMatch(r.full, /Relaying denied/, `${rcpt} from ${client}`);
      }
      const shut = realCf(narrow, '/etc/mail/sendmail.cf', '/etc/mail/relay-domains');
      assert.equal(rcptChecks(shut, '198.51.100.1', 'user@example.com').basic, 'RELAY');
      for (const [client, rcpt] of [['198.51.100.1', 'user@other.com'], ['10.2.0.1', 'user@example.net']] as const) {
        const r = rcptChecks(shut, client, rcpt);
        assert.match(r.basic, /550 Relaying denied/, `${rcpt} from ${client}`);
        assert.match(r.full, /550 Relaying denied/, `${rcpt} from ${client}`);
      }
    } finally {
      rmSync(broad, { recursive: true, force: true });
      rmSync(narrow, { recursive: true, force: true });
    }
  });
});

describe('MH6018: trusted-users read by an Ft line, against the real sendmail -f', () => {
  const NOBODY = 65534;

  /** Queues a message sent by `nobody` with -f through the cf; returns the headers sendmail wrote in the queue file. */
  function sendAsNobody(root: string, cf: string): string {
    const queue = join(root, 'queue');
    mkdirSync(queue, { mode: 0o700 });
    chownSync(queue, NOBODY, NOBODY);
    const withQueue = `${cf}.q`;
    writeFileSync(withQueue, `${readFileSync(cf, 'utf8')}\nO QueueDirectory=${queue}\n`, { mode: 0o644 });
    const r = spawnSync(SENDMAIL, ['-C', withQueue, '-odq', '-f', 'ceo@example.com', 'root'], { input: 'Subject: t\n\nhello\n', encoding: 'utf8', timeout: 30_000, uid: NOBODY, gid: NOBODY });
    assert.equal(r.status, 0, r.stderr);
    const qf = readdirSync(queue).filter((n) => n.startsWith('qf'));
    assert.equal(qf.length, 1, `one message queued: ${readdirSync(queue).join(' ')} ${r.stderr}`);
    return readFileSync(join(queue, qf[0]!), 'utf8');
  }

  it('a user in the file sets the sender with no X-Authentication-Warning; lint reports it, and not daemon', async (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    if (!needsRoot(t, 'the test runs sendmail as nobody')) return;
    const cf = `${debianCf()}\nFt/etc/mail/trusted-users %[^\\#]\n`;
    const trusting = tree({ '/etc/mail/submit.cf': cf, '/etc/mail/trusted-users': 'root\nnobody\n' });
    const stock = tree({ '/etc/mail/submit.cf': cf, '/etc/mail/trusted-users': 'root\ndaemon\n' });
    try {
      assert.deepEqual(await found(trusting, 'MH6018'), ['etc/mail/trusted-users:2:1 nobody']);
      assert.deepEqual(await found(stock, 'MH6018'), []);
      const forged = sendAsNobody(trusting, realCf(trusting, '/etc/mail/submit.cf', '/etc/mail/trusted-users'));
      assert.match(forged, /^Sceo@example\.com$/m);
      assert.doesNotMatch(forged, /set sender to/);
      const marked = sendAsNobody(stock, realCf(stock, '/etc/mail/submit.cf', '/etc/mail/trusted-users'));
      assert.match(marked, /X-Authentication-Warning: .*nobody set sender to ceo@example\.com using -f/);
    } finally {
      rmSync(trusting, { recursive: true, force: true });
      rmSync(stock, { recursive: true, force: true });
    }
  });
});
