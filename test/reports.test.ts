import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, run } from './helpers/cli.js';
import { needs, tempDir } from './helpers/real.js';
import { STIG_ITEMS } from '../src/core/stig.js';
import { hostOf } from '../src/formatters/html.js';
import { formatXccdf } from '../src/formatters/xccdf.js';
import { lintText, rules } from '../src/index.js';

/**
 * The reports for auditors and compliance tools (issue 21), each read by its real consumer: the JUnit
 * XML by xmllint against the schema of what GitLab's and Jenkins' parsers read (test/schemas/junit.xsd).
 */

const XMLLINT = '/usr/bin/xmllint';
const JUNIT_XSD = join(ROOT, 'test', 'schemas', 'junit.xsd');

/** Config text and a file name an attacker controls: markup, a CDATA end, quotes, ESC, a bidi override, a NUL-free C0 set, U+FFFF. */
const HOSTILE_NAME = 'evil<&"]]>\x1b[31m\u202e.aliases';
const HOSTILE_ALIASES = [
  '# aliases of a hostile host ]]> <script>alert(1)</script> & "x"',
  'postmaster: root',
  'decode: "|/usr/bin/uudecode"',
  'mal\x01ory\x1b[2J\u202e]]><b>: "|/usr/bin/uudecode ]]><!--&\uffff"',
  '# mailharden-disable-next-line MH2001 -- ticket <OPS-1> & "]]>"',
  'uudecode: "|/usr/bin/uudecode"',
  '',
].join('\n');

/** A copy of the sample config repository (two hosts), with the hostile aliases file in it. */
function hostileRepo(): string {
  const repo = join(tempDir(), 'repo');
  cpSync(join(ROOT, 'fixtures', 'ci-repo'), repo, { recursive: true });
  mkdirSync(join(repo, '.git'));
  mkdirSync(join(repo, 'hostile'));
  writeFileSync(join(repo, 'hostile', HOSTILE_NAME), HOSTILE_ALIASES);
  return repo;
}

interface JsonFinding { ruleId: string; file: string; line: number; suppressed: boolean; suppression?: { kind: string } }

