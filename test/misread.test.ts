/**
 * Aliases entries and tcp.smtp ranges that the real programs read otherwise than they look (issue 15,
 * FORMATS.md §6 and §7): each finding of MH2014–MH2017 and MH5008 on its fixture is checked against
 * what newaliases stores (makemap -u), what `sendmail -bv` answers, and what tcprules writes and
 * tcprulescheck decides; and the entries without a finding must not show the same behaviour.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import type { Finding } from '../src/core/types.js';
import { lintText } from '../src/lint/text.js';
import { parseAliases, type AliasesDocument } from '../src/parsers/aliases.js';
import { parseTcpRules, ruleKeys } from '../src/parsers/tcprules.js';
import { rules } from '../rules/index.js';
import { FIXTURES } from './helpers/fixtures.js';
import { MAKEMAP, needs, SENDMAIL, tempDir, TCPRULES, TCPRULESCHECK } from './helpers/real.js';

let work: string | undefined;
let serial = 0;
after(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** A fresh file in a 0755 directory, mode 0644 (newaliases refuses group-writable files and directories). */
function scratchFile(text: string): string {
  work ??= tempDir('mh-misread-');
  chmodSync(work, 0o755);
  const file = join(work, `f${++serial}`);
  writeFileSync(file, text, { mode: 0o644 });
  chmodSync(file, 0o644);
  return file;
}

/** Builds an aliases text with the real newaliases (`sendmail -bi -oA`); the db's entries as `makemap -u hash` dumps them. */
function newaliases(text: string, checkAliases: boolean): { file: string; status: number; output: string[]; db: Map<string, string> } {
  const file = scratchFile(text);
  const r = spawnSync(SENDMAIL, ['-bi', `-OCheckAliases=${checkAliases ? 'True' : 'False'}`, `-oA${file}`], { encoding: 'utf8', timeout: 30_000 });
  const output = `${r.stdout}${r.stderr}`.split('\n').filter((l) => l && !l.startsWith('WARNING: '));
  const dump = spawnSync(MAKEMAP, ['-u', 'hash', file], { encoding: 'utf8' });
  assert.equal(dump.status, 0, `makemap -u: ${dump.stderr}`);
  const db = new Map<string, string>();
  for (const line of dump.stdout.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab > 0 && line.slice(0, tab) !== '@') db.set(line.slice(0, tab), line.slice(tab + 1));
  }
  return { file, status: r.status ?? -1, output, db };
}

/** What `sendmail -bv name` answers with the aliases db `file`, one line per address. */
function verify(file: string, name: string): string[] {
  const r = spawnSync(SENDMAIL, [`-oA${file}`, '-bv', name], { encoding: 'utf8', timeout: 30_000 });
  return `${r.stdout}${r.stderr}`.split('\n').filter((l) => l && !l.startsWith('WARNING: '));
}

function fixture(kind: string, name: string): { text: string; findings: Finding[] } {
  const path = join(FIXTURES, kind, name);
  const text = readFileSync(path, 'utf8');
  return { text, findings: lintText(text, kind === 'aliases' ? 'aliases' : 'tcp-rules', rules, { path }) };
}

/** The entry a line belongs to. */
function entryOf(doc: AliasesDocument, line: number): number {
  for (let i = 0; i < doc.entries.length; i++) if (doc.entries.lineAt(i) <= line && line < doc.entries.lineAt(i) + doc.entries.linesAt(i)) return i;
  throw new Error(`no entry holds line ${line}`);
}

/** The text a one-line finding's span covers. */
const spanText = (text: string, f: Finding): string => text.split('\n')[f.line - 1]!.slice(f.column - 1, f.endColumn - 1);

