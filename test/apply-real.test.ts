import assert from 'node:assert/strict';
import { prng } from './helpers/prng.js';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { SourceFile } from '../src/core/source.js';
import { PRIVACY_FLAGS, splitPrivacyWords } from '../src/model/sendmail-options.js';
import { parseAliases } from '../src/parsers/aliases.js';
import { parseAs } from '../src/parsers/documents.js';
import { renderAliases, type AliasesSettings } from '../src/render/aliases.js';
import { renderAccess, renderTcpSmtp } from '../src/render/blocks.js';
import { relayKeys } from '../src/render/networks.js';
import { renderSendmailCf, type SendmailSettings } from '../src/render/sendmail-cf.js';
import { renderSendmailMc } from '../src/render/sendmail-mc.js';
import { loadTemplates, type Render } from '../src/render/templates.js';
import {
  debianCf,
  debianMc,
  DEBIAN_MC,
  M4,
  m4Build,
  MAKEMAP,
  needs,
  needsRoot,
  SENDMAIL,
  sendmailCheckWhole,
  sendmailReads,
  SMRSH,
  tempDir,
  TCPRULES,
  TCPRULESCHECK,
  type SendmailReading,
} from './helpers/real.js';

/**
 * The files `mailharden apply` renders, judged by the real programs of this machine: sendmail -bC and
 * -d37.1 (what it reads from the cf), m4, tcprules/tcprulescheck, newaliases (sendmail -bi) and makemap.
 * FORMATS.md §2, §4, §6, §7 and §9 say how those programs behave.
 */

const ms = (start: number): string => `${Math.round(performance.now() - start)} ms`;


/** Seed of the random cases: fixed, so CI is reproducible; MAILHARDEN_SEED=n replays or explores others. */
const SEED = Number(process.env.MAILHARDEN_SEED ?? 0x5eed7c9);

/**
 * sendmail's reading of a cf, once per distinct text: many cases start from the same stock cf, and on a
 * machine whose resolver does not answer (the AAAA lookup of the host name), a sendmail run can stall 5 s.
 */
const readings = new Map<string, SendmailReading>();
function reads(cfText: string): SendmailReading {
  let r = readings.get(cfText);
  if (!r) readings.set(cfText, (r = sendmailReads(cfText)));
  return r;
}

/** A temporary directory removed when the test ends. */
function scratch(t: TestContext, prefix: string): string {
  const dir = tempDir(prefix);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let templates: Promise<Render> | undefined;
const render = (): Promise<Render> => (templates ??= loadTemplates());

// ---------------------------------------------------------------------------------------------------
// sendmail.cf

/** The policy with every sendmail setting on. */
const ALL: SendmailSettings = {
  privacy: ['goaway', 'restrictqrun', 'restrictmailq', 'noetrn', 'noreceipts'],
  greeting: '$j ready (mailharden), see postmaster',
  helpFile: '/etc/mail/helpfile.mailharden',
  logLevel: 12,
  authRequireTls: true,
  smrsh: SMRSH,
  localOnly: true,
};

/** The flags a list of PrivacyOptions words sets, as the model expands them (goaway, noexpn ⇒ noverb). */
function privacyFlags(words: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const w of words) {
    const flags = PRIVACY_FLAGS.get(w.toLowerCase());
    assert.ok(flags, `unknown privacy word ${w}`);
    for (const f of flags) out.add(f);
  }
  return [...out].sort();
}

/** The option names a settings object manages. */
function managedNames(want: SendmailSettings): Set<string> {
  const names = new Set<string>();
  if (want.privacy) names.add('PrivacyOptions');
  if (want.greeting !== undefined) names.add('SmtpGreetingMessage');
  if (want.helpFile !== undefined) names.add('HelpFile');
  if (want.logLevel !== undefined) names.add('LogLevel');
  if (want.authRequireTls) names.add('AuthOptions');
  if (want.localOnly) names.add('DaemonPortOptions');
  return names;
}

/** The logical lines of a cf: a line that starts with a blank continues the previous one (FORMATS.md §1). */
function logicalLines(text: string): string[] {
  const out: string[] = [];
  for (const l of text.split('\n')) {
    if ((l.startsWith(' ') || l.startsWith('\t')) && out.length) out[out.length - 1] += `\n${l}`;
    else out.push(l);
  }
  return out;
}

/** Whether a logical cf line is one the settings may rewrite: a managed O line (long or `Op` form) or Mprog. */
function isManagedLine(want: SendmailSettings, line: string): boolean {
  // sendmail takes option names in any case, and a unique prefix with a warning (FORMATS.md §1).
  const m = /^O ([A-Za-z][\w.]*)\s*=/.exec(line);
  if (m && [...managedNames(want)].some((n) => n.toLowerCase().startsWith(m[1]!.toLowerCase()) && m[1]!.length >= 8)) return true;
  if (want.privacy && /^Op/.test(line)) return true;
  return !!want.smrsh && /^Mprog,/.test(line);
}

/** The first place two line lists differ, for a readable failure message. */
function firstDifference(a: readonly string[], b: readonly string[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) return `logical line ${i + 1} of ${a.length}/${b.length}: expected ${JSON.stringify(a[i])}, got ${JSON.stringify(b[i])}`;
  }
  return undefined;
}

/** DaemonPortOptions fields by their first letter (sendmail reads only that letter), keys upper-cased. */
function daemonFields(value: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of value.split(',')) {
    const eq = f.indexOf('=');
    if (eq < 0) continue;
    out.set(f.trim()[0]!.toUpperCase(), f.slice(eq + 1).trim());
  }
  return out;
}

/** A daemon's fields other than Addr, normalised (to compare before and after). */
const daemonWithoutAddr = (value: string): string =>
  value
    // A continued value's line break is a blank to sendmail (-d37.1 shows it escaped).
    .replace(/\\[nt]|\s/g, ' ')
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f && f[0]!.toUpperCase() !== 'A')
    .join(',');

const valuesOf = (r: SendmailReading, name: string): string[] => r.options.filter((o) => o.name === name).map((o) => o.value);
const flagsOf = (value: string | undefined): string[] => [...new Set((value ?? '').split(/[\s,]+/).filter(Boolean))].sort();

/**
 * Renders a cf and judges it: sendmail -bC accepts it with nothing to say that the stock cf does not say;
 * sendmail reads exactly the settings (and every other option and mailer as before); the model says the
 * same; the other lines are untouched; rendering again changes nothing.
 */