const xpath = (file: string, expr: string): string => {
  const r = spawnSync(XMLLINT, ['--xpath', expr, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim();
};

describe('-f junit', () => {
  it('is valid against the schema of what GitLab and Jenkins read: a test case per rule and file, a failure per finding, suppressed ones skipped', (t) => {
    if (!needs(t, XMLLINT)) return;
    const repo = hostileRepo();
    const files = ['hosts/mx1/etc/aliases', `hostile/${HOSTILE_NAME}`];
    const r = run(['lint', '-f', 'junit=report.xml', '-f', 'json=report.json', '--fail-on', 'none', '--type', 'aliases', ...files], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    const xml = join(repo, 'report.xml');
    const v = spawnSync(XMLLINT, ['--noout', '--schema', JUNIT_XSD, xml], { encoding: 'utf8' });
    assert.equal(v.status, 0, `xmllint: ${v.stderr}`);
    const findings = (JSON.parse(readFileSync(join(repo, 'report.json'), 'utf8')) as { findings: JsonFinding[] }).findings;
    const open = findings.filter((f) => !f.suppressed);
    assert.ok(open.length >= 5 && findings.some((f) => f.suppressed), 'the run has findings and a suppressed one');
    assert.equal(Number(xpath(xml, 'count(//testcase[failure])')), open.length, 'one failing test case a finding');
    assert.equal(Number(xpath(xml, 'count(//testcase[skipped])')), findings.length - open.length, 'suppressed findings are skipped test cases');
    assert.equal(Number(xpath(xml, 'string(/testsuites/@failures)')), open.length);
    assert.equal(Number(xpath(xml, 'count(/testsuites/testsuite)')), 2, 'one suite a file');
    assert.equal(Number(xpath(xml, 'string(/testsuites/@tests)')), Number(xpath(xml, 'count(//testcase)')));
    // Every aliases rule has a test case on every file: passing where it found nothing.
    const aliasRules = (JSON.parse(run(['rules', '--format', 'json']).stdout) as { id: string; kinds: string[] }[]).filter((m) => m.kinds.includes('aliases')).map((m) => m.id);
    for (const [k, file] of files.entries()) {
      for (const id of aliasRules) {
        const n = Number(xpath(xml, `count(//testsuite[${k + 1}]/testcase[@classname="mailharden.${id}"])`));
        const expected = Math.max(1, findings.filter((f) => f.file === file && f.ruleId === id).length);
        assert.equal(n, expected, `${file} ${id}`);
      }
    }
    // The finding and the file GitLab links it to.
    const decode = open.find((f) => f.file === 'hosts/mx1/etc/aliases' && f.ruleId === 'MH2001')!;
    assert.equal(xpath(xml, `string(//testcase[@classname="mailharden.MH2001" and @file="hosts/mx1/etc/aliases"]/failure/@type)`), 'high');
    assert.match(xpath(xml, `string(//testcase[@classname="mailharden.MH2001" and @file="hosts/mx1/etc/aliases"]/@name)`), new RegExp(`^MH2001 decode-alias \\(line ${decode.line}, `));
    // Hostile text: well-formed (the schema check parsed it), nothing raw that a terminal or viewer acts on,
    // and what the parser reads back is the escaped form.
    const text = readFileSync(xml, 'utf8');
    assert.doesNotMatch(text, /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e\uffff]/u);
    assert.ok(!text.includes('<script>') && !text.includes('<b>'));
    const name = xpath(xml, 'string(//testsuite[2]/@name)');
    assert.equal(name, 'hostile/evil<&"]]>\\x1b[31m\\u202e.aliases');
    assert.match(xpath(xml, `string(//testsuite[2]/testcase[skipped]/skipped/@message)`), /^suppressed: ticket <OPS-1> & "]]>"$/);
    assert.match(xpath(xml, 'string(//testsuite[2]/testcase[failure][2]/failure)'), /mal\\x01ory\\x1b\[2J\\u202e\]\]><b>/);
  });

  it('--root: a suite for the tree\'s host rules, which pass there only when they found nothing anywhere', (t) => {
    if (!needs(t, XMLLINT)) return;
    const dir = tempDir();
    const xml = join(dir, 'root.xml');
    const r = run(['lint', '--root', 'examples', '-f', `junit=${xml}`, '-f', `json=${join(dir, 'root.json')}`, '--fail-on', 'none']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(spawnSync(XMLLINT, ['--noout', '--schema', JUNIT_XSD, xml]).status, 0);
    const host = (JSON.parse(readFileSync(join(dir, 'root.json'), 'utf8')) as { findings: JsonFinding[] }).findings.filter((f) => f.ruleId.startsWith('MH6'));
    assert.ok(host.length > 0, 'examples/ has host findings');
    assert.ok(Number(xpath(xml, 'count(//testsuite[@name="examples"]/testcase)')) > 10, 'the tree\'s suite lists the host rules that passed');
    for (const f of host) {
      assert.equal(Number(xpath(xml, `count(//testsuite[@name="examples"]/testcase[@classname="mailharden.${f.ruleId}"])`)), 0, `${f.ruleId} found something: it passes nowhere`);
      assert.ok(Number(xpath(xml, `count(//testsuite[@name="${f.file}"]/testcase[@classname="mailharden.${f.ruleId}"][failure])`)) >= 1);
    }
  });

  it('the schema rejects what the parsers would misread (so the test above can fail)', (t) => {
    if (!needs(t, XMLLINT)) return;
    const dir = tempDir();
    const bad = {
      'two results in one test case': '<testsuites tests="1" failures="2" errors="0" skipped="0"><testsuite name="a" tests="1" failures="2" errors="0" skipped="0"><testcase name="x" classname="c" file="a"><failure message="m"/><failure message="n"/></testcase></testsuite></testsuites>',
      'a test case without its file': '<testsuites tests="1" failures="0" errors="0" skipped="0"><testsuite name="a" tests="1" failures="0" errors="0" skipped="0"><testcase name="x" classname="c"/></testsuite></testsuites>',
      'a suite without counts': '<testsuites tests="1" failures="0" errors="0" skipped="0"><testsuite name="a"><testcase name="x" classname="c" file="a"/></testsuite></testsuites>',
    };
    for (const [what, xml] of Object.entries(bad)) {
      const p = join(dir, 'bad.xml');
      writeFileSync(p, xml);
      assert.notEqual(spawnSync(XMLLINT, ['--noout', '--schema', JUNIT_XSD, p]).status, 0, what);
    }
  });
});

const OSCAP = '/usr/bin/oscap';

/** `oscap xccdf validate`: its exit status and what it said (warnings are allowed, errors are not). */
function oscapValidate(file: string): { status: number | null; output: string } {
  const r = spawnSync(OSCAP, ['xccdf', 'validate', file], { encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('XCCDF 1.2', () => {
  it('`rules --format xccdf` is a benchmark of every rule that oscap validates, references as idents and references', (t) => {
    if (!needs(t, OSCAP, XMLLINT)) return;
    const dir = tempDir();
    const file = join(dir, 'benchmark.xml');
    const r = run(['rules', '--format', 'xccdf']);
    assert.equal(r.code, 0, r.stderr);
    writeFileSync(file, r.stdout);
    const v = oscapValidate(file);
    assert.equal(v.status, 0, v.output);
    assert.doesNotMatch(v.output, /error/i);
    const metas = JSON.parse(run(['rules', '--format', 'json']).stdout) as { id: string; references: string[] }[];
    assert.equal(Number(xpath(file, 'count(/*[local-name()="Benchmark"]/*[local-name()="Rule"])')), metas.length);
    const rule = (id: string, what: string): string => xpath(file, `/*[local-name()="Benchmark"]/*[local-name()="Rule"][@id="xccdf_io.github.mailharden_rule_${id}"]/${what}`);
    assert.match(rule('MH1001', '*[local-name()="ident"]'), /system="https:\/\/public\.cyber\.mil\/stigs\/">GEN004660</);
    assert.match(rule('MH1001', '@severity'), /^severity="(low|info|medium|high)"$/);
    // The STIG item's checklist ids (DISA's RHEL 5 STIG V1R18 and CCI list; src/core/stig.ts).
    const idents = rule('MH1001', '*[local-name()="ident"]');
    assert.match(idents, /system="https:\/\/public\.cyber\.mil\/stigs\/">V-4692</);
    assert.match(idents, /system="https:\/\/public\.cyber\.mil\/stigs\/">SV-37510r1_rule</);
    assert.match(idents, /system="http:\/\/iase\.disa\.mil\/cci">CCI-000366</);
    assert.match(rule('MH1001', '*[local-name()="reference"]'), />NIST-800-53r4:CM-6 b</);
    // Every STIG item a rule names has its ids: a new one needs them from DISA's publications first.
    for (const m of metas) for (const ref of m.references.filter((x) => x.startsWith('DISA-STIG:GEN'))) assert.ok(STIG_ITEMS[ref.slice('DISA-STIG:'.length)], `${m.id} ${ref}`);
    const cis = metas.find((m) => m.references.some((x) => x.startsWith('CIS:')))!;
    assert.match(rule(cis.id, '*[local-name()="reference"]'), /CIS:/);
  });

  it('`lint -f xccdf` is a benchmark with the run\'s TestResult: oscap validates it and renders its report with the counts', (t) => {
    if (!needs(t, OSCAP, XMLLINT)) return;
    const repo = hostileRepo();
    const r = run(['lint', '-f', 'xccdf=results.xml', '-f', 'json=report.json', '--fail-on', 'none', 'hosts/mx1/etc/aliases', 'hosts/mx1/etc/mail/sendmail.cf', `hostile/${HOSTILE_NAME}`], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    const file = join(repo, 'results.xml');
    const v = oscapValidate(file);
    assert.equal(v.status, 0, v.output);
    assert.doesNotMatch(v.output, /error/i);
    const findings = (JSON.parse(readFileSync(join(repo, 'report.json'), 'utf8')) as { findings: JsonFinding[] }).findings;
    const failing = new Set(findings.filter((f) => !f.suppressed).map((f) => f.ruleId));
    const results = (kind: string): string[] => xpath(file, `//*[local-name()="rule-result"][*[local-name()="result"]="${kind}"]/@idref`).split(/\s+/).filter(Boolean).map((a) => a.replace(/^idref="xccdf_io\.github\.mailharden_rule_(.*)"$/, '$1')).sort();
    assert.deepEqual(results('fail'), [...failing].sort());
    // MH2001 found decode on mx1 and the hostile file's one more is suppressed: it fails all the same.
    assert.ok(failing.has('MH2001'));
    const passed = results('pass');
    assert.ok(passed.includes('MH2006'), 'an aliases rule with no finding passed');
    assert.ok(results('notapplicable').includes('MH4001'), 'a qmail rule: no qmail file was checked');
    assert.equal(xpath(file, 'string(//*[local-name()="TestResult"]/*[local-name()="target"])'), `hosts/mx1/etc/aliases hosts/mx1/etc/mail/sendmail.cf hostile/${HOSTILE_NAME}`.replace('\x1b', '\\x1b').replace('\u202e', '\\u202e'));
    // oscap's own report of the results: made without an error, with the rules and the counts.
    const report = spawnSync(OSCAP, ['xccdf', 'generate', 'report', file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
    assert.equal(report.status, 0, report.stderr);
    assert.equal(report.stderr, '');
    assert.match(report.stdout, new RegExp(`>${passed.length} passed<|\\b${passed.length} passed\\b`));
    assert.match(report.stdout, new RegExp(`\\b${failing.size} failed\\b`));
    assert.ok(report.stdout.includes('xccdf_io.github.mailharden_rule_MH2001'));
    assert.ok(!report.stdout.includes('<b>:'), 'the hostile alias name is text in the rendered report');
  });

  it('a run of more findings than a call takes arguments (a fleet of hostile aliases files, 20,000 a rule and file) is one message each', () => {
    // Eight files of the 20,000 decode aliases the engine lists of one rule in one file: 160,000 findings.
    const one = lintText('decode: "|/usr/bin/uudecode"\n', 'aliases').find((f) => f.ruleId === 'MH2001')!;
    const findings = Array.from({ length: 160_000 }, (_, i) => ({ ...one, file: `hosts/h${i % 8}/etc/aliases`, line: Math.floor(i / 8) + 1, endLine: Math.floor(i / 8) + 1 }));
    const metas = rules.map((r) => r.meta);
    const xml = formatXccdf(metas, '1', { report: { tool: { name: 'mailharden', version: '1' }, findings, files: 8, rules: metas }, run: { target: 'hosts', endTime: '2026-01-01T00:00:00Z' } });
    assert.equal(xml.match(/<message /g)?.length, findings.length);
    assert.ok(xml.endsWith('</TestResult>\n</Benchmark>\n'));
  });

  it('oscap rejects a result it cannot take (so the tests above can fail)', (t) => {
    if (!needs(t, OSCAP)) return;
    const repo = hostileRepo();
    run(['lint', '-f', 'xccdf=results.xml', '--fail-on', 'none', 'hosts/mx1/etc/aliases'], { cwd: repo });
    const file = join(repo, 'results.xml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('<result>fail</result>', '<result>failed</result>'));
    assert.notEqual(oscapValidate(file).status, 0);
  });
});

const CHROMIUM = '/usr/bin/chromium';

/** The DOM of a page after its scripts ran, as headless Chromium dumps it. */
function dumpDom(url: string): string {
  const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', url], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

/** The findings shown (not hidden) in a dumped DOM, by their data attributes. */
function shownFindings(dom: string): { severity: string; rule: string; suppressed: string }[] {
  return [...dom.matchAll(/<article class="finding[^"]*" data-severity="([a-z]+)" data-rule="([A-Z0-9]+)" data-suppressed="(true|false)"( hidden(="")?)?>/g)].filter((m) => !m[4]).map((m) => ({ severity: m[1]!, rule: m[2]!, suppressed: m[3]! }));
}

describe('-f html', () => {
  /** The sample repository with a third host whose name and aliases are hostile. */
  function fleet(): { repo: string; findings: (JsonFinding & { severity: string })[]; html: string } {
    const repo = hostileRepo();
    const evil = join(repo, 'hosts', 'mx3<b>"\'&\x1b[31m\u202e', 'etc');
    mkdirSync(evil, { recursive: true });
    writeFileSync(join(evil, 'aliases'), HOSTILE_ALIASES);
    const r = run(['lint', '-f', 'html=report.html', '-f', 'json=report.json', '--fail-on', 'none', 'hosts'], { cwd: repo });
    assert.equal(r.code, 0, r.stderr);
    const findings = (JSON.parse(readFileSync(join(repo, 'report.json'), 'utf8')) as { findings: (JsonFinding & { severity: string })[] }).findings;
    return { repo, findings, html: join(repo, 'report.html') };
  }

  it('renders a fleet in headless Chromium: the counts in the DOM after its script ran, the filters, the hosts', (t) => {
    if (!needs(t, CHROMIUM)) return;
    const { findings, html } = fleet();
    const open = findings.filter((f) => !f.suppressed);
    assert.ok(open.length > 10 && findings.some((f) => f.suppressed));
    const url = `file://${html}`;
    const dom = dumpDom(url);
    assert.match(dom, /<body data-ready="true">/, 'the inline script ran (its hash is in the Content-Security-Policy)');
    assert.match(dom, new RegExp(`<strong id="shown">${open.length}</strong> of ${findings.length}<`));
    assert.equal(shownFindings(dom).length, open.length, 'suppressed findings are hidden until asked for');
    // One section a host; each says how many of its findings it shows.
    const hosts = [...dom.matchAll(/<section class="host" id="[^"]+" data-host="([^"]+)">\s*<h2>[^<]*<small>\(<span class="shown">(\d+)<\/span>/g)];
    assert.equal(hosts.length, 3);
    assert.deepEqual(hosts.map((h) => Number(h[2])).reduce((a, b) => a + b, 0), open.length);
    assert.equal(Number(hosts.find((h) => h[1] === 'hosts/mx1')![2]), open.filter((f) => f.file.startsWith('hosts/mx1/')).length);
    // The summary by severity.
    for (const sev of ['critical', 'high', 'medium', 'low', 'info']) {
      assert.match(dom, new RegExp(`<tr class="sev-${sev}" data-severity="${sev}"><td><span class="badge">${sev}</span></td><td class="n">${open.filter((f) => f.severity === sev).length}</td>`));
    }
    // Filters from the address: severities; then a rule with the suppressed findings shown.
    const high = shownFindings(dumpDom(`${url}#severity=high,critical`));
    assert.equal(high.length, open.filter((f) => f.severity === 'high' || f.severity === 'critical').length);
    assert.ok(high.length > 0 && high.every((f) => f.severity === 'high' || f.severity === 'critical'));
    const decode = shownFindings(dumpDom(`${url}#rule=MH2001&suppressed=1`));
    assert.equal(decode.length, findings.filter((f) => f.ruleId === 'MH2001').length);
    assert.ok(decode.some((f) => f.suppressed === 'true'));
    // A part that is not percent-encoding (a link cut short) is left out; the rest still applies and the filters work.
    const cut = dumpDom(`${url}#severity=high,critical&rule=%E0%A4%A`);
    assert.match(cut, /<body data-ready="true">/);
    assert.equal(shownFindings(cut).length, high.length);
  });

  it('is one offline file: no script, style, font or image from anywhere, a strict CSP, hostile text inert', (t) => {
    if (!needs(t, CHROMIUM)) return;
    const { html } = fleet();
    const text = readFileSync(html, 'utf8');
    assert.match(text, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[A-Za-z0-9+/=]+'; script-src 'sha256-[A-Za-z0-9+/=]+';/);
    assert.doesNotMatch(text, /<link\b|\bsrc=|url\(|@import/i);
    assert.equal(text.match(/<script\b/g)?.length, 1);
    assert.doesNotMatch(text, /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e]/u);
    assert.ok(text.includes('mal\\x01ory\\x1b[2J\\u202e]]&gt;&lt;b&gt;'), 'the hostile alias is shown escaped');
    assert.ok(text.includes('hosts/mx3&lt;b&gt;&quot;&#39;&amp;\\x1b[31m\\u202e'), 'the hostile host name is shown escaped');
    // In the browser: no element came from the config text.
    const dom = dumpDom(`file://${html}`);
    assert.doesNotMatch(dom, /<b>|<script>alert/);
    assert.equal(dom.match(/<script\b/g)?.length, 1);
  });

  it('tells hosts apart in a repository laid out as hosts/NAME/etc/…, the system itself, files and servers', () => {
    assert.equal(hostOf('hosts/mx1/etc/aliases'), 'hosts/mx1');
    assert.equal(hostOf('fleet/eu/mx2/var/qmail/control/rcpthosts'), 'fleet/eu/mx2');
    assert.equal(hostOf('/etc/mail/sendmail.cf'), '/');
    assert.equal(hostOf('etc/aliases'), '.');
    assert.equal(hostOf('configs/sendmail.cf'), 'configs');
    assert.equal(hostOf('sendmail.cf'), '.');
    assert.equal(hostOf('smtp://mx.example.org:25'), 'smtp://mx.example.org:25');
  });

  it('takes a screenshot in headless Chromium (the one in docs/report.png is made so)', (t) => {
    if (!needs(t, CHROMIUM)) return;
    const { html, repo } = fleet();
    const png = join(repo, 'report.png');
    const r = spawnSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1280,1400', `--screenshot=${png}`, `file://${html}`], { encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    const image = readFileSync(png);
    assert.deepEqual([...image.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], 'a PNG');
    assert.equal(image.readUInt32BE(16), 1280);
    assert.ok(image.length > 20_000, 'not a blank page');
  });
});
