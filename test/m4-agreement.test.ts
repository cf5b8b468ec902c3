import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { rules } from '../rules/index.js';
import type { AnyRule, RuleContext } from '../src/core/rule.js';
import { SourceFile } from '../src/core/source.js';
import { parseAs } from '../src/parsers/documents.js';
import { FIXTURES, loadFixtures } from './helpers/fixtures.js';
import { prng } from './helpers/prng.js';
import { DEBIAN_MC, M4, needs } from './helpers/real.js';

const CF_M4 = '/usr/share/sendmail/cf/m4/cf.m4';
const DEBIAN_SUBMIT_MC = '/usr/share/sendmail/cf/debian/submit.mc';

/**
 * Builds a cf from an .mc text with real m4, as Debian's Makefile and FreeBSD's do. A fragment (no
 * include of cf.m4; FreeBSD's freebsd.mc is built with cf.m4 given on m4's command line) gets the
 * include first; includes of site files under /etc/mail/m4 are dropped. Undefined when m4 refuses it.
 * (m4 prints `*** ERROR: FEATURE() should be before MAILER()` and still writes the cf, exit 0.)
 */
function m4(text: string): string | undefined {
  const full = /cf\.m4'\)/.test(text) ? text : `include(\`${CF_M4}')dnl\n${text}`;
  const r = spawnSync(M4, [], { input: full.replace(/^include\(`\/etc\/mail\/m4\/[^']+'\)dnl$/gm, 'dnl'), encoding: 'utf8', timeout: 30_000 });
  if (r.status !== 0 || !/^V\d+/m.test(r.stdout)) return undefined;
  return r.stdout;
}

/** The settings rules: those that judge both an .mc and a cf, through SendmailModel. */
const SETTINGS_RULES = rules.filter((r) => r.meta.kinds.includes('sendmail-mc') && r.meta.kinds.includes('sendmail-cf'));

/**
 * Findings that say the same thing in the words of an .mc or of a cf: `implicit` (cfhead.m4 or
 * proto.m4 supplies the value, and the .mc finding says so) is `set`/`macro`/`explicit` in the cf m4
 * writes it into; MH1025 and MH1041 name the .mc's FEATURE or the cf's comment; MH1030 and MH1031 say on an .mc
 * why the prog mailer is a shell (no FEATURE(smrsh), or one after MAILER(local)) where the cf can only
 * name the shell, whose path agree() compares; MH1082 says on an .mc that proto.m4 added the MSA the cf
 * writes as a line. The value judged (the rest of the data) is compared.
 */
const SAME_CAUSE: Record<string, { ids: Record<string, string>; drop?: readonly string[] }> = {
  MH1010: { ids: { implicit: 'macro' } },
  MH1015: { ids: { implicit: 'set' } },
  MH1022: { ids: { implicit: 'macro' } },
  MH1025: { ids: { mc: 'cf' } },
  MH1012: { ids: {}, drop: ['name'] },
  MH1030: { ids: { noSmrsh: 'shell', misplaced: 'shell' }, drop: ['path'] },
  MH1031: { ids: { mc: 'cf' }, drop: ['path'] },
  MH1040: { ids: { feature: 'built' } },
  MH1041: { ids: { mc: 'cf' } },
  MH1042: { ids: { implicit: 'explicit' }, drop: ['why'] },
  MH1082: { ids: { default: 'msa' } },
};

/** A report as its cause: rule id, message id and data in the cf's words, without positions. */
function cause(ruleId: string, messageId: string, data: Record<string, string | number> = {}): string {
  const same = SAME_CAUSE[ruleId];
  const kept = Object.fromEntries(Object.entries(data).filter(([k]) => !same?.drop?.includes(k)));
  return `${ruleId} ${same?.ids[messageId] ?? messageId} ${JSON.stringify(kept)}`;
}

/** What the settings rules report on a document: rule id, message id and data, without positions. */
function settingsFindings(kind: 'sendmail-mc' | 'sendmail-cf', name: string, text: string): string[] {
  const file = new SourceFile(name, text);
  const doc = parseAs(kind, file);
  const out: string[] = [];
  for (const rule of SETTINGS_RULES as AnyRule[]) {
    const ctx: RuleContext = {
      file,
      kind,
      settings: { localOnly: false },
      directiveProblems: [],
      suppressionUses: [],
      part: { first: true, last: true, state: <T>(init: () => T) => init() },
      report: (r) => out.push(cause(rule.meta.id, r.messageId, r.data)),
    };
    rule.check(doc, ctx);
  }
  return out.sort();
}

