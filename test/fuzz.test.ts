import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { buildPlan, changes } from '../src/apply/plan.js';
import { policyLabel } from '../src/apply/label.js';
import { planScript } from '../src/apply/run.js';
import { UserError } from '../src/core/errors.js';
import { lintText } from '../src/lint/text.js';
import { SourceFile } from '../src/core/source.js';
import { FILE_KINDS, type FileKind } from '../src/core/types.js';
import { parseAs } from '../src/parsers/documents.js';
import { parseAliases } from '../src/parsers/aliases.js';
import { POLICY_SCHEMA, type Policy } from '../src/policy/schema.js';
import { loadPolicy } from '../src/policy/validate.js';
import { loadTemplates } from '../src/render/templates.js';
import { rules } from '../rules/index.js';
import { dangerousProgram, programsOf, uudecodeIn } from '../src/model/aliases.js';
import { exampleRoot } from './helpers/example.js';
import { ROOT } from './helpers/cli.js';
import { loadFixtures } from './helpers/fixtures.js';
import { tempDir } from './helpers/real.js';
import { mutate, opArb } from './helpers/mutate.js';

/**
 * Property tests with fast-check: hostile and mutated input for every parser (through lint) and for
 * the policy loader, and hostile policy values that pass the schema, rendered into every artifact.
 * `npm test` runs a few hundred cases; `npm run fuzz` (MH_FUZZ=long) runs over 100,000. A failure
 * prints fast-check's seed and path, so `MH_FUZZ_SEED=<seed>` replays it.
 */
const LONG = process.env.MH_FUZZ === 'long';
const seed = process.env.MH_FUZZ_SEED ? Number(process.env.MH_FUZZ_SEED) : undefined;
const runs = (short: number, long: number) => ({ numRuns: LONG ? long : short, ...(seed !== undefined ? { seed } : {}) });
let cases = 0;

/** lint never throws and every finding lies inside the file. */
function checkLint(text: string, kind: FileKind): void {
  cases++;
  const findings = lintText(text, kind, rules);
  const file = new SourceFile('x', text);
  const lines = Math.max(file.lineCount, 1);
  for (const f of findings) {
    assert.ok(f.line >= 1 && f.line <= lines, `${f.ruleId} line ${f.line} of ${lines}`);
    assert.ok(f.column >= 1 && (f.endLine > f.line || f.endColumn > f.column), `${f.ruleId} span ${f.line}:${f.column}-${f.endLine}:${f.endColumn}`);
  }
}