describe('aliases the real newaliases misreads', () => {
  it('MH2014: a blank in an unquoted name is stored as a dot, and only such names are reported', (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP)) return;
    const { text, findings } = fixture('aliases', 'MH2014-blank-in-name.aliases');
    const doc = parseAliases(new SourceFile('a', text));
    const { db, status } = newaliases(text, false);
    assert.equal(status, 0);
    const reported = new Set(findings.filter((f) => f.ruleId === 'MH2014').map((f) => entryOf(doc, f.line)));
    assert.ok(reported.size >= 2, 'the fixture has names with blanks');
    for (let i = 0; i < doc.entries.length; i++) {
      const name = doc.entries.nameAt(i);
      // What sendmail stores for the name, as written lower-cased, or with its blanks as dots.
      const asWritten = db.has(name.toLowerCase());
      const dotted = name.toLowerCase().replace(/[ \t]+/g, '.');
      if (reported.has(i)) {
        assert.ok(!asWritten && db.has(dotted), `${JSON.stringify(name)}: stored as ${JSON.stringify(dotted)}, not as written (db: ${[...db.keys()].join(' ')})`);
        assert.ok(findings.some((f) => f.ruleId === 'MH2014' && f.message.includes(`"${dotted}"`)), `the finding names the stored key ${dotted}`);
      } else {
        assert.ok(asWritten, `${JSON.stringify(name)} is stored as written, so it needs no finding`);
      }
    }
  });

  it('MH2015: a continuation line that looks like an entry defines nothing and adds its targets to the alias above', (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP)) return;
    const { text, findings } = fixture('aliases', 'MH2015-entry-in-continuation.aliases');
    const doc = parseAliases(new SourceFile('a', text));
    const lines = text.split('\n');
    const { file, db, status } = newaliases(text, false);
    assert.equal(status, 0);
    const reported = findings.filter((f) => f.ruleId === 'MH2015');
    assert.equal(reported.length, 5);
    for (const f of reported) {
      const alias = doc.entries.at(entryOf(doc, f.line))!;
      const line = lines[f.line - 1]!;
      const [, name, target] = /^[ \t]*([^ \t:]+)[ \t]*:[ \t]*([^, ]+)/.exec(line)!;
      assert.ok(f.message.includes(`no alias "${name}"`), f.message);
      assert.ok(!db.has(name!.toLowerCase()), `sendmail defines no alias ${name}`);
      assert.ok(db.get(alias.key)!.includes(line.trim()), `the line is stored in the value of ${alias.key}: ${db.get(alias.key)}`);
      // sendmail reads `name: target` there as a group: the alias above delivers to the target.
      const answer = verify(file, alias.key);
      assert.ok(answer.some((l) => l.includes(`deliverable: mailer local, user ${target}`)), `${alias.key} delivers to ${target}:\n${answer.join('\n')}`);
    }
    // The groups sendmail makes of each entry are exactly the lines reported in it.
    for (let i = 0; i < doc.entries.length; i++) {
      const key = doc.entries.at(i)!.key;
      const groups = verify(file, key).map((l) => /^([^"|:]+?)[ \t]*:/.exec(l.split('... ')[0]!)?.[1]).filter((g) => g !== undefined);
      const names = reported.filter((f) => entryOf(doc, f.line) === i).map((f) => /no alias "([^"]+)"/.exec(f.message)![1]!);
      assert.deepEqual(groups.sort(), names.sort(), `the groups sendmail makes of ${key}`);
    }
  });

  it('MH2016: a "# comment" after a target is kept in the address, which sendmail -bv calls unknown', (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP)) return;
    const { text, findings } = fixture('aliases', 'MH2016-comment-after-value.aliases');
    const doc = parseAliases(new SourceFile('a', text));
    const { file, db, status, output } = newaliases(text, true);
    assert.equal(status, 0, `even CheckAliases=True says nothing: ${output.join('\n')}`);
    const reported = findings.filter((f) => f.ruleId === 'MH2016');
    assert.equal(reported.length, 4);
    const seen = new Set<number>();
    for (const f of reported) {
      const i = entryOf(doc, f.line);
      seen.add(i);
      const address = spanText(text, f);
      assert.ok(db.get(doc.keys.at(i))!.includes(address), `stored verbatim: ${db.get(doc.keys.at(i))}`);
      const answer = verify(file, doc.keys.at(i));
      assert.ok(answer.includes(`${address}... User unknown`), `sendmail -bv ${doc.keys.at(i)}:\n${answer.join('\n')}`);
    }
    // The others: no address sendmail answers for holds a # at the start of a word outside quotes and parentheses.
    for (let i = 0; i < doc.entries.length; i++) {
      if (seen.has(i)) continue;
      for (const l of verify(file, doc.keys.at(i))) assert.ok(!/^[^"(]*(^|[ \t])#/.test(l), `${doc.keys.at(i)}: ${l}`);
    }
  });

  it('MH2017: malformed addresses are stored silently with CheckAliases=False; -bv and CheckAliases=True name exactly these', (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP)) return;
    const { text, findings } = fixture('aliases', 'MH2017-malformed-address.aliases');
    const doc = parseAliases(new SourceFile('a', text));
    const silent = newaliases(text, false);
    assert.equal(silent.status, 0);
    assert.deepEqual(silent.output.filter((l) => !/: \d+ aliases, longest/.test(l)), [], 'CheckAliases=False stores them without a word');
    assert.equal(silent.db.size, doc.entries.length, 'every entry is stored');
    const reported = findings.filter((f) => f.ruleId === 'MH2017');
    assert.equal(reported.length, 9);
    for (const f of reported) {
      const key = doc.keys.at(entryOf(doc, f.line));
      const address = spanText(text, f);
      const error = /answers "(.*)"$/.exec(f.message)![1]!;
      const answer = verify(silent.file, key);
      assert.ok(answer.some((l) => l.startsWith(address) && l.endsWith(`... ${error}`)), `sendmail -bv ${key} answers "${address}... ${error}":\n${answer.join('\n')}`);
    }
    // newaliases with CheckAliases=True complains about exactly the lines with a finding.
    const checked = newaliases(text, true);
    const complained = new Set(checked.output.map((l) => /: line (\d+): /.exec(l)?.[1]).filter(Boolean).map(Number));
    assert.deepEqual([...complained].sort((a, b) => a - b), [...new Set(reported.map((f) => f.line))].sort((a, b) => a - b));
  });
});

