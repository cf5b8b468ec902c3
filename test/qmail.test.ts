import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kindFromContent, kindFromName, kindFromNameOrHead } from '../src/core/detect.js';
import { lintText } from '../src/lint/text.js';
import { SourceFile } from '../src/core/source.js';
import { lint } from '../src/lint/request.js';
import { controlName, parseQmailControl } from '../src/parsers/qmail-control.js';
import { parseQmailRun } from '../src/parsers/qmail-run.js';
import { rules } from '../rules/index.js';
import { needs, needsRoot, tempDir } from './helpers/real.js';

/**
 * Control files that take no comments cannot carry `# expect:` markers, so their expectations are
 * here: `line → rule ids` for a text linted as the named control file.
 */
function findings(name: string, text: string, only?: string[]): string[] {
  return lintText(text, 'qmail-control', rules, { path: `control/${name}` })
    .filter((f) => !f.suppressed && (!only || only.includes(f.ruleId)))
    .map((f) => `${f.line}:${f.ruleId}`)
    .sort();
}

const LWQ_RUN = `#!/bin/sh

QMAILDUID=\`id -u qmaild\`
NOFILESGID=\`id -g qmaild\`
MAXSMTPD=\`cat /var/qmail/control/concurrencyincoming\`
LOCAL=\`head -1 /var/qmail/control/me\`

if [ -z "$QMAILDUID" -o -z "$NOFILESGID" -o -z "$MAXSMTPD" -o -z "$LOCAL" ]; then
    echo QMAILDUID, NOFILESGID, MAXSMTPD, or LOCAL is unset in
    echo /var/qmail/supervise/qmail-smtpd/run
    exit 1
fi

if [ ! -f /var/qmail/control/rcpthosts ]; then
    echo "No /var/qmail/control/rcpthosts!"
    echo "Refusing to start SMTP listener because it'll create an open relay"
    exit 1
fi

exec /usr/local/bin/softlimit -m 2000000 \\
    /usr/local/bin/tcpserver -v -R -l "$LOCAL" -x /etc/tcp.smtp.cdb -c "$MAXSMTPD" \\
        -u "$QMAILDUID" -g "$NOFILESGID" 0 smtp /var/qmail/bin/qmail-smtpd 2>&1
`;