/** The CPU time (user and system, ms) this process spends in fn: other processes' load does not count. */
function cpuMs(fn: () => void): number {
  const before = process.cpuUsage();
  fn();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

describe('fuzz: every parser, through lint, on mutated and random input', () => {
  const fixtures = loadFixtures();
  for (const kind of FILE_KINDS) {
    const seeds = [...fixtures.filter((f) => f.kind === kind).map((f) => f.text), ''];
    it(kind, () => {
      fc.assert(
        fc.property(fc.nat(seeds.length - 1), fc.array(opArb, { maxLength: 10 }), fc.boolean(), (i, ops, latin1) => checkLint(mutate(seeds[i]!, ops, latin1), kind)),
        runs(150, 11_000),
      );
    });
  }

  it('a 10 MB single line of every kind, CR, NUL and invalid UTF-8 in it: lint grows linearly with it', (t) => {
    const ratios: string[] = [];
    // Not a timing: the CPU time of eight times the input, compared with the input's, in one process
    // (the smaller of two runs each, so a GC pause or another process does not decide). Linear work
    // takes 8 times as long, quadratic work 64 times; the bar is 24.
    const line = (head: string, n: number): string => {
      const tail = [Buffer.alloc(n, 'a'), Buffer.from([0xff, 0xfe, 0x00, 0x0d]), Buffer.alloc(n, ',')];
      return Buffer.concat([Buffer.from(head), ...tail, Buffer.from(':allow')]).toString('utf8');
    };
    // A PrivacyOptions word of 5 MB (the did-you-mean once compared it letter by letter), and a
    // tcprules range in front of 10 MB (expanded, it would be 255 keys of 10 MB each).
    for (const head of ['O PrivacyOptions=', '1-255.']) {
      const big = line(head, 5_000_000);
      const small = line(head, 625_000);
      for (const kind of FILE_KINDS) {
        const bigMs = Math.min(cpuMs(() => checkLint(big, kind)), cpuMs(() => checkLint(big, kind)));
        const smallMs = Math.max(Math.min(cpuMs(() => checkLint(small, kind)), cpuMs(() => checkLint(small, kind))), 5);
        ratios.push(`${kind} ${(bigMs / smallMs).toFixed(1)}`);
        assert.ok(bigMs / smallMs < 24, `${kind}, ${head}: ${bigMs.toFixed(0)} ms for 10 MB, ${smallMs.toFixed(0)} ms for 1.25 MB`);
      }
    }
    t.diagnostic(`CPU time of 10 MB / 1.25 MB: ${ratios.join(', ')}`);
  });
});

describe('fuzz: a sendmail.cf\'s lines, kept as numbers, agree with the lines built as objects', () => {
  const seeds = [...loadFixtures().filter((f) => f.kind === 'sendmail-cf').map((f) => f.text), ''];
  it('kind, letter, physical lines, `#` and the objects the document keeps', () => {
    fc.assert(
      fc.property(fc.nat(seeds.length - 1), fc.array(opArb, { maxLength: 10 }), fc.boolean(), (k, ops, latin1) => {
        cases++;
        const file = new SourceFile('x', mutate(seeds[k]!, ops, latin1));
        const doc = parseAs('sendmail-cf', file);
        const { lines } = doc;
        let next = 1;
        for (let i = 0; i < lines.length; i++) {
          const line = lines.at(i);
          const { joined } = line;
          assert.equal(line.index, i);
          assert.equal(lines.kind(i), line.kind);
          assert.equal(lines.letter(i), line.letter);
          assert.equal(lines.startLine(i), next, 'the lines follow one another');
          assert.equal(joined.startLine, next);
          assert.equal(lines.lineCount(i), joined.lineCount);
          assert.equal(lines.hasHash(i), joined.text.includes('#'));
          // readcf's grouping: a physical line continues the one before it exactly when it starts with a blank.
          for (let n = next; n < next + joined.lineCount; n++) {
            const blank = /^[ \t]/.test(file.line(n));
            assert.equal(blank, n > next || (n === 1 && blank), `line ${n}`);
          }
          next += joined.lineCount;
        }
        assert.equal(next - 1, file.lineCount, 'every physical line is in a logical one');
        // What the document keeps is the line at its index, and reads as a line built again.
        const kept = [...doc.options, ...doc.mailers, ...doc.macros, ...doc.headers].map((x) => x.line);
        if (doc.versionLine) kept.push(doc.versionLine);
        for (const line of kept) {
          assert.equal(lines.at(line.index), line);
          const again = lines.build(line.index);
          assert.deepEqual([again.text, again.commentAt, again.pieces, again.joined.text], [line.text, line.commentAt, line.pieces, line.joined.text]);
        }
      }),
      runs(150, 10_000),
    );
  });
});

describe('fuzz: an aliases entry continued over lines reads as its lines joined into one', () => {
  const seeds = [...loadFixtures().filter((f) => f.kind === 'aliases').map((f) => f.text), ''];
  // Pieces that make entries continue (a blank at a line's start, a backslash at its end), quote,
  // end early, or hold programs, files and :include: lists.
  const piece = fc.constantFrom('\n', '\n ', '\n\t', '\\\n', '\r\n', ':', ' ', 'name', 'Name', '"q n"', '\\', ',', '|/bin/prog', '/var/f', ':include:/l', '#', 'x@y', '\n\n');
  const text = fc.oneof(
    fc.tuple(fc.nat(seeds.length - 1), fc.array(opArb, { maxLength: 10 }), fc.boolean()).map(([i, ops, latin1]) => mutate(seeds[i]!, ops, latin1)),
    fc.array(piece, { maxLength: 60 }).map((p) => p.join('')),
  );
  it('name, value, key, name columns, deliveries and empty values', () => {
    fc.assert(
      fc.property(text, (t) => {
        cases++;
        const file = new SourceFile('a', t);
        const doc = parseAliases(file);
        const delivering = new Set(doc.withDeliveries.map((e) => e.line));
        const emptyAt = new Set(doc.emptyValue.map((e) => e.line));
        const lines = new Set<number>();
        for (let i = 0; i < doc.entries.length; i++) {
          const e = doc.entries.at(i)!;
          lines.add(e.line);
          const physical: string[] = [];
          for (let n = e.line; n <= e.endLine; n++) physical.push(n < e.endLine ? file.line(n).replace(/\\$/, '') : file.line(n));
          // A first line of only a backslash can leave a joined text that starts with a blank or `#`, which
          // a line of its own does not read as an entry.
          if (/^[ \t#]/.test(physical.join(''))) continue;
          const one = parseAliases(new SourceFile('b', physical.join('')));
          assert.equal(one.entries.length, 1, JSON.stringify(physical));
          const o = one.entries.at(0)!;
          assert.deepEqual([e.name, e.value, e.key, doc.keys.at(i), doc.entries.nameAt(i)], [o.name, o.value, o.key, o.key, o.name]);
          assert.equal(delivering.has(e.line), one.withDeliveries.length === 1, 'a program, file or :include: target is seen');
          // And as the rule says, independently of the parser: the name ends at the first colon outside
          // quotes (a backslash escapes the next character); a value with `|`, `/` or `:` may deliver.
          const joined = physical.join('');
          let colon = 0;
          for (let quoted = false; colon < joined.length && (joined[colon] !== ':' || quoted); colon++) {
            if (joined[colon] === '"') quoted = !quoted;
            else if (joined[colon] === '\\') colon++;
          }
          assert.deepEqual([e.name, e.value], [joined.slice(0, colon).replace(/^[\t-\r ]+|[\t-\r ]+$/g, ''), joined.slice(colon + 1)]);
          assert.equal(delivering.has(e.line), /[|/:]/.test(e.value));
          const cols = new Int32Array(2);
          const span = e.nameSpan;
          if (doc.entries.nameColumns(i, cols, 0)) {
            assert.deepEqual([span.start.line, span.end.line, span.start.column, span.end.column], [e.line, e.line, cols[0], cols[1]]);
          }
          if (span.start.line === e.line && span.end.line === e.line) assert.deepEqual([span.start.column, span.end.column], [o.nameSpan.start.column, o.nameSpan.end.column]);
        }
        for (const line of emptyAt) assert.ok(!lines.has(line), 'an entry with an empty value is no entry');
      }),
      runs(300, 20_000),
    );
  });
});

describe('fuzz: the programs of a program alias', () => {
  it('a plain command reads as the general parse reads it (a trailing " ;" forces that one)', () => {
    const word = fc.constantFrom('/usr/bin/procmail', 'exec', 'env', 'nice', '-n', '5', 'sh', '-c', '-xc', 'perl', '/bin/sh/', 'uudecode', 'X=1', 'a', '');
    const blank = fc.constantFrom(' ', '\t', '  ', '\r');
    fc.assert(
      fc.property(fc.array(fc.tuple(word, blank), { maxLength: 8 }), (ws) => {
        cases++;
        const command = ws.map(([w, b]) => w + b).join('');
        // A blank before the ";": a word of its own, which no shell-with--c test looks at.
        const [plain, general] = [command, `${command} ;`].map((c) => {
          const t = parseAliases(new SourceFile('a', `a: "|${c}"\n`)).withDeliveries[0]?.deliveries[0];
          return t ? { programs: programsOf(t), uudecode: uudecodeIn(t), dangerous: dangerousProgram(t) } : undefined;
        });
        assert.deepEqual(plain, general, JSON.stringify(command));
      }),
      runs(300, 10_000),
    );
  });
});

describe('fuzz: the policy loader', () => {
  const dir = tempDir('mh-fuzz-policy-');
  const path = join(dir, 'p.yaml');
  const example = readFileSync(join(ROOT, 'examples', 'policy.yaml'), 'utf8');
  const keys = Object.keys(POLICY_SCHEMA.properties);
  /** loadPolicy gives a policy or a UserError whose every line is `p.yaml:LINE:COL: …`; nothing else. */
  const check = async (text: string): Promise<void> => {
    cases++;
    writeFileSync(path, text);
    try {
      await loadPolicy(path, 'p.yaml');
    } catch (e) {
      assert.ok(e instanceof UserError, `not a UserError: ${(e as Error).stack}`);
      for (const line of e.message.split('\n')) assert.match(line, /^p\.yaml(:\d+:\d+)?: /, `${JSON.stringify(text.slice(0, 300))}`);
    }
  };
  it('random documents of the policy\'s keys with any values', async () => {
    const doc = fc.dictionary(fc.oneof(fc.constantFrom(...keys), fc.string({ maxLength: 12 })), fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant(1)), { maxKeys: 8 }).map((o) => ({ version: 1, ...o }));
    await fc.assert(fc.asyncProperty(doc, async (o) => check(stringify(o))), runs(100, 10_000));
  });
  it('the example policy, mutated', async () => {
    await fc.assert(fc.asyncProperty(fc.array(opArb, { maxLength: 6 }), fc.boolean(), async (ops, latin1) => check(mutate(example, ops, latin1))), runs(100, 10_000));
  });
});

/** Strings that pass the schema's patterns but hold everything those patterns allow. */
const segment = fc.stringMatching(/^[A-Za-z0-9._+-]{1,10}$/).filter((s) => s !== '.' && s !== '..');
const absPath = fc.array(segment, { minLength: 1, maxLength: 4 }).map((p) => `/${p.join('/')}`);
const label = fc.stringMatching(/^[A-Za-z0-9]([A-Za-z0-9-]{0,8}[A-Za-z0-9])?$/);
const domain = fc.array(label, { minLength: 1, maxLength: 3 }).map((l) => l.join('.'));
const aliasName = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._+-]{0,12}$/);
const aliasTarget = fc.tuple(fc.stringMatching(/^[A-Za-z0-9._+-]{1,12}$/), fc.option(domain)).map(([l, d]) => (d ? `${l}@${d}` : l));
const cidr4 = fc.tuple(fc.integer({ min: 8, max: 32 }), fc.nat(2 ** 32 - 1)).map(([bits, n]) => {
  const net = Math.floor(n / 2 ** (32 - bits)) * 2 ** (32 - bits);
  return `${[24, 16, 8, 0].map((s) => Math.floor(net / 2 ** s) % 256).join('.')}/${bits}`;
});
const cidr6 = fc.tuple(fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 1, maxLength: 4 })).map(([g]) => `${g.map((x) => x.toString(16)).join(':')}${g.length < 8 ? '::' : ''}/${g.length * 16}`);
const hostilePolicy: fc.Arbitrary<Policy> = fc.record(
  {
    version: fc.constant(1 as const),
    mta: fc.constantFrom<Policy['mta']>(['sendmail'], ['qmail'], ['sendmail', 'qmail']),
    paths: fc.record({ mailDir: absPath, aliases: absPath, smrshDir: absPath, mqueue: absPath, qmailDir: absPath, tcpRules: absPath }, { requiredKeys: [] }),
    relay: fc.record({ networks: fc.uniqueArray(fc.oneof(cidr4, cidr6), { maxLength: 4 }), domains: fc.uniqueArray(fc.oneof(domain, domain.map((d) => `.${d}`)), { maxLength: 4 }) }, { requiredKeys: [] }),
    privacy: fc.uniqueArray(fc.constantFrom('noexpn', 'novrfy', 'goaway', 'restrictqrun', 'authwarnings', 'noetrn', 'needmailhelo'), { maxLength: 5 }),
    smrsh: fc.record({ allow: fc.uniqueArray(absPath, { maxLength: 3 }) }),
    aliases: fc.record({ strip: fc.uniqueArray(aliasName, { maxLength: 3 }), root: aliasTarget, postmaster: aliasTarget }, { requiredKeys: [] }),
    greeting: fc.stringMatching(/^[A-Za-z0-9$ .,:;()_+@/-]{0,40}$/).map((s) => `$j ${s}`.trim()),
    help: fc.boolean(),
    logLevel: fc.integer({ min: 0, max: 99 }),
    listen: fc.constantFrom<Policy['listen']>('local-only', 'all'),
    auth: fc.record({ 'require-tls': fc.boolean() }),
    forwardPath: fc.array(fc.stringMatching(/^[A-Za-z0-9$._/+{}-]{1,20}$/), { maxLength: 3 }),
    dontBlameSendmail: fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,20}$/), { maxLength: 3 }),
    unsafeGroupWrites: fc.boolean(),
    receivedHeader: fc.stringMatching(/^[A-Za-z0-9 $?|.,:;()_+@/={}<>!&%*-]{1,60}$/),
    limits: fc.record({ maxDaemonChildren: fc.integer({ min: 1, max: 100000 }), connectionRateThrottle: fc.integer({ min: 1, max: 100000 }), maxRecipientsPerMessage: fc.integer({ min: 1, max: 1000000 }), badRcptThrottle: fc.integer({ min: 1, max: 100000 }), maxMessageSize: fc.integer({ min: 1, max: 2147483647 }) }, { requiredKeys: [] }),
    runAsUser: fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9._-]{0,10}(:[A-Za-z0-9_][A-Za-z0-9._-]{0,10})?$/),
    safeFileEnvironment: absPath,
    accept: fc.uniqueArray(fc.record({ rule: fc.constantFrom('MH3001', 'MH5002', 'MH1018', 'MH1015'), value: fc.stringMatching(/^[A-Za-z0-9.:/,$-]{1,20}$/), reason: fc.stringMatching(/^[A-Za-z0-9 .,:;()_+@/=!?$-]{0,30}[A-Za-z0-9]$/) }), { maxLength: 3, selector: (a) => `${a.rule} ${a.value}` }),
  },
  { requiredKeys: ['version'] },
);