/** The keys of a cdb file (2048-byte header of 256 table pointers, then the records up to the first table). */
function cdbKeys(path: string): Set<string> {
  const b = readFileSync(path);
  const end = b.readUInt32LE(0);
  const keys = new Set<string>();
  for (let pos = 2048; pos < end; ) {
    const klen = b.readUInt32LE(pos);
    const dlen = b.readUInt32LE(pos + 4);
    keys.add(b.subarray(pos + 8, pos + 8 + klen).toString('latin1'));
    pos += 8 + klen + dlen;
  }
  return keys;
}

/** An IPv4 address a key matches: the key itself, or the prefix filled up with 1s. */
const ipFor = (key: string): string => {
  const parts = key.split('.').filter(Boolean);
  while (parts.length < 4) parts.push('1');
  return parts.join('.');
};

describe('tcp.smtp ranges the real tcprules clips', () => {
  it('MH5008: tcprules writes the keys of a range up to 255 and none past, without a word; tcprulescheck finds the last', (t) => {
    if (!needs(t, TCPRULES, TCPRULESCHECK)) return;
    const { text, findings } = fixture('tcp-rules', 'MH5008-range-clipped.smtp');
    const doc = parseTcpRules(new SourceFile('tcp.smtp', text));
    work ??= tempDir('mh-misread-');
    const cdb = join(work, 'tcp.cdb');
    const r = spawnSync(TCPRULES, [cdb, `${cdb}.tmp`], { input: text, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(`${r.stdout}${r.stderr}`, '', 'tcprules says nothing');
    assert.ok(existsSync(cdb));
    const keys = cdbKeys(cdb);
    const reported = new Set(findings.filter((f) => f.ruleId === 'MH5008').map((f) => f.line));
    assert.equal(reported.size, 3);
    for (const rule of doc.rules) {
      const range = rule.range;
      if (!range) continue;
      const written = range.text.slice(range.text.indexOf('-') + 1);
      const top = Number(written);
      const bot = Number(range.text.slice(0, range.text.indexOf('-')));
      const clipped = top > 255 && bot <= 255;
      assert.equal(reported.has(rule.line), clipped, `line ${rule.line} (${rule.address})`);
      if (!clipped) continue;
      // Keys up to 255 exist, none past it.
      for (const key of ruleKeys(rule)) assert.ok(keys.has(key), `tcprules wrote ${key}`);
      for (let v = 256; v <= Math.min(top, 300); v++) assert.ok(!keys.has(`${range.head}${v}${range.tail}`), `no key for ${v}`);
      const last = `${range.head}255${range.tail}`;
      const check = spawnSync(TCPRULESCHECK, [cdb], { env: { TCPREMOTEIP: ipFor(last) }, encoding: 'utf8' });
      assert.ok(check.stdout.startsWith(`rule ${last}:\n`), `tcprulescheck ${ipFor(last)}: ${check.stdout}`);
    }
  });
});