describe('qmail control files: what qmail reads', () => {
  it('knows the control file from its name, or from the part after the last dot', () => {
    assert.equal(controlName('/var/qmail/control/rcpthosts'), 'rcpthosts');
    assert.equal(controlName('hosts/mx1.rcpthosts'), 'rcpthosts');
    assert.equal(controlName('control/tcp.smtp'), undefined);
    assert.equal(controlName('control/badrcptto'), undefined);
  });

  it('list files skip comments and blank lines; one-value files keep only the first line', () => {
    const list = parseQmailControl(new SourceFile('control/rcpthosts', '# ours\nexample.com  \n\n#x\n.example.com\n'));
    assert.deepEqual(list.entries.map((e) => e.text), ['example.com', '.example.com']);
    const me = parseQmailControl(new SourceFile('control/me', '# name\nmx.example.com\n'));
    assert.deepEqual(me.entries.map((e) => e.text), ['# name']);
    const empty = parseQmailControl(new SourceFile('control/me', ''));
    assert.deepEqual(empty.entries.map((e) => e.text), ['']);
  });

  it('numbers are the leading digits of the first line, stored in 32 bits; no digits give the default', () => {
    const n = (text: string, name = 'databytes') => parseQmailControl(new SourceFile(`control/${name}`, text)).number;
    assert.equal(n('20971520\n'), 20971520);
    assert.equal(n('10M\n'), 10);
    assert.equal(n('4294967296\n'), 0);
    assert.equal(n('# 20 MiB\n20971520\n'), 0);
    assert.equal(n(' 1000\n'), 0);
    assert.equal(n('x\n', 'timeoutsmtpd'), 1200);
  });

  it('databytes: 0, no number, or a comment first means no limit', () => {
    assert.deepEqual(findings('databytes', '20971520\n'), []);
    assert.deepEqual(findings('databytes', '0\n'), ['1:MH4008']);
    assert.deepEqual(findings('databytes', '# 20 MiB\n20971520\n'), ['1:MH4008', '1:MH4012']);
    assert.deepEqual(findings('databytes', '\n20971520\n'), ['1:MH4008', '1:MH4012']);
    assert.deepEqual(findings('databytes', 'unlimited\n'), ['1:MH0001', '1:MH4008']);
    // "10M" is 10 bytes: a limit, but not the one meant (MH4018, high); "100 # limit" is 100 (MH4018, info).
    assert.deepEqual(findings('databytes', '10M\n'), ['1:MH4018']);
    assert.deepEqual(findings('databytes', '100 # limit\n'), ['1:MH4018']);
    // CRLF: scan_ulong stops at the CR, the value is right.
    assert.deepEqual(findings('databytes', '20971520\r\n'), []);
  });

  it('smtpgreeting: the software and its version, not a host name that contains "qmail"', () => {
    assert.deepEqual(findings('smtpgreeting', 'mx.example.com\n'), []);
    assert.deepEqual(findings('smtpgreeting', 'qmail.example.com ESMTP\n'), []);
    assert.deepEqual(findings('smtpgreeting', 'mx.example.com qmail 1.03\n'), ['1:MH4009']);
    assert.deepEqual(findings('smtpgreeting', 'mx.example.com (notqmail 1.08)\n'), ['1:MH4009']);
    assert.deepEqual(findings('smtpgreeting', 'mx.example.com 1.06\n'), ['1:MH4009']);
    // Only the first line is ever sent.
    assert.deepEqual(findings('smtpgreeting', 'mx.example.com\nqmail 1.03\n'), []);
    const [f] = lintText('mx.example.com netqmail-1.06 ready\n', 'qmail-control', rules, { path: 'control/smtpgreeting' }).filter((x) => x.ruleId === 'MH4009');
    assert.equal(f?.column, 16);
    assert.equal(f?.endColumn, 29);
  });

  it('me: a comment or a blank first line becomes the value; a CR stays part of it', () => {
    assert.deepEqual(findings('me', 'mx.example.com\n'), []);
    assert.deepEqual(findings('me', '# our name\nmx.example.com\n'), ['1:MH4012']);
    assert.deepEqual(findings('me', '\nmx.example.com\n'), ['1:MH4012']);
    assert.deepEqual(findings('me', 'mx.example.com\r\n'), ['1:MH0001']);
    // A second line is never read, whatever it holds.
    assert.deepEqual(findings('me', 'mx.example.com\n# our name\n'), []);
  });

  it('rcpthosts: comments only or nothing at all is empty; other list files are not', () => {
    assert.deepEqual(findings('rcpthosts', ''), ['1:MH4002']);
    assert.deepEqual(findings('rcpthosts', '\n\n'), ['1:MH4002']);
    assert.deepEqual(findings('rcpthosts', 'example.com\n'), []);
    assert.deepEqual(findings('locals', ''), []);
    // A file whose name says nothing gets no name-specific rule.
    assert.deepEqual(lintText('0\n', 'qmail-control', rules).map((f) => f.ruleId), []);
  });

  it('no inline directive is read from any control file: it is reported and suppresses nothing', () => {
    const text = '# mailharden-disable-file MH4012 -- documented elsewhere\nmx.example.com\n';
    assert.deepEqual(findings('me', text), ['1:MH0002', '1:MH4012']);
    assert.deepEqual(findings('rcpthosts', '# mailharden-disable-file MH4002 -- relay only\n'), ['1:MH0002', '1:MH4002']);
    // Without inline suppressions the line is only data (MH4012 still says so).
    const off = lintText(text, 'qmail-control', rules, { path: 'control/me', inlineSuppressions: false }).map((f) => f.ruleId);
    assert.deepEqual(off, ['MH4012']);
  });

  it('.mailharden.yaml ignores suppress findings of control files', async () => {
    const dir = tempDir('mh-qmail-yaml-');
    mkdirSync(join(dir, 'control'));
    writeFileSync(join(dir, 'control', 'databytes'), '0\n');
    writeFileSync(join(dir, 'control', 'smtpgreeting'), 'mx.example.com qmail\n');
    writeFileSync(join(dir, '.mailharden.yaml'), 'ignores:\n  - path: control/databytes\n    rules: [MH4008]\n    reason: the size limit is set by DATABYTES in the run script\n');
    const report = await lint({ paths: [dir], rules, version: 'test', cwd: dir });
    const shown = report.findings.map((f) => `${f.file} ${f.ruleId} ${f.suppressed ? f.suppression?.kind : 'open'}`).sort();
    assert.deepEqual(shown, ['control/databytes MH4008 config', 'control/smtpgreeting MH4009 open']);
  });
});