function judgeCf(t: TestContext, name: string, input: string, want: SendmailSettings): string {
  const start = performance.now();
  const rendered = renderSendmailCf(input, want, 'sendmail.cf');

  const check = sendmailCheckWhole(rendered);
  assert.equal(check.status, 0, `${name}: sendmail -bC exit ${check.status}:\n${check.output}`);
  assert.equal(check.output, '', `${name}: sendmail -bC printed lines the stock cf does not print`);

  const before = reads(input);
  const after = reads(rendered);
  assert.equal(after.status, 0, `${name}: sendmail -bt exit ${after.status}`);
  assert.ok(after.options.length > 40 && after.mailers.has('prog'), `${name}: sendmail read ${after.options.length} options and ${after.mailers.size} mailers: not a cf`);
  const managed = managedNames(want);

  // What the real sendmail reads, option by option.
  if (want.privacy) {
    const lines = valuesOf(after, 'PrivacyOptions');
    assert.equal(lines.length, 1, `${name}: ${lines.length} PrivacyOptions lines read (${JSON.stringify(lines)}); they accumulate, so exactly one must remain`);
    assert.deepEqual(privacyFlags(splitPrivacyWords(lines[0]!).map((w) => w.word)), privacyFlags(want.privacy), `${name}: PrivacyOptions flags`);
  }
  const single = (option: string, expected: string): void => {
    const lines = valuesOf(after, option);
    assert.deepEqual(lines, [expected], `${name}: ${option} as sendmail reads it (${lines.length} lines)`);
  };
  if (want.greeting !== undefined) single('SmtpGreetingMessage', want.greeting);
  if (want.helpFile !== undefined) single('HelpFile', want.helpFile);
  if (want.logLevel !== undefined) single('LogLevel', String(want.logLevel));
  if (want.authRequireTls) {
    const lines = valuesOf(after, 'AuthOptions');
    assert.equal(lines.length, 1, `${name}: ${lines.length} AuthOptions lines`);
    const had = flagsOf(valuesOf(before, 'AuthOptions').pop());
    assert.deepEqual(flagsOf(lines[0]), [...new Set([...had, 'p'])].sort(), `${name}: AuthOptions = the earlier flags plus p`);
  }
  if (want.localOnly) {
    const was = valuesOf(before, 'DaemonPortOptions');
    const now = valuesOf(after, 'DaemonPortOptions');
    assert.equal(now.length, Math.max(1, was.length), `${name}: number of daemons (${was.length} before)`);
    for (const d of now) {
      const f = daemonFields(d);
      const family = (f.get('F') ?? 'inet').toLowerCase();
      if (family === 'local' || family === 'unix') continue;
      assert.equal(f.get('A'), family === 'inet6' ? '::1' : '127.0.0.1', `${name}: daemon ${JSON.stringify(d)} not bound to loopback`);
    }
    if (was.length) assert.deepEqual(now.map(daemonWithoutAddr), was.map(daemonWithoutAddr), `${name}: daemon fields other than Addr changed`);
  }
  const prog = after.mailers.get('prog')!;
  const progBefore = before.mailers.get('prog')!;
  if (want.smrsh) {
    assert.equal(prog.P, want.smrsh, `${name}: prog mailer P=`);
    assert.equal(prog.A, 'smrsh -c $u', `${name}: prog mailer A=`);
    assert.equal(prog.line.replace(/ P=\S+ /, ' ').replace(/ A=.*$/, ''), progBefore.line.replace(/ P=\S+ /, ' ').replace(/ A=.*$/, ''), `${name}: prog mailer fields other than P= and A= changed`);
  } else {
    assert.equal(prog.line, progBefore.line, `${name}: prog mailer changed though smrsh is not asked for`);
  }
  // Every other option and mailer reads as before.
  const others = (r: SendmailReading): string[] => r.options.filter((o) => !managed.has(o.name)).map((o) => `${o.name}=${o.value}`);
  assert.deepEqual(others(after), others(before), `${name}: options the settings do not manage changed`);
  const otherMailers = (r: SendmailReading): string[] => [...r.mailers].filter(([n]) => n !== 'prog').map(([, m]) => m.line);
  assert.deepEqual(otherMailers(after), otherMailers(before), `${name}: mailers other than prog changed`);

  // The model of the rendered cf says what sendmail reads.
  const model = parseAs('sendmail-cf', new SourceFile('sendmail.cf', rendered)).sendmail;
  const readFlags = privacyFlags(valuesOf(after, 'PrivacyOptions').flatMap((v) => splitPrivacyWords(v).map((w) => w.word)));
  assert.deepEqual([...model.privacy].sort(), readFlags, `${name}: model's PrivacyOptions vs sendmail's`);
  if (want.privacy) assert.deepEqual([...model.privacy].sort(), privacyFlags(want.privacy), `${name}: model's PrivacyOptions vs the policy`);
  for (const option of ['SmtpGreetingMessage', 'HelpFile', 'LogLevel', 'AuthOptions']) {
    assert.equal(model.get(option)?.value, valuesOf(after, option).pop(), `${name}: model's ${option} vs sendmail's`);
  }
  assert.deepEqual(model.daemons.map((d) => d.value), valuesOf(after, 'DaemonPortOptions'), `${name}: model's daemons vs sendmail's`);
  assert.equal(model.prog?.path, prog.P, `${name}: model's prog path vs sendmail's`);
  assert.equal(model.prog?.argv, prog.A, `${name}: model's prog argv vs sendmail's`);

  // Every other line is kept, in order, and nothing else is added.
  const keep = (text: string): string[] => logicalLines(text).filter((l) => !isManagedLine(want, l));
  const diff = firstDifference(keep(input), keep(rendered));
  assert.equal(diff, undefined, `${name}: a line the settings do not manage changed: ${diff}`);

  assert.equal(renderSendmailCf(rendered, want, 'sendmail.cf'), rendered, `${name}: rendering the rendered cf again changed it`);
  t.diagnostic(`${name}: ${input.split('\n').length} → ${rendered.split('\n').length} lines, judged in ${ms(start)}`);
  return rendered;
}

/** Debian's stock cf, edited line by line. */
function stockWith(edit: (lines: string[]) => string[]): string {
  return edit(debianCf().split('\n')).join('\n');
}

/** The stock cf listening on every address: Addr removed, plus an IPv6 daemon on :: and one with no Family. */
const listeningEverywhere = (): string =>
  stockWith((lines) => {
    const out: string[] = [];
    let last = -1;
    for (const l of lines) {
      if (l.startsWith('O DaemonPortOptions=')) {
        out.push(l.replace(/,\s*Addr=[^,]*/, ''));
        last = out.length;
      } else out.push(l);
    }
    assert.ok(last > 0, 'the stock cf has DaemonPortOptions lines');
    out.splice(last, 0, 'O DaemonPortOptions=Family=inet6, Name=MTA-v6, Port=smtp, Addr=::', 'O DaemonPortOptions=Name=alt, Port=2525');
    return out;
  });

