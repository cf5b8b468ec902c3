import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import type { ParseProblem, Span } from '../src/core/types.js';
import { lintText } from '../src/lint/text.js';
import { QMAIL_CONTROLS, RCPT_LISTS, parseQmailControl } from '../src/parsers/qmail-control.js';
import { lastAssignment, parseQmailRun } from '../src/parsers/qmail-run.js';
import { rules } from '../rules/index.js';

/**
 * The lean documents of qmail's files (issue 22): control files keep their lines as numbers, run
 * scripts keep only the commands the rules read. What they mean must not change.
 */

/** A small deterministic generator (no Math.random: a failure must repeat). */
function generator(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
}

/**
 * The control file as the parser read it before lines became numbers: an object per line, stripped
 * of trailing blanks and TABs, entries and problems from them (the reference the lean one must equal).
 */
function reference(file: SourceFile): { lines: { line: number; text: string; span: Span }[]; entries: { line: number; text: string; span: Span }[]; problems: ParseProblem[] } {
  const name = file.path.split('/').pop()!;
  const spec = QMAIL_CONTROLS[name];
  const lines = [];
  for (let n = 1; n <= file.lineCount; n++) {
    const text = file.line(n).replace(/[ \t]+$/, '');
    lines.push({ line: n, text, span: file.span(n, 1, text.length) });
  }
  const entries = [];
  const problems: ParseProblem[] = [];
  const form = spec?.form;
  if (form === 'list' || form === undefined) {
    const keys = ['rcpthosts', 'morercpthosts', 'locals', 'badmailfrom', 'percenthack'];
    for (const l of lines) {
      if (l.text === '' || (form === 'list' && l.text.startsWith('#'))) continue;
      entries.push(l);
      if (form !== 'list' || name === 'defaultdelivery' || RCPT_LISTS.has(name)) continue;
      const shown = l.text.length > 60 ? `${l.text.slice(0, 60)}…` : l.text;
      const effect = keys.includes(name) ? `, so "${shown}" never matches` : ` as part of "${shown}"`;
      if (l.text.endsWith('\r')) problems.push({ message: `line ends in a carriage return (CRLF file), which ${spec!.readBy} keeps${effect}`, span: l.span });
      else if (/^[ \t]/.test(l.text)) problems.push({ message: `line starts with a blank, which ${spec!.readBy} keeps${effect}`, span: l.span });
    }
  } else entries.push(lines[0]!);
  return { lines, entries, problems: form === 'list' || form === undefined ? problems : [] };
}

const NAMES = ['rcpthosts', 'morercpthosts', 'locals', 'badmailfrom', 'percenthack', 'smtproutes', 'virtualdomains', 'defaultdelivery', 'me', 'smtpgreeting', 'databytes', 'timeoutsmtpd', 'unknown'];
const ATOMS = ['example.com', '.example.com', '*.example.com', 'a@b.com', 'host.', '#c', ' lead', '\tlead', 'trail ', 'trail\t', 'x #c', '  #c', '', '  ', '\r', '10M', 'qmail 1.03', ':smart.example.net', 'é', '\u2028', 'x'.repeat(70)];

describe('qmail control files kept as line numbers', () => {
  it('read as before: lines, entries and problems equal those of an object per line (random files of every name)', () => {
    const rnd = generator(22);
    for (let i = 0; i < 2000; i++) {
      const name = NAMES[rnd(NAMES.length)]!;
      const parts = Array.from({ length: rnd(12) }, () => ATOMS[rnd(ATOMS.length)]! + (rnd(3) ? '' : ATOMS[rnd(ATOMS.length)]!));
      const text = parts.join(rnd(5) ? '\n' : '\r\n') + (rnd(2) ? '\n' : '');
      const file = new SourceFile(`control/${name}`, text);
      const doc = parseQmailControl(file);
      const want = reference(file);
      const what = `${name} ${JSON.stringify(text)}`;
      assert.deepEqual(doc.lines.map((l) => l), want.lines, what);
      assert.deepEqual([...doc.entries], want.entries, what);
      if ((doc.spec?.form ?? 'list') === 'list') assert.deepEqual(doc.problems, want.problems, what);
      for (let k = 0; k < doc.entries.length; k++) assert.equal(doc.entries.text(k), want.entries[k]!.text, what);
    }
  });

  it('a file of 300,000 names is read whole: every line is checked (there was a cap at 262,144 lines)', () => {
    const text = `${Array.from({ length: 299_999 }, (_, i) => `host${i}.example.com`).join('\n')}\nlast.example.com.\n`;
    const doc = parseQmailControl(new SourceFile('control/rcpthosts', text));
    assert.equal(doc.entries.length, 300_000);
    assert.deepEqual(doc.problems, []);
    assert.equal(doc.entries.text(299_999), 'last.example.com.');
    const found = lintText(text, 'qmail-control', rules, { path: 'control/rcpthosts' }).map((f) => `${f.line}:${f.ruleId}`);
    assert.deepEqual(found, ['300000:MH4013']);
  });

  it('past 262,144 lines with a problem of their own, one more problem counts the rest', () => {
    const doc = parseQmailControl(new SourceFile('control/badmailfrom', ' a\n'.repeat(262_150)));
    assert.equal(doc.problems.length, 262_145);
    assert.equal(doc.problems[262_144]!.message, '6 more lines end in a carriage return or start with a blank: mailharden lists the first 262,144');
    assert.equal(doc.problems[262_144]!.span.start.line, 262_145);
  });
});