/** The shapes a new line of each artifact may take: a policy value can never add a line of another shape. */
const NEW_LINE: Record<string, RegExp> = {
  'sendmail.cf': /^(O (PrivacyOptions|SmtpGreetingMessage|HelpFile|LogLevel|AuthOptions|DaemonPortOptions|ForwardPath|DontBlameSendmail|UnsafeGroupWrites|MaxDaemonChildren|ConnectionRateThrottle|MaxRecipientsPerMessage|BadRcptThrottle|MaxMessageSize|RunAsUser|SafeFileEnvironment)=[^\n]*|HReceived: [^\n]*|# mailharden-disable-next-line MH\d{4} -- accepted in the policy: [^\n]*|Mprog,.*|\t\tA=smrsh -c \$u)$/,
  'sendmail.mc': /^(dnl # mailharden: settings of the hardening policy|dnl # mailharden-disable-next-line MH\d{4} -- accepted in the policy: [^\n]*|define\(`(confPRIVACY_FLAGS|confSMTP_LOGIN_MSG|HELP_FILE|confLOG_LEVEL|confAUTH_OPTIONS|confFORWARD_PATH|confDONT_BLAME_SENDMAIL|confUNSAFE_GROUP_WRITES|confRECEIVED_HEADER|confMAX_DAEMON_CHILDREN|confCONNECTION_RATE_THROTTLE|confMAX_RCPTS_PER_MESSAGE|confBAD_RCPT_THROTTLE|confMAX_MESSAGE_SIZE|confRUN_AS_USER|confSAFE_FILE_ENV)', `{1,3}[^`'\n]*'{1,3}\)dnl|FEATURE\(`(smrsh|no_default_msa)'\)dnl|DAEMON_OPTIONS\(`[^`'\n]*'\)dnl)$/,
  // An indented line after a comment, which sendmail drops, is written as a comment (`#` added).
  aliases: /^([A-Za-z0-9._+-]+: [A-Za-z0-9._+@-]+|#[ \t][^\n]*|# mailharden-disable-next-line MH\d{4} -- accepted in the policy: [^\n]*|# \/etc\/aliases: written by mailharden from the hardening policy\.|# Rebuild the database with newaliases after editing\.)$/,
  access: /^(Connect:([0-9.]+|IPv6:[0-9a-f:]+)\tRELAY|# (BEGIN|END) mailharden relay networks.*|# mailharden-disable-next-line MH\d{4} -- accepted in the policy: [^\n]*|# [0-9a-f:.]+\/\d+: [^\n]*)$/,
  'tcp.smtp': /^([0-9.-]+:allow,RELAYCLIENT=""|:allow|# [^\n]*)$/,
  rcpthosts: /^\.?[A-Za-z0-9.-]+$/,
  'relay-domains': /^[A-Za-z0-9.-]+$/,
  helpfile: /^[a-z#]+\t[^\n]*$/,
};
const SCRIPT_LINE = new RegExp(
  [
    String.raw`#.*`,
    String.raw`set -eu`,
    String.raw`mkdir -p '[^']*'`,
    String.raw`if \[ "\$\(readlink '[^']*' 2>/dev/null \|\| true\)" != '[^']*' \]; then rm -f '[^']*'; ln -s '[^']*' '[^']*'; fi`,
    String.raw`rm -f '[^']*'`,
    String.raw`chmod [0-7]{4} '[^']*'`,
    String.raw`chattr \+i '[^']*'`,
    String.raw`'[^']*'( '[^']*')*( < '[^']*')?`,
  ]
    .map((r) => `(?:${r})`)
    .join('|')
    .replace(/^/, '^(?:')
    .concat(')$'),
);

describe('fuzz: hostile policy values that pass the schema never add a line to a config or a command to a script', () => {
  it('every artifact, rendered from generated policies over the example tree', async (t) => {
    const render = await loadTemplates();
    const { root } = exampleRoot('mh-fuzz-tree-');
    const dir = tempDir('mh-fuzz-p-');
    let checked = 0;
    let scripts = 0;
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(hostilePolicy, fc.stringMatching(/^[^\0/]{1,30}$/), async (policy, name) => {
        cases++;
        const path = join(dir, 'p.yaml');
        writeFileSync(path, stringify(policy));
        let policyIn: Policy;
        try {
          policyIn = await loadPolicy(path, 'p.yaml');
        } catch {
          return; // The schema or the semantic checks refused it: nothing reaches a renderer.
        }
        valid++;
        const plan = buildPlan(policyIn, { root, render, policyName: policyLabel(name), attributes: () => new Map() });
        for (const f of plan.files.filter(changes)) {
          const before = new Map<string, number>();
          for (const l of (f.before ?? '').split('\n')) before.set(l, (before.get(l) ?? 0) + 1);
          for (const l of f.after.split('\n')) {
            const n = before.get(l) ?? 0;
            if (n > 0) {
              before.set(l, n - 1);
              continue;
            }
            if (l === '') continue;
            assert.match(l, NEW_LINE[f.artifact]!, `${f.artifact}: a new line of another shape, from ${JSON.stringify(policyIn)}`);
          }
          if (f.kind === 'sendmail-cf' && policyIn.greeting !== undefined) {
            const cf = parseAs('sendmail-cf', new SourceFile('cf', f.after));
            assert.equal(cf.sendmail.get('SmtpGreetingMessage')?.value, policyIn.greeting, 'the greeting reads back whole');
          }
          if (f.kind === 'sendmail-cf') {
            const cf = parseAs('sendmail-cf', new SourceFile('cf', f.after)).sendmail;
            if (policyIn.receivedHeader !== undefined) assert.equal(cf.receivedHeader?.value, policyIn.receivedHeader, 'the Received header reads back whole');
            if (policyIn.forwardPath !== undefined) assert.equal(cf.get('ForwardPath')?.value, policyIn.forwardPath.join(':'), 'ForwardPath reads back whole');
            if (policyIn.runAsUser !== undefined) assert.equal(cf.get('RunAsUser')?.value, policyIn.runAsUser, 'RunAsUser reads back whole');
          }
          if (f.kind === 'aliases') {
            const keys = new Set(parseAliases(new SourceFile('a', f.after)).keys);
            for (const s of policyIn.aliases?.strip ?? []) assert.ok(!keys.has(s.toLowerCase()), `${s} still there`);
          }
          checked++;
        }
        const script = planScript(plan, render);
        for (const l of script.split('\n')) if (l !== '') assert.match(l, SCRIPT_LINE, `script line from ${JSON.stringify(policyIn)}`);
        if (scripts++ < (LONG ? 200 : 20)) assert.equal(spawnSync('sh', ['-n'], { input: script }).status, 0, script);
      }),
      runs(150, 10_000),
    );
    t.diagnostic(`${valid} valid generated policies, ${checked} changed files checked, ${scripts} scripts`);
    assert.ok(valid > 0 && checked > valid, 'most generated policies are valid and render several files');
  });
});

describe('fuzz: how many cases ran', () => {
  it('counts', (t) => {
    t.diagnostic(`fuzz cases: ${cases}`);
    assert.ok(cases > 0);
  });
});