/** The stock cf with its PrivacyOptions line twice more and short `Op` lines appended. */
const duplicatedPrivacy = (): string => {
  const line = debianCf()
    .split('\n')
    .find((l) => l.startsWith('O PrivacyOptions='));
  assert.ok(line, 'the stock cf has an O PrivacyOptions line');
  return `${debianCf()}${line}\n${line}\nOpgoaway\nOp noetrn, restrictmailq\n`;
};

describe('sendmail.cf rendered from the stock Debian cf, judged by the real sendmail', () => {
  const cases: { name: string; input: () => string; want: SendmailSettings; also?: (rendered: string, input: string) => void; todo?: string }[] = [
    { name: 'every setting on', input: debianCf, want: ALL },
    {
      name: 'every setting on, over a cf listening everywhere with duplicated privacy lines and AuthOptions=A,y',
      input: () => `${listeningEverywhere()}${duplicatedPrivacy().slice(debianCf().length)}O AuthOptions=A,y\n`,
      want: ALL,
    },
    { name: 'privacy only', input: debianCf, want: { privacy: ['noexpn', 'novrfy'] } },
    { name: 'privacy "public" (no flag at all)', input: debianCf, want: { privacy: ['public'] } },
    {
      name: 'privacy over 3 O PrivacyOptions lines and 2 short Op lines',
      input: duplicatedPrivacy,
      want: { privacy: ['novrfy', 'restrictqrun'] },
      also: (rendered, input) => {
        const count = (text: string): number => text.split('\n').filter((l) => /^O PrivacyOptions=|^Op/.test(l)).length;
        assert.equal(count(input), 5, 'the input has 3 long and 2 short PrivacyOptions lines');
        assert.equal(count(rendered), 1, 'one PrivacyOptions line left');
      },
    },
    {
      name: 'privacy over spellings sendmail also reads: continued, lower-case, spaced, abbreviated',
      input: () => `${debianCf()}O PrivacyOptions=noexpn,\n\tnoetrn\nO privacyoptions=noreceipts\nO PrivacyOptions = restrictmailq\nO PrivacyOption=noverb\n`,
      want: { privacy: ['novrfy'] },
    },
    {
      name: 'smrsh over a prog mailer defined twice, A= on the first line',
      input: () => `${debianCf()}Mprog, P=/bin/bash, F=lsDFMoqeu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=$z:/, T=X-Unix/X-Unix/X-Unix, A=bash -c $u\n`,
      want: { smrsh: SMRSH },
    },
    {
      name: 'smrsh over a prog mailer with a comment after A=',
      input: () => `${debianCf()}Mprog, P=/bin/sh, F=lsDFMoqeu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL, D=$z:/, T=X-Unix/X-Unix/X-Unix, A=sh -c $u # the shell\n`,
      want: { smrsh: SMRSH },
    },
    {
      name: 'local only over lower-case daemon fields',
      input: () => `${debianCf()}O DaemonPortOptions=family=inet6, name=MTA-v6, port=smtp, addr=::\nO DaemonPortOptions=name=MTA-alt, port=2525, addr=0.0.0.0\n`,
      want: { localOnly: true },
    },
    {
      name: 'local only over a daemon line continued on a second line (sendmail reads it)',
      input: () => `${debianCf()}O DaemonPortOptions=Name=MTA-alt, Port=2525,\n\tAddr=0.0.0.0\n`,
      want: { localOnly: true },
    },
    { name: 'greeting and help file', input: debianCf, want: { greeting: 'mx.example.test ready; no UCE, see postmaster@example.test', helpFile: '/etc/mail/helpfile.mailharden' } },
    { name: 'greeting with a # (written as \\#, read back whole)', input: debianCf, want: { greeting: '$j mailer #1 ready' } },
    { name: 'log level 0 (falsy, still written)', input: debianCf, want: { logLevel: 0 } },
    {
      name: 'local only, stock cf (already on 127.0.0.1: nothing to change)',
      input: debianCf,
      want: { localOnly: true },
      also: (rendered, input) => assert.equal(rendered, input, 'the stock cf already binds both daemons to 127.0.0.1'),
    },
    { name: 'local only, cf listening everywhere (inet, inet6, no Family)', input: listeningEverywhere, want: { localOnly: true } },
    { name: 'smrsh', input: debianCf, want: { smrsh: SMRSH } },
    { name: 'AuthOptions p, none written before', input: debianCf, want: { authRequireTls: true } },
    { name: 'AuthOptions p, added to AuthOptions=A,y', input: () => `${debianCf()}O AuthOptions=A,y\n`, want: { authRequireTls: true } },
  ];
  for (const c of cases) {
    it(c.name, c.todo ? { todo: c.todo } : {}, (t) => {
      if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
      const input = c.input();
      const rendered = judgeCf(t, c.name, input, c.want);
      c.also?.(rendered, input);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// sendmail.mc

/** The options and mailers of two cfs must read the same, except the named options. */
function assertSameReading(a: SendmailReading, b: SendmailReading, what: string): void {
  const opts = (r: SendmailReading): string[] => r.options.map((o) => `${o.name}=${o.name === 'PrivacyOptions' ? privacyFlags(splitPrivacyWords(o.value).map((w) => w.word)).join(',') : o.value}`);
  const diff = firstDifference(opts(a), opts(b));
  assert.equal(diff, undefined, `${what}: options differ: ${diff}`);
  const mailers = (r: SendmailReading): string[] => [...r.mailers.values()].map((m) => m.line);
  assert.deepEqual(mailers(b), mailers(a), `${what}: mailers differ`);
}

/** Builds an .mc with m4, requires silence and exit 0, and sendmail -bC's approval of the cf. */
function buildMc(mc: string, what: string): string {
  const built = m4Build(mc);
  assert.equal(built.status, 0, `${what}: m4 exit ${built.status}: ${built.stderr}`);
  assert.equal(built.stderr, '', `${what}: m4 printed on stderr`);
  assert.match(built.stdout, /^V10\/Berkeley$/m, `${what}: m4 built no cf`);
  const check = sendmailCheckWhole(built.stdout);
  assert.equal(check.status, 0, `${what}: sendmail -bC exit ${check.status}:\n${check.output}`);
  assert.equal(check.output, '', `${what}: sendmail -bC printed lines the stock cf does not print`);
  return built.stdout;
}

describe('sendmail.mc rendered from the stock Debian mc, built by the real m4', () => {
  it('every setting on: m4 is silent, sendmail accepts the cf, and it reads exactly like the cf rendered from the stock cf', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const start = performance.now();
    const mc = renderSendmailMc(debianMc(), ALL, 'sendmail.mc');
    assert.equal(renderSendmailMc(mc, ALL, 'sendmail.mc'), mc, 'rendering the rendered mc again changed it');
    const fromMc = reads(buildMc(mc, 'rendered mc'));
    const fromCf = reads(renderSendmailCf(debianCf(), ALL, 'sendmail.cf'));
    // The points the brief names, then everything.
    assert.deepEqual(privacyFlags(valuesOf(fromMc, 'PrivacyOptions').flatMap((v) => splitPrivacyWords(v).map((w) => w.word))), privacyFlags(ALL.privacy!), 'PrivacyOptions built from the mc');
    assert.deepEqual(valuesOf(fromMc, 'SmtpGreetingMessage'), [ALL.greeting], 'greeting built from the mc');
    assert.equal(fromMc.mailers.get('prog')?.P, fromCf.mailers.get('prog')?.P, 'prog P= of the .mc and .cf renders');
    assert.equal(fromMc.mailers.get('prog')?.A, fromCf.mailers.get('prog')?.A, 'prog A= of the .mc and .cf renders');
    assertSameReading(fromCf, fromMc, '.cf render vs .mc render built by m4');
    // The model of the rendered .mc predicts the built cf.
    const model = parseAs('sendmail-mc', new SourceFile('sendmail.mc', mc)).sendmail;
    assert.equal(model.prog?.path, fromMc.mailers.get('prog')?.P, "the .mc model's prog path");
    assert.deepEqual([...model.privacy].sort(), privacyFlags(ALL.privacy!), "the .mc model's PrivacyOptions");
    assert.equal(model.get('SmtpGreetingMessage')?.value, ALL.greeting, "the .mc model's greeting");
    t.diagnostic(`mc render + m4 + 2 sendmail reads: ${ms(start)}`);
  });

  it('local only on an .mc with no DAEMON_OPTIONS and no no_default_msa: every built daemon is on loopback, MTA and MSA both kept', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const open = debianMc()
      .split('\n')
      .filter((l) => !/^(DAEMON_OPTIONS|FEATURE\(`no_default_msa'\))/.test(l))
      .join('\n');
    const daemons = (cf: string): Map<string, string>[] => valuesOf(reads(cf), 'DaemonPortOptions').map(daemonFields);
    const was = daemons(buildMc(open, 'open mc'));
    assert.equal(was.length, 2, 'premise: m4 builds two daemons (MTA, MSA) for the open mc');
    assert.ok(was.every((d) => !d.has('A')), 'premise: no Addr, so they listen everywhere');
    const mc = renderSendmailMc(open, { localOnly: true }, 'sendmail.mc');
    assert.equal(renderSendmailMc(mc, { localOnly: true }, 'sendmail.mc'), mc, 'idempotent');
    const now = daemons(buildMc(mc, 'rendered mc'));
    const port = (d: Map<string, string>): string => ({ smtp: '25', submission: '587' })[d.get('P') ?? 'smtp'] ?? d.get('P') ?? '25';
    for (const d of now) assert.equal(d.get('A'), '127.0.0.1', `daemon ${JSON.stringify([...d])} not on loopback`);
    assert.deepEqual(now.map(port).sort(), ['25', '587'], 'one daemon on 25 and one on 587');
    assert.equal(new Set(now.map((d) => `${d.get('A')}:${port(d)}`)).size, now.length, 'two daemons on the same address and port');
  });

  it("FEATURE(`smrsh') written after MAILER(`local') is moved before it, and m4 then builds P=smrsh", (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC, SMRSH)) return;
    const misplaced = debianMc().replace("MAILER(`local')dnl\n", "MAILER(`local')dnl\nFEATURE(`smrsh')dnl\n");
    assert.notEqual(misplaced, debianMc(), "premise: the stock mc has MAILER(`local')dnl");
    const before = m4Build(misplaced);
    assert.match(before.stderr, /FEATURE\(smrsh\) must occur before MAILER\(local\)/, 'premise: m4 complains about the misplaced feature');
    assert.equal(reads(before.stdout).mailers.get('prog')?.P, '/bin/sh', 'premise: and keeps P=/bin/sh');
    const mc = renderSendmailMc(misplaced, { smrsh: SMRSH }, 'sendmail.mc');
    const lines = mc.split('\n');
    const features = lines.flatMap((l, i) => (l.includes("FEATURE(`smrsh')") ? [i] : []));
    assert.equal(features.length, 1, `${features.length} FEATURE(\`smrsh') calls left`);
    assert.ok(features[0]! < lines.indexOf("MAILER(`local')dnl"), "FEATURE(`smrsh') is before MAILER(`local')");
    assert.equal(renderSendmailMc(mc, { smrsh: SMRSH }, 'sendmail.mc'), mc, 'idempotent');
    const prog = reads(buildMc(mc, 'rendered mc')).mailers.get('prog');
    assert.equal(prog?.P, SMRSH, 'prog P=');
    assert.equal(prog?.A, 'smrsh -c $u', 'prog A=');
  });

  // m4 copies LOCAL_CONFIG lines into the cf, and PrivacyOptions lines accumulate (FORMATS.md §1): a flag
  // written there stays in force next to confPRIVACY_FLAGS, while the .cf render removes every other line.
  it('PrivacyOptions written in LOCAL_CONFIG: the built cf has exactly the policy flags, as the .cf render', (t) => {
    if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
    const want: SendmailSettings = { privacy: ['novrfy'] };
    const mc = renderSendmailMc(`${debianMc()}LOCAL_CONFIG\nO PrivacyOptions=noetrn\n`, want, 'sendmail.mc');
    const read = reads(buildMc(mc, 'rendered mc'));
    assert.deepEqual(privacyFlags(valuesOf(read, 'PrivacyOptions').flatMap((v) => splitPrivacyWords(v).map((w) => w.word))), privacyFlags(want.privacy!), 'PrivacyOptions the built cf sets');
  });

  // The policy schema allows letters, digits, `_` and `$ .,:;()+@/-` in a greeting, and proto.m4 expands
  // confSMTP_LOGIN_MSG unquoted, so m4 rescans the value: quoted once, `dnl` eats the rest of the line,
  // `divnum` becomes 0, `m4exit` ends the cf there (m4 still exits 0), and `esyscmd(...)` runs a command.
  for (const greeting of ['$j ready dnl after', '$j divnum ready', '$j ready m4exit now', '$j LOCAL_CONFIG ready', '$j esyscmd(echo injected) ready', '$j ready, (see: postmaster)']) {
    it(`a greeting with m4 words (${JSON.stringify(greeting)}) reaches the built cf unchanged, as from the .cf render`, (t) => {
      if (!needs(t, SENDMAIL, M4, DEBIAN_MC)) return;
      const want: SendmailSettings = { greeting };
      const cf = renderSendmailCf(debianCf(), want, 'sendmail.cf');
      assert.deepEqual(valuesOf(reads(cf), 'SmtpGreetingMessage'), [greeting], 'the .cf render');
      const mc = renderSendmailMc(debianMc(), want, 'sendmail.mc');
      assert.equal(renderSendmailMc(mc, want, 'sendmail.mc'), mc, 'rendering the rendered mc again changed it');
      const built = buildMc(mc, 'rendered mc');
      assert.deepEqual(valuesOf(reads(built), 'SmtpGreetingMessage'), [greeting], 'the .mc render built by m4');
      assertSameReading(reads(cf), reads(built), '.cf render vs .mc render built by m4');
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// tcp.smtp

const ipOf = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
const MAX = 2 ** 32 - 1;

interface Net {
  net: number;
  size: number;
  bits: number;
}
const cidr = (n: Net): string => `${ipOf(n.net)}/${n.bits}`;
const inside = (a: number, n: { net: number; size: number }): boolean => a >= n.net && a < n.net + n.size;
const overlaps = (a: { net: number; size: number }, b: { net: number; size: number }): boolean => a.net < b.net + b.size && b.net < a.net + a.size;

/** A random network: prefix length 8–30 four times out of five, else 1–32; a random base. */
function randomNet(rand: () => number): Net {
  const bits = rand() < 0.8 ? 8 + Math.floor(rand() * 23) : 1 + Math.floor(rand() * 32);
  const size = 2 ** (32 - bits);
  return { net: Math.floor(Math.floor(rand() * 2 ** 32) / size) * size, size, bits };
}

/** A random aligned block of `size` addresses that overlaps none of `avoid`. */
function blockOutside(rand: () => number, size: number, avoid: readonly { net: number; size: number }[]): { net: number; size: number } {
  for (let i = 0; i < 100_000; i++) {
    const b = { net: Math.floor(Math.floor(rand() * 2 ** 32) / size) * size, size };
    if (!avoid.some((n) => overlaps(b, n))) return b;
  }
  throw new Error('no free block');
}

/** tcprulescheck for many addresses, in one shell loop: the output of each, and its exit code. */
function tcprulescheck(cdb: string, ips: readonly string[]): { out: string; status: number }[] {
  const script = 'while read ip; do TCPREMOTEIP=$ip "$1" "$2"; echo "@@ $?"; done';
  const r = spawnSync('/bin/sh', ['-c', script, 'sh', TCPRULESCHECK, cdb], { input: `${ips.join('\n')}\n`, encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, maxBuffer: 256 << 20, timeout: 60_000 });
  assert.equal(r.status, 0, `tcprulescheck loop: ${r.stderr}`);
  const out: { out: string; status: number }[] = [];
  let chunk: string[] = [];
  for (const line of r.stdout.split('\n')) {
    const end = /^@@ (\d+)$/.exec(line);
    if (end) {
      out.push({ out: chunk.join('\n'), status: Number(end[1]) });
      chunk = [];
    } else if (line) chunk.push(line);
  }
  assert.equal(out.length, ips.length, 'one tcprulescheck answer per address');
  return out;
}

/** Compiles a tcp.smtp with the real tcprules; returns the cdb path. */
function tcprules(dir: string, name: string, text: string, what: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  const cdb = `${path}.cdb`;
  const r = spawnSync('/bin/sh', ['-c', '"$1" "$2" "$2.tmp" < "$3"', 'sh', TCPRULES, cdb, path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${what}: tcprules exit ${r.status}: ${r.stderr}\n${text}`);
  assert.equal(`${r.stdout}${r.stderr}`, '', `${what}: tcprules printed something`);
  assert.ok(existsSync(cdb) && !existsSync(`${cdb}.tmp`), `${what}: no cdb, or the tmp file is left`);
  return cdb;
}

describe('tcp.smtp rendered for random relay networks, compiled by tcprules, checked by tcprulescheck', () => {
  const CASES = 30;
  const ADDRESSES = 160;

  it(`${CASES} random cases (seed ${SEED}): RELAYCLIENT exactly inside the networks; only the unrelated deny rules deny`, async (t) => {
    if (!needs(t, TCPRULES, TCPRULESCHECK)) return;
    const r = await render();
    const rand = prng(SEED);
    const dir = scratch(t, 'mh-tcp-');
    const start = performance.now();
    let checked = 0;
    let relaying = 0;
    let denied = 0;
    const failures: string[] = [];
    for (let c = 0; c < CASES; c++) {
      const nets = Array.from({ length: 1 + Math.floor(rand() * 6) }, () => randomNet(rand));
      // Half the patched files carry the block an earlier apply wrote for other networks.
      const oldNets = c % 2 ? Array.from({ length: 1 + Math.floor(rand() * 3) }, () => randomNet(rand)) : [];
      // Unrelated rules, outside every network: an exact deny, a /24 deny, a last-octet range deny, an allow with a variable.
      const exact = blockOutside(rand, 1, nets);
      const prefix = blockOutside(rand, 256, nets);
      const rangeBlock = blockOutside(rand, 256, nets);
      const lo = Math.floor(rand() * 200);
      const hi = lo + Math.floor(rand() * 55);
      const range = { net: rangeBlock.net + lo, size: hi - lo + 1 };
      const allowVar = blockOutside(rand, 1, [...nets, exact, prefix, range]);
      const denyBlocks = [exact, prefix, range];
      const unrelated = [
        // A deny carrying RELAYCLIENT is still a deny (tcpserver ignores variables there): it must stay.
        `${ipOf(exact.net)}:deny${c % 3 === 0 ? ',RELAYCLIENT=""' : ''}`,
        `${ipOf(prefix.net).replace(/\.0$/, '.')}:deny`,
        `${ipOf(rangeBlock.net).replace(/\.0$/, '')}.${lo}-${hi}:deny`,
        `${ipOf(allowVar.net)}:allow,DATABYTES="1000000"`,
        '10.9.9.:allow,RELAYCLIENT=""',
      ];
      for (let i = unrelated.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [unrelated[i], unrelated[j]] = [unrelated[j]!, unrelated[i]!];
      }
      const ctx = { render: r, path: join(dir, 'tcp.smtp'), cdb: join(dir, 'tcp.smtp.cdb'), networks: relayKeys(nets.map(cidr)).blocks };
      let existing = `# local rules\n${unrelated.join('\n')}\n${c % 4 < 2 ? ':allow\n' : ''}`;
      if (oldNets.length) {
        const old = relayKeys(oldNets.map(cidr));
        existing = renderTcpSmtp(existing, old.tcp, old.tcpSkipped, { ...ctx, networks: old.blocks });
      }
      const keys = relayKeys(nets.map(cidr));
      const fresh = renderTcpSmtp(undefined, keys.tcp, keys.tcpSkipped, ctx);
      const patched = renderTcpSmtp(existing, keys.tcp, keys.tcpSkipped, ctx);
      assert.equal(renderTcpSmtp(patched, keys.tcp, keys.tcpSkipped, ctx), patched, `seed ${SEED} case ${c}: rendering the patched file again changed it`);

      // The addresses: each network's and each rule's boundaries, 10.9.9.0/24, then random ones.
      const addrs = new Set<number>();
      const edges = (b: { net: number; size: number }): void => {
        for (const a of [b.net - 1, b.net, b.net + 1, b.net + b.size - 2, b.net + b.size - 1, b.net + b.size]) if (a >= 0 && a <= MAX) addrs.add(a);
      };
      [...nets, ...oldNets, ...denyBlocks, allowVar, { net: 0x0a090900, size: 256 }].forEach(edges);
      while (addrs.size < ADDRESSES) {
        const p = rand();
        const n = p < 0.5 ? nets[Math.floor(rand() * nets.length)]! : p < 0.7 && oldNets.length ? oldNets[Math.floor(rand() * oldNets.length)]! : { net: 0, size: 2 ** 32 };
        addrs.add(n.net + Math.floor(rand() * n.size));
      }
      const list = [...addrs];
      const ips = list.map(ipOf);
      const files = [
        { name: 'fresh', text: fresh, deny: [] as { net: number; size: number }[] },
        { name: 'patched', text: patched, deny: denyBlocks },
      ];
      for (const f of files) {
        const cdb = tcprules(dir, `tcp.smtp.${c}.${f.name}`, f.text, `seed ${SEED} case ${c} ${f.name}`);
        const answers = tcprulescheck(cdb, ips);
        answers.forEach((ans, i) => {
          const a = list[i]!;
          const wantRelay = nets.some((n) => inside(a, n));
          const wantDeny = f.deny.some((b) => inside(a, b));
          const relay = ans.out.includes('set environment variable RELAYCLIENT=');
          const last = ans.out.split('\n').pop();
          checked++;
          if (relay) relaying++;
          if (last === 'deny connection') denied++;
          if (ans.status !== 0 || relay !== wantRelay || last !== (wantDeny ? 'deny connection' : 'allow connection')) {
            failures.push(`seed ${SEED} case ${c} (${nets.map(cidr).join(' ')}${oldNets.length ? `; old block ${oldNets.map(cidr).join(' ')}` : ''}) ${f.name} file, ${ips[i]}: want RELAYCLIENT ${wantRelay}, ${wantDeny ? 'deny' : 'allow'}; tcprulescheck exit ${ans.status}: ${JSON.stringify(ans.out)}`);
          }
        });
      }
    }
    t.diagnostic(`tcprulescheck: ${checked} address checks (${CASES} cases × ${ADDRESSES} addresses × 2 files; ${relaying} with RELAYCLIENT, ${denied} denied), ${ms(start)}`);
    console.log(`# apply-real tcp.smtp: ${checked} tcprulescheck address checks, ${relaying} relaying, ${denied} denied, seed ${SEED}, ${ms(start)}`);
    assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${checked} checks disagree`);
  });
});

describe('tcp.smtp: rules an admin wrote inside a relay network', () => {
  // tcpserver takes the most specific key (FORMATS.md §7). The renderer keeps an existing per-host rule
  // (`192.168.1.10:allow,DATABYTES="1000000"`) inside a relay network, and that rule is more specific than
  // the block's `192.168.1.:allow,RELAYCLIENT=""`, so that host connects without RELAYCLIENT.
  it('a more specific allow rule inside a relay network (per-host DATABYTES) still gets RELAYCLIENT; a deny stays a deny', async (t) => {
    if (!needs(t, TCPRULES, TCPRULESCHECK)) return;
    const dir = scratch(t, 'mh-tcp-');
    const keys = relayKeys(['192.168.1.0/24']);
    const ctx = { render: await render(), path: join(dir, 'tcp.smtp'), cdb: join(dir, 'tcp.smtp.cdb'), networks: keys.blocks };
    const text = renderTcpSmtp('192.168.1.10:allow,DATABYTES="1000000"\n192.168.1.20:deny\n:allow\n', keys.tcp, keys.tcpSkipped, ctx);
    const ips = ['192.168.1.9', '192.168.1.10', '192.168.1.20', '192.168.2.10'];
    const got = tcprulescheck(tcprules(dir, 'tcp.smtp', text, 'per-host rules'), ips).map((a, i) => `${ips[i]} ${a.out.includes('RELAYCLIENT=') ? 'relay' : 'no-relay'} ${a.out.split('\n').pop()}`);
    assert.deepEqual(got, ['192.168.1.9 relay allow connection', '192.168.1.10 relay allow connection', '192.168.1.20 no-relay deny connection', '192.168.2.10 no-relay allow connection'], text);
  });
});

// ---------------------------------------------------------------------------------------------------
// aliases

/** The entries of an alias db as `makemap -u hash` dumps them (key → value), without the `@` marker. */
function dumpMap(file: string): Map<string, string> {
  const r = spawnSync(MAKEMAP, ['-u', 'hash', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `makemap -u ${file}: ${r.stderr}`);
  const map = new Map<string, string>();
  for (const line of r.stdout.split('\n')) {
    if (!line) continue;
    const tab = line.indexOf('\t');
    const key = tab < 0 ? line : line.slice(0, tab);
    if (key !== '@') map.set(key, tab < 0 ? '' : line.slice(tab + 1));
  }
  return map;
}

const squeeze = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * Builds an aliases text with the real newaliases (`sendmail -bi -oA`), as FORMATS.md §6 requires it: the
 * file 0644 in a 0755 directory. Exit 0 and a .db are required; returns the count of the summary line
 * (`<file>: N aliases, longest …`, which must be the first line), every output line, and the db's entries.
 */
function newaliases(t: TestContext, text: string): { count: number; output: string[]; db: Map<string, string> } {
  const dir = scratch(t, 'mh-aliases-');
  chmodSync(dir, 0o755);
  const file = join(dir, 'aliases');
  writeFileSync(file, text, { mode: 0o644 });
  chmodSync(file, 0o644);
  const r = spawnSync(SENDMAIL, ['-bi', `-oA${file}`], { encoding: 'utf8', timeout: 30_000 });
  const output = `${r.stdout}${r.stderr}`.split('\n').filter(Boolean);
  assert.equal(r.status, 0, `newaliases exit ${r.status}: ${output.join('\n')}`);
  assert.ok(existsSync(`${file}.db`), 'no aliases.db');
  const summary = output.map((l) => (l.startsWith(`${file}: `) ? /^\S+: (\d+) aliases, longest \d+ bytes, \d+ bytes total$/.exec(l) : null)).find(Boolean);
  assert.ok(summary, `no summary line in:\n${output.join('\n')}`);
  assert.equal(output.at(-1), summary[0], 'the summary is the last line newaliases prints');
  return { count: Number(summary[1]), output: [summary[0], ...output.filter((l) => l !== summary[0])], db: dumpMap(file) };
}

/** The entries the real newaliases stores for a text, whatever it says about it. */
function originalDb(t: TestContext, text: string): Map<string, string> {
  const dir = scratch(t, 'mh-aliases-in-');
  chmodSync(dir, 0o755);
  const file = join(dir, 'aliases');
  writeFileSync(file, text, { mode: 0o644 });
  chmodSync(file, 0o644);
  spawnSync(SENDMAIL, ['-bi', `-oA${file}`], { encoding: 'utf8', timeout: 30_000 });
  return dumpMap(file);
}

const DEBIAN_LIKE = `# /etc/aliases
mailer-daemon: postmaster
postmaster: root
nobody: root
hostmaster: root
usenet: root
news: root
webmaster: root
www: root
ftp: root
abuse: root
noc: root
security: root
root: admin
games: root
decode: "|/usr/bin/uudecode"
staff: root,
\tdaemon,
\tmail
procmail: "|/usr/bin/procmail -a foo"
Root: someone
`;

const CONTINUED = `# local aliases
MAILER-DAEMON: postmaster
root: alice,
	bob
Decode: "|/usr/bin/uudecode",
	root
GAMES: root
list: alice,\\
bob
root: carol
`;

describe('aliases rendered, built by the real newaliases (sendmail -bi -oA)', () => {
  const want: AliasesSettings = { strip: ['decode', 'games'], set: [['postmaster', 'root'], ['root', 'ops@example.com']] };
  const cases: { name: string; text: string | undefined; entries: number }[] = [
    // 18 entries: games and decode stripped, the second root (Root) removed → 15.
    { name: 'Debian-like, with a continued entry, program aliases and a duplicate root', text: DEBIAN_LIKE, entries: 15 },
    // mailer-daemon, root, list kept; Decode (continued) and GAMES stripped; the second root removed; postmaster appended → 4.
    { name: 'continued root and decode entries, a backslash join, no postmaster', text: CONTINUED, entries: 4 },
    { name: 'empty file (Debian installs /etc/aliases empty)', text: '', entries: 2 },
    { name: 'no file yet', text: undefined, entries: 2 },
    // A last line that ends in backslashes would swallow an appended entry (sendmail joins it even to an empty line).
    { name: 'the last line ends in a backslash', text: 'staff: alice\\\n', entries: 3 },
    { name: 'the last line ends in two backslashes', text: 'staff: alice\\\\\n', entries: 3 },
    { name: 'the last line ends in a backslash and no newline', text: 'staff: alice\\', entries: 3 },
  ];
  // sendmail stores a quoted name that needs no quotes without them (`"decode"` → key decode; only
  // `"quoted name"` keeps its quotes), but aliasKey() keeps the quotes of every quoted name, so the
  // renderer neither strips `"decode"` nor finds `"root"` (it appends a second root: a duplicate).
  it('quoted names ("decode", "Games", "root") are stripped and set like plain ones', (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP)) return;
    if (!needsRoot(t, 'sendmail -bi writes the db as TrustedUser; FORMATS.md §6 was observed as root')) return;
    const rendered = renderAliases('"decode": "|/usr/bin/uudecode"\n"Games": root\n"root": admin\nstaff: root\n', want, 'aliases');
    const { count, output, db } = newaliases(t, rendered);
    assert.deepEqual(output.slice(1), [], 'newaliases printed more than its summary');
    for (const gone of want.strip!) assert.ok(!db.has(gone), `${gone} still in the db`);
    for (const [name, target] of want.set!) assert.equal(db.get(name), target, `${name} in the db`);
    assert.equal(count, 3, 'staff, root, postmaster');
  });

  for (const c of cases) {
    it(c.name, (t) => {
      if (!needs(t, SENDMAIL, MAKEMAP)) return;
      if (!needsRoot(t, 'sendmail -bi writes the db as TrustedUser; FORMATS.md §6 was observed as root')) return;
      const start = performance.now();
      const rendered = renderAliases(c.text, want, 'aliases');
      assert.equal(renderAliases(rendered, want, 'aliases'), rendered, 'rendering the rendered file again changed it');
      const doc = parseAliases(new SourceFile('aliases', rendered));
      assert.equal(doc.entries.length, c.entries, `entries the parser sees in the rendered file:\n${rendered}`);
      assert.deepEqual([doc.missingColon.length, doc.emptyValue.length, doc.orphans.length], [0, 0, 0], 'lines sendmail would skip or complain about');

      const { count, output, db } = newaliases(t, rendered);
      assert.equal(output.length, 1, `newaliases printed more than its summary:\n${output.join('\n')}`);
      assert.equal(count, c.entries, 'aliases newaliases counted');
      assert.equal(db.size, c.entries, `keys in the db: ${[...db.keys()].join(' ')}`);
      for (const gone of want.strip!) assert.ok(!db.has(gone), `${gone} still in the db`);
      for (const [name, target] of want.set!) assert.equal(db.get(name), target, `${name} in the db`);
      // Every other entry of the input is in the db with the value sendmail gave it in the input.
      if (c.text) {
        const original = originalDb(t, c.text);
        for (const [key, value] of original) {
          if (want.strip!.includes(key) || want.set!.some(([n]) => n === key) || key === '@') continue;
          assert.equal(squeeze(db.get(key) ?? '(missing)'), squeeze(value), `entry ${key} changed`);
        }
      }
      t.diagnostic(`${c.name}: ${c.entries} aliases, ${ms(start)}`);
    });
  }
});

// ---------------------------------------------------------------------------------------------------
// access

/** Debian's /etc/mail/access entries (sendmail-bin 8.17.1.9), plus stale RELAY entries an admin left. */
const ACCESS = `# Debian-like access map
Connect:127\t\t\t\tRELAY
GreetPause:127\t\t\t0
Connect:IPv6:::1\t\tRELAY
GreetPause:\t\t\t\t5000
Spam:postmaster@\tFRIEND
reject@\t\t\tREJECT
Connect:192.0.2 REJECT
Connect:224\t\tREJECT
Connect:10.9.9\tRELAY
10.9.8 RELAY
`;

/**
 * What sendmail's ruleset A (LookUpAddress, as check_relay calls it: `<+ Connect>`) answers for each
 * address, on Debian's stock cf pointed at the given access map (built with makemap): `RELAY`, `?`, ….
 */
function accessLookups(map: string, addresses: readonly string[]): (string | undefined)[] {
  const cf = debianCf().replace(/^(Kaccess hash .*) \/etc\/mail\/access$/m, `$1 ${map}`);
  assert.notEqual(cf, debianCf(), 'the stock cf has a Kaccess line');
  const cfPath = `${map}.cf`;
  writeFileSync(cfPath, cf, { mode: 0o644 });
  const bt = spawnSync(SENDMAIL, ['-C', cfPath, '-bt'], { input: addresses.map((a) => `A <${a}> <?> <+ Connect> <>`).join('\n') + '\n', encoding: 'utf8', timeout: 30_000 });
  assert.equal(bt.status, 0, `sendmail -bt: ${bt.stderr}`);
  // Each query's answer is the last `A returns:` before the next prompt (the ruleset calls itself).
  return bt.stdout
    .split(/^> /m)
    .slice(1)
    .map((block) => [...block.matchAll(/^A\s+returns: < (.*?) > < >$/gm)].pop()?.[1]);
}

/** Writes an access text and builds its db with the real makemap, which may say nothing else. */
function makemap(path: string, text: string, what: string): void {
  writeFileSync(path, text, { mode: 0o644 });
  const m = spawnSync('/bin/sh', ['-c', '"$1" hash "$2" < "$2"', 'sh', MAKEMAP, path], { encoding: 'utf8' });
  assert.equal(m.status, 0, `${what}: makemap exit ${m.status}: ${m.stderr}`);
  // Files under /tmp draw `WARNING: World writable directory /tmp` (FORMATS.md §6); nothing else may be said.
  const said = `${m.stdout}${m.stderr}`.split('\n').filter((l) => l && l !== `WARNING: World writable directory ${tmpdir()}`);
  assert.deepEqual(said, [], `${what}: makemap printed something`);
}

describe('access rendered for relay networks, compiled by makemap, looked up by sendmail', () => {
  it('a /20, a /25, a /16, two IPv6 /48 and a /52: makemap builds it, and sendmail relays exactly the networks', async (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC)) return;
    const start = performance.now();
    const r = await render();
    const networks = ['192.168.16.0/20', '172.16.5.128/25', '10.1.0.0/16', '2001:db8:1::/48', '2001:db8::/48', '2001:db8:2::/52'];
    const keys = relayKeys(networks);
    assert.equal(keys.access.length, 16 + 128 + 1 + 1, 'access keys: 16 for the /20, 128 for the /25, 1 for the /16, 1 IPv6');
    assert.equal(keys.accessSkipped.length, 2, 'the IPv6 /48 with a zero group and the /52 are skipped');
    const dir = scratch(t, 'mh-access-');
    chmodSync(dir, 0o755);
    for (const [name, before] of [['new', undefined], ['patched', ACCESS]] as const) {
      const path = join(dir, `access.${name}`);
      const text = renderAccess(before, keys.access, keys.accessSkipped, { render: r, path });
      assert.equal(renderAccess(text, keys.access, keys.accessSkipped, { render: r, path }), text, `${name}: idempotent`);
      makemap(path, text, name);
      const db = dumpMap(path);
      const relays = [...db].filter(([, v]) => v === 'RELAY').map(([k]) => k);
      assert.deepEqual(relays.sort(), keys.access.map((k) => `connect:${k}`.toLowerCase()).sort(), `${name}: the RELAY entries of the db are exactly the networks' keys`);
      if (before) for (const kept of ['greetpause:127', 'connect:192.0.2', 'spam:postmaster@', 'reject@']) assert.ok(db.has(kept), `${name}: ${kept} dropped`);

      // sendmail's own lookup (ruleset A, LookUpAddress, as check_relay calls it) on a cf that reads this map.
      const probes: [string, string][] = [
        ['192.168.15.255', '?'],
        ['192.168.16.0', 'RELAY'],
        ['192.168.23.77', 'RELAY'],
        ['192.168.31.255', 'RELAY'],
        ['192.168.32.0', '?'],
        ['172.16.5.127', '?'],
        ['172.16.5.128', 'RELAY'],
        ['172.16.5.200', 'RELAY'],
        ['172.16.5.255', 'RELAY'],
        ['172.16.6.0', '?'],
        ['10.0.255.255', '?'],
        ['10.1.0.0', 'RELAY'],
        ['10.1.255.255', 'RELAY'],
        ['10.2.0.0', '?'],
        ['10.9.9.1', '?'],
        ['10.9.8.1', '?'],
        ['192.0.2.1', before ? 'REJECT' : '?'],
        ['IPv6:2001:db8:1::5', 'RELAY'],
        ['IPv6:2001:db8:1:ffff::1', 'RELAY'],
        ['IPv6:2001:db8:2::5', '?'],
        ['IPv6:2001:db8::5', '?'],
      ];
      const answers = accessLookups(path, probes.map(([a]) => a));
      assert.deepEqual(
        probes.map(([a], i) => `${a} ${answers[i]}`),
        probes.map(([a, want]) => `${a} ${want}`),
        `${name}: sendmail's access lookups`,
      );
    }
    t.diagnostic(`access: ${keys.access.length} keys, makemap + 2 lookups sessions, ${ms(start)}`);
  });

  // Ruleset A returns the most specific entry. The renderer keeps `Connect:10.1.2.3 OK` (an address entry
  // that is not RELAY) inside the relay network 10.1.0.0/16, so that host is accepted but may not relay.
  it('a more specific OK entry inside a relay network still relays; a REJECT stays a REJECT', async (t) => {
    if (!needs(t, SENDMAIL, MAKEMAP, M4, DEBIAN_MC)) return;
    const keys = relayKeys(['10.1.0.0/16']);
    const dir = scratch(t, 'mh-access-');
    chmodSync(dir, 0o755);
    const path = join(dir, 'access');
    makemap(path, renderAccess('Connect:10.1.2.3\tOK\nConnect:10.1.2.4\tREJECT\n', keys.access, keys.accessSkipped, { render: await render(), path, networks: keys.blocks }), 'per-host entries');
    const ips = ['10.1.2.2', '10.1.2.3', '10.1.2.4'];
    assert.deepEqual(accessLookups(path, ips).slice(0, 3), ['RELAY', 'RELAY', 'REJECT']);
  });
});