/** Every .mc must give the settings rules' findings of the cf m4 builds from it. */
function agree(name: string, text: string): void {
  const cf = m4(text);
  assert.ok(cf, 'm4 builds no cf from this .mc');
  assert.deepEqual(settingsFindings('sendmail-mc', name, text), settingsFindings('sendmail-cf', 'built.cf', cf), 'the settings rules find on the .mc what they find on the cf m4 builds from it');
  const mc = parseAs('sendmail-mc', new SourceFile(name, text)).sendmail;
  const built = parseAs('sendmail-cf', new SourceFile('built.cf', cf)).sendmail;
  assert.equal(mc.role, built.role, 'MTA or MSP');
  assert.equal(mc.prog?.path, built.prog?.path, 'prog mailer program');
  assert.deepEqual([...mc.privacy].sort(), [...built.privacy].sort(), 'effective PrivacyOptions');
  assert.equal(mc.daemons.length, built.daemons.length || 1, 'number of listeners');
  for (const option of ['ForwardPath', 'RunAsUser', 'TrustedUser', 'SmtpGreetingMessage', 'SafeFileEnvironment', 'AliasFile', 'StatusFile', 'DeliveryMode', 'UseMSP', 'MaxDaemonChildren', 'LogLevel']) {
    assert.equal(mc.get(option)?.value.trim(), built.get(option)?.value.trim(), option);
  }
  // Every FEATURE of the .mc leaves its VERSIONID comment in the cf, which is how a cf's features are read (MH1025, MH1041).
  const cfFeatures = new Set(built.features.map((f) => f.name));
  for (const f of mc.features) assert.ok(cfFeatures.has(f.name), `FEATURE(${f.name}) is not among the cf's features`);
}