describe('qmail run scripts: the shell and tcpserver command line', () => {
  it("reads Life with qmail's run script: options, variables, the guard", () => {
    const doc = parseQmailRun(new SourceFile('run', LWQ_RUN));
    assert.equal(doc.problems.length, 0);
    assert.equal(doc.tcpservers.length, 1);
    const call = doc.tcpservers[0]!;
    assert.ok(call.smtpd && !call.opaque);
    assert.deepEqual(call.options.map((o) => `${o.letter}${o.arg ? `=${o.arg.raw}` : ''}`), ['v', 'R', 'l="$LOCAL"', 'x=/etc/tcp.smtp.cdb', 'c="$MAXSMTPD"', 'u="$QMAILDUID"', 'g="$NOFILESGID"']);
    assert.deepEqual(call.rest.map((w) => w.raw), ['0', 'smtp', '/var/qmail/bin/qmail-smtpd']);
    assert.deepEqual(doc.rcpthostsGuards.map((g) => g.line), [14, 16]);
    assert.deepEqual(lintText(LWQ_RUN, 'qmail-run', rules).map((f) => f.ruleId), []);
  });

  it('a CRLF script is reported: sh keeps the CR in the last word', () => {
    const text = LWQ_RUN.replace(/\n/g, '\r\n');
    assert.deepEqual(lintText(text, 'qmail-run', rules).filter((f) => f.ruleId === 'MH0001').map((f) => f.line), [1]);
  });

  it('detects control files by their directory and run scripts by their content', () => {
    assert.equal(kindFromName('/var/qmail/control/rcpthosts'), 'qmail-control');
    assert.equal(kindFromName('hosts/mx1/control/me'), 'qmail-control');
    assert.equal(kindFromName('hosts/mx1/me'), undefined);
    assert.equal(kindFromName('control/unknown'), undefined);
    assert.equal(kindFromName('control/morercpthosts.cdb'), undefined);
    assert.equal(kindFromNameOrHead('service/qmail-smtpd/run', () => LWQ_RUN), 'qmail-run');
    assert.equal(kindFromNameOrHead('service/sshd/run', () => '#!/bin/sh\nexec /usr/sbin/sshd -D\n'), undefined);
    assert.equal(kindFromNameOrHead('smtpd.sh', () => LWQ_RUN), undefined, 'only files named run are read for it in walks');
    assert.equal(kindFromContent(LWQ_RUN), 'qmail-run');
  });

  it('a walk finds control files and run scripts', async () => {
    const dir = tempDir('mh-qmail-walk-');
    mkdirSync(join(dir, 'mx1', 'control'), { recursive: true });
    mkdirSync(join(dir, 'mx1', 'service', 'qmail-smtpd'), { recursive: true });
    mkdirSync(join(dir, 'mx1', 'service', 'sshd'), { recursive: true });
    writeFileSync(join(dir, 'mx1', 'control', 'databytes'), '0\n');
    writeFileSync(join(dir, 'mx1', 'control', 'rcpthosts.cdb'), 'binary');
    writeFileSync(join(dir, 'mx1', 'service', 'qmail-smtpd', 'run'), '#!/bin/sh\nexec tcpserver -x /etc/tcp.smtp.cdb 0 smtp /var/qmail/bin/qmail-smtpd\n');
    writeFileSync(join(dir, 'mx1', 'service', 'sshd', 'run'), '#!/bin/sh\nexec /usr/sbin/sshd -D\n');
    const report = await lint({ paths: [dir], rules, version: 'test', cwd: dir, config: false });
    assert.equal(report.files, 2);
    assert.deepEqual([...new Set(report.findings.map((f) => `${f.file} ${f.ruleId}`))].sort(), ['mx1/control/databytes MH4008', 'mx1/service/qmail-smtpd/run MH4006', 'mx1/service/qmail-smtpd/run MH4007', 'mx1/service/qmail-smtpd/run MH4040', 'mx1/service/qmail-smtpd/run MH4041']);
  });

  it('reads run scripts of tcpsvd and s6-tcpserver with their own options, and sslserver as tcpserver', () => {
    for (const line of ['exec tcpsvd -v 0 smtp /var/qmail/bin/qmail-smtpd', 'exec s6-tcpserver4 0.0.0.0 25 /var/qmail/bin/qmail-smtpd', 'exec sslserver -v 0 smtps /var/qmail/bin/qmail-smtpd']) {
      assert.equal(kindFromContent(`#!/bin/sh\n${line}\n`), 'qmail-run', line);
    }
    // tcpsvd -u takes a user name: not read as tcpserver's numeric -u (MH4006 would call it uid 0).
    const tcpsvd = parseQmailRun(new SourceFile('run', '#!/bin/sh\nexec tcpsvd -u qmaild:nofiles -i ./peers 0 smtp /var/qmail/bin/qmail-smtpd\n'));
    assert.equal(tcpsvd.tcpservers.length, 0);
    assert.deepEqual(tcpsvd.otherServers.map((c) => [c.server, c.smtpd, c.options.map((o) => `${o.letter}=${o.arg?.raw}`).join(' ')]), [['tcpsvd', true, 'u=qmaild:nofiles i=./peers']]);
    assert.deepEqual(lintText('#!/bin/sh\nexec chpst -m 2000000 tcpsvd -u qmaild:nofiles -i ./peers 0 smtp /var/qmail/bin/qmail-smtpd\n', 'qmail-run', rules).map((f) => f.ruleId), []);
    const ssl = parseQmailRun(new SourceFile('run', '#!/bin/sh\nexec sslserver -v -u 0 -g 2108 0 smtps /var/qmail/bin/qmail-smtpd\n'));
    assert.deepEqual(ssl.tcpservers.map((c) => c.server), ['sslserver']);
    assert.ok(lintText('#!/bin/sh\nexec sslserver -v -u 0 -g 2108 0 smtps /var/qmail/bin/qmail-smtpd\n', 'qmail-run', rules).some((f) => f.ruleId === 'MH4006'));
  });
});

