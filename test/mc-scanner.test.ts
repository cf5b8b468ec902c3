import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { SourceFile } from '../src/core/source.js';
import { MAX_MC_ITEMS, parseSendmailMc, unquote, type McDocument } from '../src/parsers/sendmail-mc.js';
import { wholeLimit } from '../src/parsers/documents.js';
import { CLI, ROOT } from './helpers/cli.js';
import { parseSendmailMcReference, unquote as unquoteReference } from './helpers/mc-reference.js';
import { mutate, opArb } from './helpers/mutate.js';
import { prng } from './helpers/prng.js';
import { tempDir } from './helpers/real.js';

/**
 * The .mc scanner reads by character codes in one pass and makes nothing past the cap of kept items.
 * What it keeps must be what the plain reading (test/helpers/mc-reference.ts: character by character,
 * a position for every character) keeps: the calls with their names, arguments and spans, the
 * LOCAL_CONFIG lines, the `#` lines after cf.m4 and the problems, on generated files full of what
 * makes m4 reading hard, on the fixtures mutated, and across the cap.
 */

const LONG = process.env.MH_FUZZ === 'long';
const seed = process.env.MH_FUZZ_SEED ? Number(process.env.MH_FUZZ_SEED) : undefined;
const runs = (short: number, long: number) => ({ numRuns: LONG ? long : short, ...(seed !== undefined ? { seed } : {}) });

/** What a document holds, as text, for comparing (the file itself aside). */
function shown(doc: McDocument): string {
  return JSON.stringify({ calls: doc.calls, localConfig: doc.localConfig, hashLines: doc.hashLines, problems: doc.problems });
}

function same(text: string, label: string): void {
  const file = new SourceFile('x.mc', text);
  const expected = shown(parseSendmailMcReference(file));
  const actual = shown(parseSendmailMc(file));
  if (actual !== expected) {
    let k = 0;
    while (k < actual.length && actual[k] === expected[k]) k++;
    assert.fail(`${label}: differs at ${k}\n expected …${expected.slice(Math.max(0, k - 200), k + 200)}\n actual   …${actual.slice(Math.max(0, k - 200), k + 200)}`);
  }
}

/** A .mc of `lines` lines made of the pieces m4 reading turns on. */
function generated(seed: number, lines: number): string {
  const r = prng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const word = () => pick(['confX', 'a', '_b', 'x4dnl', '4dnl', 'dnl', 'dnlx', 'LOCAL_CONFIG', 'MAILER', 'MAILERS', 'LOCAL_RULE_0', 'LOCAL_RULESETS', 'LOCAL_NET_CONFIG', 'LOCAL_TLS', 'LOCAL_CLT', 'LOCAL_X', 'include', 'divert', 'Cw', 'O', 'É']);
  const quoted = (depth: number): string => (depth > 2 || r() < 0.5 ? pick(['v', 'a,b', "it's", '(x', 'y)', ' s ', 'dnl x', '#h', '']) : `\`${quoted(depth + 1)}${pick(['', ' ', ','])}${quoted(depth + 1)}'`);
  const arg = (): string => pick([() => '', () => ' ', () => ` \n\t${quoted(0)}`, () => quoted(0), () => `\`${quoted(0)}'`, () => `${word()}(${quoted(0)})`, () => 'x dnl eaten\n y', () => 'a # c, d\n', () => '(a,b)', () => `${word()}`, () => "`cf.m4'", () => "`/usr/share/sendmail/cf/m4/cf.m4'"])();
  const call = (): string => `${word()}(${Array.from({ length: Math.floor(r() * 4) }, () => arg()).join(pick([',', ', ', ',\n']))})`;
  const line = (): string =>
    pick([
      () => `${call()}dnl`,
      call,
      () => `define(\`conf${word()}', ${arg()})dnl`,
      () => `dnl # comment ${word()}`,
      () => `# comment ${call()}`,
      () => `#${word()}`,
      () => `include(\`${pick(['cf.m4', '/usr/share/sendmail/cf/m4/cf.m4', 'x.m4', 'cf.m4x'])}')dnl`,
      () => 'LOCAL_CONFIG',
      () => pick(['MAILER_DEFINITIONS', 'MAILER(`local\')dnl', 'LOCAL_RULESETS', 'LOCAL_NET_CONFIG']),
      () => pick(['Kmap hash /etc/mail/map', 'O MaxRecipientsPerMessage=100', 'O', 'Cw host.example', 'Dj x', 'Ab', 'A_', 'A\r', 'AB\r', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ(x)', 'ABCDEFGHIJKLMNOPQRS(x)', 'ABCDEFGHIJKLMNOPQRST(x)', 'R$* $: $1 dnl x', 'Fw/etc/mail/x']),
      () => `${word()} ${word()}${pick(['', '\r'])}`,
      () => pick(['divert(-1)', 'divert(0)dnl', '1.2.3.4dnl', ' \t', '', "`open", "close'", '(', ')', ',']),
      () => `${word()}${word()}(${arg()}`,
    ])();
  const out: string[] = [];
  for (let k = 0; k < lines; k++) out.push(line());
  return out.join(pick(['\n', '\n', '\n', '\r\n'])) + pick(['\n', '', "`'\n"]);
}

describe('the .mc scanner keeps what the plain reading keeps', () => {
  it('on generated files', () => {
    for (let s = 1; s <= (LONG ? 20_000 : 600); s++) same(generated(s, 1 + (s % 40)), `seed ${s}`);
  });

  it('on the fixtures, mutated', () => {
    const dir = join(ROOT, 'fixtures');
    const seeds = [''];
    for (const sub of ['sendmail-mc', 'stock-mc']) for (const name of readdirSync(join(dir, sub))) if (name.endsWith('.mc')) seeds.push(readFileSync(join(dir, sub, name), 'utf8'));
    for (const [k, text] of seeds.entries()) same(text, `fixture ${k}`);
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(opArb, { maxLength: 10 }), fc.boolean(), (i, ops, latin1) => same(mutate(seeds[i]!, ops, latin1), `mutated fixture ${i}`)),
      runs(300, 20_000),
    );
  });

  it(`across the cap of ${MAX_MC_ITEMS.toLocaleString('en-US')} items: the same items kept and the same place reported`, () => {
    const shapes = ['FEATURE(,,,)\n', 'a()', 'a\n', "define(`confPRIVACY_FLAGS',`x')\n", 'Ox\n', '#\n', 'x(a,b', 'include(`cf.m4\')dnl\n#\n'];
    for (const [k, piece] of shapes.entries()) {
      // Just below, at and past the cap, each with a head that turns on a LOCAL_CONFIG section or cf.m4.
      for (const count of [MAX_MC_ITEMS / 4 - 1, MAX_MC_ITEMS / 4 + 3, MAX_MC_ITEMS + 7]) {
        const head = k === 4 ? 'LOCAL_CONFIG\n' : k === 5 ? "include(`cf.m4')dnl\n" : '';
        same(`${head}${piece.repeat(count)}MAILER(\`a', b)\n\`x`, `shape ${k} × ${count}`);
      }
    }
  });
});