describe('qmail run scripts keep only the commands the rules read', () => {
  const script = '#!/bin/sh\nulimit -v 2000000\nQMAILDUID=`id -u qmaild`\necho hello | cat\nexec tcpserver -v -u "$QMAILDUID" -g 2108 -x /etc/tcp.smtp.cdb 0 smtp /var/qmail/bin/qmail-smtpd 2>&1\n';

  it('a line of 300,000 assignments (under the 8 MiB limit) is read, not a stack overflow', () => {
    const doc = parseQmailRun(new SourceFile('run', `#!/bin/sh\n${'A=b '.repeat(300_000)}\n`));
    assert.equal(doc.assignments.length, 300_000);
    const last = doc.assignments.at(doc.assignments.length - 1);
    assert.deepEqual([last.name, last.value.raw, last.line, last.exported], ['A', 'b', 2, false]);
    const found = lintText(`#!/bin/sh\n${'A=b '.repeat(300_000)}\nexec tcpserver 0 25 qmail-smtpd\n`, 'qmail-run', rules, { path: 'run' });
    assert.ok(found.some((f) => f.ruleId === 'MH4005'), found.map((f) => f.ruleId).join());
  });

  it('assignments kept as numbers give back each value as the lexer read it: text, parts, span', () => {
    const text = 'A=plain\nB="two words" C=$(id -u x)\nD=`id -g y` exec x\nexport E= F=pre"$A"post\nG=\'x\'\\ y\r\n';
    const doc = parseQmailRun(new SourceFile('run', text));
    const all = doc.assignments;
    const got = [];
    for (let k = 0; k < all.length; k++) {
      const a = all.at(k);
      got.push([all.name(k), all.line(k), a.name, a.value.raw, a.value.plain, a.value.parts, a.value.span.start.column, a.exported]);
    }
    // D= stands before a command: in its environment only, not kept.
    assert.deepEqual(got, [
      ['A', 1, 'A', 'plain', true, [{ type: 'text', text: 'plain', quoted: false }], 3, false],
      ['B', 2, 'B', '"two words"', false, [{ type: 'text', text: 'two words', quoted: true }], 3, false],
      ['C', 2, 'C', '$(id -u x)', false, [{ type: 'command', text: 'id -u x', quoted: false }], 17, false],
      ['E', 4, 'E', '', false, [], 10, true],
      ['F', 4, 'F', 'pre"$A"post', false, [{ type: 'text', text: 'pre', quoted: false }, { type: 'param', name: 'A', quoted: true, modified: false }, { type: 'text', text: 'post', quoted: false }], 13, true],
      ['G', 5, 'G', "'x'\\ y", false, [{ type: 'text', text: 'x ', quoted: true }, { type: 'text', text: 'y', quoted: false }], 3, false],
    ]);
    // A long value with quotes, read by every line after it, is read again once, not once per line.
    const long = parseQmailRun(new SourceFile('run', `X="${'x'.repeat(100)}"\nY="${'y'.repeat(10)}"\n`)).assignments;
    assert.ok(long.at(0) === long.at(0) && long.at(1) !== long.at(1));
    assert.equal(long.at(0).value.raw.length, 102);
    // The last assignment before a line, made from the numbers kept.
    assert.equal(lastAssignment(doc, 'C', 3)?.value.raw, '$(id -u x)');
    assert.equal(lastAssignment(doc, 'A', 1), undefined);
    assert.equal(lastAssignment(doc, 'G', 6)?.line, 5);
    assert.equal(lastAssignment(doc, 'D', 9), undefined);
  });

  it('lint keeps the calls, guards and ulimit lines, not every command', () => {
    const doc = parseQmailRun(new SourceFile('run', script));
    assert.equal(doc.commands, undefined);
    assert.deepEqual(doc.ulimits.map((c) => c.line), [2]);
    assert.deepEqual(doc.tcpservers.map((c) => c.command.line), [5]);
    const all = parseQmailRun(new SourceFile('run', script), { commands: true });
    assert.deepEqual(all.commands!.map((c) => c.words.map((w) => w.raw).join(' ')), ['ulimit -v 2000000', 'QMAILDUID=`id -u qmaild`', 'echo hello', 'cat', 'exec tcpserver -v -u "$QMAILDUID" -g 2108 -x /etc/tcp.smtp.cdb 0 smtp /var/qmail/bin/qmail-smtpd']);
  });

  it('a listener line read in place until a $VAR splits into fields: options and rest as sh splits them', () => {
    // The command's words are the option queue until the first split (here $Y after -v); past it the fields are copied.
    const c = parseQmailRun(new SourceFile('run', 'X="-u 0 -g 0"\nY=-R\nexec tcpserver -v $Y $X -x"$R" -c 5 $Y 0 25 $X qmail-smtpd\n')).tcpservers[0]!;
    assert.deepEqual(
      c.options.map((o) => [o.letter, o.arg?.raw, o.span.start.column]),
      [['v', undefined, 16], ['R', undefined, 19], ['u', '0', 22], ['g', '0', 22], ['x', '"$R"', 25], ['c', '5', 32], ['R', undefined, 37]],
    );
    assert.deepEqual(c.rest.map((w) => [w.raw, w.span.start.column]), [['0', 40], ['25', 42], ['-u', 45], ['0', 45], ['-g', 45], ['0', 45], ['qmail-smtpd', 48]]);
    assert.deepEqual([c.smtpd, c.opaque], [true, false]);
    // No split: the rest is the command's own words after the options, and a program word found after the port.
    const plain = parseQmailRun(new SourceFile('run', `exec tcpserver -v -c 5 0 25 ${'a '.repeat(1000)}qmail-smtpd\n`)).tcpservers[0]!;
    assert.equal(plain.rest.length, 1003);
    assert.deepEqual([plain.rest[0]!.raw, plain.rest[1002]!.raw, plain.smtpd], ['0', 'qmail-smtpd', true]);
    assert.equal(parseQmailRun(new SourceFile('run', 'exec tcpserver -v 0 qmail-smtpd\n')).tcpservers[0]!.smtpd, false);
  });

  it('words of one $NAME share their parts by variable, quoting and form; each still reads as written', () => {
    const all = parseQmailRun(new SourceFile('run', 'echo $A "$A" ${A:-x} "${A}" $B $A "$A" ${A:-y} ${A}\n'), { commands: true }).commands![0]!.words.slice(1);
    assert.deepEqual(
      all.map((w) => [w.raw, w.parts]),
      [
        ['$A', [{ type: 'param', name: 'A', quoted: false, modified: false }]],
        ['"$A"', [{ type: 'param', name: 'A', quoted: true, modified: false }]],
        ['${A:-x}', [{ type: 'param', name: 'A', quoted: false, modified: true }]],
        ['"${A}"', [{ type: 'param', name: 'A', quoted: true, modified: false }]],
        ['$B', [{ type: 'param', name: 'B', quoted: false, modified: false }]],
        ['$A', [{ type: 'param', name: 'A', quoted: false, modified: false }]],
        ['"$A"', [{ type: 'param', name: 'A', quoted: true, modified: false }]],
        ['${A:-y}', [{ type: 'param', name: 'A', quoted: false, modified: true }]],
        ['${A}', [{ type: 'param', name: 'A', quoted: false, modified: false }]],
      ],
    );
    // One array for each spelling (a run script of a million "$A" keeps one), none across spellings.
    const [a, qa, ma, qb, b, a2, qa2, ma2, a3] = all.map((w) => w.parts);
    assert.ok(a === a2 && a === a3 && qa === qa2 && qa === qb && ma === ma2);
    assert.ok(a !== qa && a !== ma && a !== b && qa !== ma);
  });

  it('words made when asked are those the lexer read: text, parts and spans', () => {
    const call = parseQmailRun(new SourceFile('run', script)).tcpservers[0]!;
    assert.deepEqual(call.word.span, { start: { line: 5, column: 6 }, end: { line: 5, column: 15 } });
    assert.deepEqual(call.options.map((o) => [o.letter, o.arg?.raw, o.span.start.column]), [['v', undefined, 16], ['u', '"$QMAILDUID"', 19], ['g', '2108', 35], ['x', '/etc/tcp.smtp.cdb', 43]]);
    assert.deepEqual(call.options[1]!.arg!.parts, [{ type: 'param', name: 'QMAILDUID', quoted: true, modified: false }]);
    const a = parseQmailRun(new SourceFile('run', script)).assignments.at(0);
    assert.deepEqual([a.name, a.value.raw, a.value.span], ['QMAILDUID', '`id -u qmaild`', { start: { line: 3, column: 11 }, end: { line: 3, column: 25 } }]);
    const attached = parseQmailRun(new SourceFile('run', 'tcpserver -u7770 -g"21 08" 0 smtp qmail-smtpd\n')).tcpservers[0]!;
    assert.deepEqual(attached.options.map((o) => [o.arg?.raw, o.arg?.parts, o.arg?.span.start.column]), [
      ['7770', [{ type: 'text', text: '7770', quoted: false }], 13],
      ['"21 08"', [{ type: 'text', text: '21 08', quoted: true }], 20],
    ]);
  });
});