/** A free TCP port on the loopback interface. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Connects to a port (retrying while tcpserver starts) and returns everything the server sends. */
async function readAll(port: number): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await new Promise<string>((resolve, reject) => {
        const sock = connect(port, '127.0.0.1');
        let out = '';
        sock.on('data', (d) => (out += d.toString()));
        sock.on('end', () => resolve(out));
        sock.on('error', reject);
      });
    } catch (e) {
      if (attempt > 50) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

/** Runs the real tcpserver with some options, connects once, and returns what the program printed (and tcpserver's stderr). */
async function underTcpserver(dir: string, options: string[], env: Record<string, string> = {}): Promise<{ out: string; err: string }> {
  const port = await freePort();
  const child = spawn('/usr/bin/tcpserver', [...options, '127.0.0.1', String(port), join(dir, 'who')], { env: { PATH: '/usr/bin:/bin', ...env }, cwd: dir });
  let err = '';
  child.stderr.on('data', (d) => (err += d.toString()));
  try {
    const out = await readAll(port);
    await new Promise((r) => setTimeout(r, 50));
    return { out: out.trim(), err };
  } finally {
    child.kill();
  }
}

describe('qmail run scripts a hostile user wrote (found by review)', () => {
  it("a parent that is an absolute link is followed inside the tree, never to the host's directory it names (MH4044 reported the host's /tmp)", async () => {
    const { HostTree } = await import('../src/host/tree.js');
    const { symlinkSync } = await import('node:fs');
    const outside = tempDir('mh-outside-');
    writeFileSync(join(outside, 'pid'), '', { mode: 0o777 });
    chmodSync(join(outside, 'pid'), 0o777);
    const root = tempDir('mh-parentlink-');
    mkdirSync(join(root, 'var/qmail'), { recursive: true });
    symlinkSync(outside, join(root, 'var/qmail/queue'));
    const tree = new HostTree(root);
    assert.equal(tree.lstat('/var/qmail/queue/pid'), undefined, 'the host file outside the tree');
    mkdirSync(join(root, outside), { recursive: true });
    writeFileSync(join(root, outside, 'pid'), '', { mode: 0o600 });
    const inside = new HostTree(root).lstat('/var/qmail/queue/pid');
    assert.equal(inside?.mode, 0o600, 'the file the link names inside the tree');
  });

  it('a cdb whose 256 hash tables all cover the whole file is a defect found in one pass, not 256 (MH4014)', async () => {
    const { cdbDefect } = await import('../rules/qmail/MH4014-morercpthosts-cdb-broken.js');
    const b = Buffer.alloc(2048 + 8 * 4096);
    for (let t = 0; t < 256; t++) {
      b.writeUInt32LE(2048, t * 8);
      b.writeUInt32LE(4096, t * 8 + 4);
    }
    assert.equal(cdbDefect(b), 'hash table 1 overlaps the tables before it');
  });

  it('a word named like a property of a JavaScript object (toString, __proto__) is just a word', () => {
    const text = '#!/bin/sh\nexec tcpserver -v -u 1001 -g 1001 -x /etc/tcp.cdb 0 smtp toString __proto__ constructor -x qmail-smtpd\n';
    const ids = lintText(text, 'qmail-run', rules, { path: 'run' }).map((f) => f.ruleId);
    assert.ok(ids.includes('MH4040'), ids.join(' '));
  });

  it('expansions of one listener split into at most 4,096 fields; past that the call is opaque, not 400 million words', () => {
    const words = Array.from({ length: 20_000 }, () => '-v').join(' ');
    const text = `#!/bin/sh\nX="${words}"\nexec softlimit -m 1 tcpserver ${'$X '.repeat(20_000)}0 smtp qmail-smtpd\n`;
    const call = parseQmailRun(new SourceFile('run', text)).tcpservers[0]!;
    assert.equal(call.opaque, true);
    assert.ok(call.options.length <= 4096, `${call.options.length} options`);
  });

  it('log/run is read up to 64 KiB: a logger named after that is not seen (MH4042), and a 48 MB file costs no more', async (t) => {
    if (!needsRoot(t, 'the tree has owners')) return;
    const root = tempDir('mh-logrun-');
    const service = join(root, 'var/qmail/supervise/qmail-smtpd');
    mkdirSync(join(service, 'log'), { recursive: true });
    writeFileSync(join(service, 'run'), '#!/bin/sh\nexec softlimit -m 30000000 tcpserver -v -x /etc/tcp.smtp.cdb -u 1001 -g 1001 0 smtp /var/qmail/bin/qmail-smtpd 2>&1\n', { mode: 0o755 });
    writeFileSync(join(service, 'log/run'), `#!/bin/sh\n${'# padding padding padding padding\n'.repeat(1_500_000)}exec setuidgid qmaill multilog t ./main\n`, { mode: 0o755 });
    const r = await lint({ paths: [], root, rules, version: 'test', cwd: root, config: false, select: ['MH4042'] });
    assert.deepEqual(r.findings.map((f) => `${f.ruleId} ${f.file}`), ['MH4042 var/qmail/supervise/qmail-smtpd/log/run']);
  });
});

describe('tcpserver as measured (ucspi-tcp): the facts behind MH4005, MH4006 and MH4004', () => {
  /** The tcpserver options of MH4006's table, what the program sees, and whether the rule reports them. */
  const cases: { options: string[]; env?: Record<string, string>; sees: string; reported: boolean }[] = [
    { options: [], sees: '0 0 0', reported: true },
    { options: ['-u', 'nobody', '-g', 'nogroup'], sees: '0 0 0', reported: true },
    { options: ['-u', '', '-g', ''], sees: '0 0 0', reported: true },
    { options: ['-U'], sees: '0 0 0', reported: true },
    { options: ['-U'], env: { UID: '65534', GID: '65534' }, sees: '65534 65534 65534', reported: false },
    { options: ['-u', '65534'], sees: '65534 0 0', reported: true },
    { options: ['-u', '65534', '-g', '65534'], sees: '65534 65534 65534', reported: false },
    { options: ['-u', '65534', '-g', '65534', '-u', '0'], sees: '0 65534 65534', reported: true },
  ];
  for (const c of cases) {
    it(`tcpserver ${c.options.map((o) => (o === '' ? '""' : o)).join(' ') || '(no options)'}${c.env ? ' with $UID/$GID' : ''}`, async (t) => {
      if (!needs(t, '/usr/bin/tcpserver') || !needsRoot(t, 'tcpserver changes ids only when started as root')) return;
      const dir = tempDir('mh-tcpserver-');
      chmodSync(dir, 0o755);
      writeFileSync(join(dir, 'who'), '#!/bin/sh\necho "$(id -u) $(id -g) $(id -G)"\n', { mode: 0o755 });
      const { out } = await underTcpserver(dir, c.options, c.env);
      assert.equal(out, c.sees);
      // The same command line in a run script (an env wrapper stands for $UID and $GID from envuidgid).
      const quoted = c.options.map((o) => (o === '' ? '""' : o)).join(' ');
      const prefix = c.env ? 'envuidgid nobody ' : '';
      const script = `#!/bin/sh\n${prefix}tcpserver -x /etc/tcp.smtp.cdb ${quoted} 0 smtp /var/qmail/bin/qmail-smtpd\n`;
      const hits = lintText(script, 'qmail-run', rules).filter((f) => f.ruleId === 'MH4006');
      assert.equal(hits.length > 0, c.reported, hits.map((h) => h.message).join('\n'));
    });
  }

  it('-x on a missing cdb drops the connection; -X accepts it; -x on the text rules drops it too', async (t) => {
    if (!needs(t, '/usr/bin/tcpserver', '/usr/bin/tcprules')) return;
    const dir = tempDir('mh-tcpserver-');
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, 'who'), '#!/bin/sh\necho "RELAYCLIENT=${RELAYCLIENT-unset}"\n', { mode: 0o755 });
    const missing = await underTcpserver(dir, ['-x', join(dir, 'none.cdb')]);
    assert.equal(missing.out, '');
    assert.match(missing.err, /dropping connection, unable to read .*none\.cdb: file does not exist/);
    const allowed = await underTcpserver(dir, ['-X', '-x', join(dir, 'none.cdb')]);
    assert.equal(allowed.out, 'RELAYCLIENT=unset');
    writeFileSync(join(dir, 'tcp.smtp'), '127.:allow,RELAYCLIENT=""\n:allow\n');
    assert.equal(spawnSync('/usr/bin/tcprules', [join(dir, 'tcp.smtp.cdb'), join(dir, 'tcp.smtp.tmp')], { input: '127.:allow,RELAYCLIENT=""\n:allow\n' }).status, 0);
    const text = await underTcpserver(dir, ['-x', join(dir, 'tcp.smtp')]);
    assert.equal(text.out, '');
    assert.match(text.err, /unable to read .*tcp\.smtp: protocol error/);
    const cdb = await underTcpserver(dir, ['-x', join(dir, 'tcp.smtp.cdb')]);
    assert.equal(cdb.out, 'RELAYCLIENT=');
  });
});