describe('the .mc model agrees with the cf that real m4 builds: fixtures and stock files', () => {
  const fixtures = loadFixtures()
    .filter((f) => f.kind === 'sendmail-mc')
    .map((f) => ({ name: f.path, text: () => f.text }));
  const stock = [
    { name: 'Debian sendmail.mc', text: () => readFileSync(DEBIAN_MC, 'utf8') },
    { name: 'Debian submit.mc', text: () => readFileSync(DEBIAN_SUBMIT_MC, 'utf8') },
    { name: 'FreeBSD freebsd.mc', text: () => readFileSync(join(FIXTURES, 'stock-mc', 'freebsd.mc'), 'utf8') },
    { name: 'FreeBSD freebsd.submit.mc', text: () => readFileSync(join(FIXTURES, 'stock-mc', 'freebsd.submit.mc'), 'utf8') },
  ];
  for (const c of [...fixtures, ...stock]) {
    it(c.name, (t) => {
      if (!needs(t, M4, DEBIAN_MC, DEBIAN_SUBMIT_MC)) return;
      const text = c.text();
      // A fixture that m4 must refuse says so (`dnl # m4 builds nothing`).
      if (/^dnl # m4 builds nothing/m.test(text)) return assert.equal(m4(text), undefined, 'm4 built a cf from a fixture it should refuse');
      agree(c.name, text);
    });
  }

  it('the stock files are the ones the tests expect', () => {
    assert.ok(existsSync(join(FIXTURES, 'stock-mc', 'freebsd.mc')));
    assert.match(readFileSync(join(FIXTURES, 'stock-mc', 'freebsd.submit.mc'), 'utf8'), /^FEATURE\(`msp', `\[127\.0\.0\.1\]'\)dnl$/m);
  });
});


const FLAGS = ['authwarnings', 'noexpn', 'novrfy', 'noetrn', 'noverb', 'needmailhelo', 'restrictqrun', 'restrictmailq', 'goaway', 'public'];
const OPTIONAL_LINES: readonly ((r: () => number, pick: <T>(xs: readonly T[]) => T) => string)[] = [
  () => 'FEATURE(`no_default_msa\')dnl',
  (_r, pick) => `FEATURE(\`smrsh'${pick(['', ", `/usr/local/libexec/smrsh'"])})dnl`,
  () => 'FEATURE(`nouucp\', `reject\')dnl',
  () => 'FEATURE(`use_cw_file\')dnl',
  () => 'FEATURE(`local_lmtp\')dnl',
  () => 'FEATURE(`local_procmail\')dnl',
  () => 'FEATURE(`msp\', `[127.0.0.1]\')dnl',
  (r) => `define(\`confPRIVACY_FLAGS', \`${FLAGS.filter(() => r() < 0.35).join(',')}')dnl`,
  (_r, pick) => `define(\`confFORWARD_PATH', \`${pick(['', '$z/.forward', '/var/forward/$u'])}')dnl`,
  (_r, pick) => `define(\`confRUN_AS_USER', \`${pick(['smmsp', 'root', 'mailnull:mail'])}')dnl`,
  (_r, pick) => `DAEMON_OPTIONS(\`${pick(['Name=MTA, Addr=127.0.0.1', 'Name=MTA', 'Port=587, Name=MSA, M=Ea', 'Name=NoMTA, Addr=127.0.0.1, M=E'])}')dnl`,
  (_r, pick) => `define(\`confSMTP_LOGIN_MSG', \`${pick(['$j', '$j Sendmail $v/$Z; $b', '$j ESMTP'])}')dnl`,
  (_r, pick) => `define(\`confLOG_LEVEL', \`${pick(['9', '4', '99'])}')dnl`,
  (_r, pick) => `define(\`confMAX_DAEMON_CHILDREN', \`${pick(['0', '40'])}')dnl`,
  (_r, pick) => `define(\`confSAFE_FILE_ENV', \`${pick(['/', '/var/mail/safe'])}')dnl`,
  () => "define(`confAUTH_MECHANISMS', `PLAIN LOGIN')dnl",
  () => 'undefine(`ALIAS_FILE\')dnl',
  () => "define(`confDONT_BLAME_SENDMAIL', `GroupWritableForwardFileSafe')dnl",
];

/** One generated .mc: an OSTYPE and DOMAIN or not, some FEATUREs and defines in any order, the mailers. */
function generated(seed: number): string {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const lines = ["divert(0)dnl", `include(\`${CF_M4}')dnl`];
  const ostype = pick(['debian', 'linux', 'freebsd6', '']);
  if (ostype) lines.push(`OSTYPE(\`${ostype}')dnl`);
  else lines.push("define(`__OSTYPE__',`')dnl");
  const domain = pick(['', '', 'generic', ostype === 'debian' ? pick(['debian-mta', 'debian-msp']) : '']);
  if (domain) lines.push(`DOMAIN(\`${domain}')dnl`);
  const body = OPTIONAL_LINES.filter(() => r() < 0.3).map((line) => line(r, pick));
  if (r() < 0.4) body.push("FEATURE(`access_db')dnl", "FEATURE(`greet_pause', `1000')dnl");
  // MAILER(`local') somewhere among them, or at the end as usual, or left to proto.m4.
  const where = r();
  if (where < 0.2) body.splice(Math.floor(r() * (body.length + 1)), 0, 'MAILER(`local\')dnl');
  else if (where < 0.8) body.push('MAILER(`local\')dnl');
  for (let i = body.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [body[i], body[j]] = [body[j]!, body[i]!];
  }
  // A MAILER must come after the FEATUREs that change it; keep MAILER(`local') where it landed otherwise.
  return [...lines, ...body, 'MAILER(`smtp\')dnl', ''].join('\n');
}

describe('the .mc model agrees with the cf that real m4 builds: generated combinations of FEATUREs and defines', () => {
  const COUNT = 80;
  it(`${COUNT} seeded combinations`, (t) => {
    if (!needs(t, M4, CF_M4)) return;
    let built = 0;
    for (let seed = 1; seed <= COUNT; seed++) {
      const text = generated(seed);
      if (m4(text) === undefined) continue;
      built++;
      try {
        agree(`generated-${seed}.mc`, text);
      } catch (e) {
        throw new Error(`seed ${seed}:\n${text}\n${(e as Error).message}`);
      }
    }
    assert.ok(built >= COUNT * 0.8, `m4 built only ${built} of ${COUNT} combinations`);
  });
});