describe('a large .mc', () => {
  it('40 MB of a realistic .mc is read whole (the limit was 16 MiB), and its cap is reported where the plain reading reports it', () => {
    assert.ok(wholeLimit('sendmail-mc') > 40_000_000);
    const block = (n: number) =>
      [
        `dnl ---- section ${n} ----`,
        "define(`confPRIVACY_FLAGS', `authwarnings,goaway,noetrn')dnl",
        `define(\`confX${n}', \`value ${n}, with \`nested \`quotes'' inside')dnl`,
        "FEATURE(`access_db', `hash -T<TMPF> -o /etc/mail/access')dnl",
        `DAEMON_OPTIONS(\`Family=inet, Name=MTA-${n}, Port=smtp, Addr=127.0.0.1')dnl`,
        'divert(-1)',
        ' comment text',
        'divert(0)dnl',
        'MAILER(`local\')dnl',
        'LOCAL_CONFIG',
        `# cf lines of section ${n}`,
        `Kmailertable${n} hash -o /etc/mail/mailertable${n}`,
        'O MaxRecipientsPerMessage=100',
        'LOCAL_RULESETS',
        '',
      ].join('\n');
    const parts: string[] = ["divert(-1)dnl\n# head\ndivert(0)dnl\ninclude(`/usr/share/sendmail/cf/m4/cf.m4')dnl\n"];
    let size = parts[0]!.length;
    for (let n = 0; size < 40_000_000; n++) {
      const b = block(n);
      parts.push(b);
      size += b.length;
    }
    const text = parts.join('');
    const dir = tempDir('mh-mc-large-');
    const path = join(dir, 'sendmail.mc');
    writeFileSync(path, text);
    const r = spawnSync(process.execPath, [CLI, 'lint', '--type', 'sendmail-mc', '--no-config', '--fail-on', 'none', '-f', 'json', '--select', 'MH0001', path], { encoding: 'utf8', maxBuffer: 1 << 26 });
    assert.equal(r.status, 0, r.stderr);
    const cap = parseSendmailMcReference(new SourceFile(path, text)).problems.find((p) => p.message.startsWith('more than'))!;
    rmSync(dir, { recursive: true, force: true });
    const findings = (JSON.parse(r.stdout) as { findings: { ruleId: string; line: number; column: number }[] }).findings;
    assert.ok(findings.some((f) => f.ruleId === 'MH0001' && f.line === cap.span.start.line && f.column === cap.span.start.column), r.stdout.slice(0, 2000));
  });
});

describe('unquote', () => {
  it('removes one level of quotes as the plain reading did, on random text of quotes, blanks and UTF-16', () => {
    const r = prng(7);
    const pieces = ['`', "'", ' ', '\t', '\n', 'a', 'bc', 'é', '\uD83D\uDE00', '\uD83D', ',', '(', 'dnl'];
    for (let k = 0; k < 20_000; k++) {
      const raw = Array.from({ length: Math.floor(r() * 16) }, () => pieces[Math.floor(r() * pieces.length)]!).join('');
      assert.equal(unquote(raw), unquoteReference(raw), JSON.stringify(raw));
    }
  });
});
