import { readlinkSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { posix } from 'node:path';
import { nameFromBytes } from '../core/fs-names.js';
import { SourceFile } from '../core/source.js';
import { parseAccess } from '../parsers/access.js';
import type { Policy } from '../policy/schema.js';
import { clientEntries, relayKeys, type ClientEntry } from '../render/networks.js';
import type { Dirs } from './dirs.js';
import { aliasesSet, sendmailSettings, type FilePlan, type Plan } from './plan.js';
import { isSubmissionDaemon, SSL_OPTIONS } from '../render/sendmail-cf.js';
import { meetsMinProtocol } from '../model/sendmail-tls.js';
import { which } from './validate.js';
import { currentOwnership, ownershipText } from './owners.js';
import type { Ownership } from '../model/qmail-hier.js';

/** One thing asked of the real programs after apply: what, whether it answered as the policy says, and what it said. */
export interface Check {
  what: string;
  ok: boolean;
  /** What the program answered (raw: escape before showing it). */
  detail: string;
}

/** What a program printed; `error` when it could not be run at all. */
export interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  error?: string;
}

/** Runs a program (argv[0] a name looked up as apply looks up its programs) with `input` on stdin. Tests pass a fake. */
export type Runner = (argv: readonly string[], input: string) => Ran;

/** The real programs of this host. */
export const realRunner: Runner = (argv, input) => {
  const program = which(argv[0]!);
  if (!program) return { status: null, stdout: '', stderr: '', error: `${argv[0]} is not installed` };
  const r = spawnSync(program, argv.slice(1), { input, encoding: 'utf8', timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error.message } : {}) };
};

export interface VerifyOptions {
  run: Runner;
  /** The run's verified directories: links are read back through them. */
  dirs: Dirs;
  /** The cf sendmail is asked about (`-C`), a host path; by default the plan's sendmail.cf. */
  cf?: string;
}

/**
 * Asks the real programs whether what apply wrote is in force: each stripped alias is unknown to
 * `sendmail -bv` (or a plain local user), postmaster and root expand as the policy says, the access map
 * answers RELAY for each key of the policy's networks and its database holds no other RELAY Connect:
 * key than its source, sendmail reads the options the policy sets (`-d37.1 -bt`), and the smrsh links
 * read back as planned. Only meaningful when the plan's paths are the host's (root `/`), or when `cf`
 * names a configuration whose files are those of the plan.
 */
export function verifyApplied(plan: Plan, policy: Policy, o: VerifyOptions): Check[] {
  const checks: Check[] = [];
  const host = (treePath: string): string => posix.join(plan.root, treePath);
  const cfPlan = plan.files.find((f) => f.artifact === 'sendmail.cf');
  const cf = o.cf ?? host(cfPlan?.path ?? `${plan.layout.mailDir}/sendmail.cf`);
  const sendmail = (args: string[], input = ''): Ran => o.run(['sendmail', '-C', cf, ...args], input);
  const aliasFiles = plan.files.filter((f) => f.artifact === 'aliases');

  if (aliasFiles.length && policy.aliases) {
    for (const name of policy.aliases.strip ?? []) checks.push(strippedAlias(name, sendmail(['-bv', name])));
    const wanted = aliasesSet(policy.aliases);
    if (wanted.length) {
      const answers = mapLookups(sendmail(['-bt'], wanted.map(([n]) => `/map aliases ${n}\n`).join('')));
      wanted.forEach(([name, value], i) => {
        const got = answers[i];
        const same = got !== undefined && targets(got).join(',') === targets(value).join(',');
        checks.push({ what: `alias ${name}`, ok: same, detail: got === undefined ? 'sendmail -bt: no answer for /map aliases' : `sendmail -bt: /map aliases ${name} returns ${got}` });
      });
    }
  }

  const access = plan.files.find((f) => f.artifact === 'access');
  const networks = policy.relay?.networks;
  if (access && networks) checks.push(...accessChecks(access, relayKeys(networks).access, sendmail, o.run, host));
  const abuse = policy.abuse;
  if (access && (abuse?.clients?.length || abuse?.clientDefault)) {
    checks.push(clientLimitCheck(clientEntries(abuse.clients ?? [], abuse.clientDefault), sendmail));
    const control = sendmailSettings(policy, plan.layout).clientControl;
    if (control) checks.push(clientControlCheck(control, sendmail));
  }

  if (cfPlan) {
    const settings = sendmailSettings(policy, plan.layout);
    checks.push(...optionChecks(settings, sendmail(['-d37.1', '-bt'], '=M\n')));
    if (settings.authMechanisms !== undefined) checks.push(trustAuthCheck([settings.authMechanisms, ...(plan.trustAuthKept ?? [])].join(' '), sendmail(['-bt'], '$={TrustAuthMech}\n')));
    if (settings.greetPauseMs !== undefined) checks.push(greetPauseCheck(settings.greetPauseMs, sendmail(['-bt'], '=Sgreet_pause\n')));
  }

  for (const a of plan.actions) {
    if (a.type === 'link') {
      const got = readLink(o.dirs, a.path);
      checks.push({ what: `smrsh link ${a.path}`, ok: got === a.target, detail: got === undefined ? 'not a link' : `links to ${got}` });
    } else if (a.type === 'remove') {
      const { dir, name } = o.dirs.parentOf(a.path);
      const left = dir?.lstat(name);
      checks.push({ what: `${a.reason ? '' : 'smrsh '}entry ${a.path} removed`, ok: !left, detail: left ? 'still there' : 'gone' });
    }
  }
  // Owners and modes (hier.c, the log directory): read again through the verified directories.
  for (const a of plan.owners) {
    let now: Ownership | undefined;
    try {
      now = currentOwnership(o.dirs, a.path);
    } catch {
      now = undefined;
    }
    const ok = now !== undefined && now.uid === a.uid && now.gid === a.gid && now.mode === a.mode;
    checks.push({ what: `owner and mode of ${a.path}`, ok, detail: now ? ownershipText(now) : 'absent, or a link' });
  }
  return checks;
}

/** `/map access ClientRate:KEY` (and ClientConn:) in address test mode: the map answers each limit of the policy. */
export function clientLimitCheck(entries: readonly ClientEntry[], sendmail: (args: string[], input?: string) => Ran): Check {
  const answers = mapLookups(sendmail(['-bt'], entries.map((e) => `/map access ${e.tag}:${e.key}\n`).join('')));
  const wrong = entries.filter((e, i) => answers[i] !== String(e.value));
  return { what: 'access map answers the policy\'s client limits (ClientRate:, ClientConn:)', ok: wrong.length === 0, detail: wrong.length ? wrong.slice(0, 10).map((e) => `${e.tag}:${e.key} is ${answers[entries.indexOf(e)] ?? 'no match'}, not ${e.value}`).join(', ') : `${entries.length} entr${entries.length === 1 ? 'y' : 'ies'}` };
}

/**
 * The rulesets of FEATURE(ratecontrol) and FEATURE(conncontrol) in the cf sendmail reads (`=S` in address
 * test mode): without them the map's limits are read by nothing, and the map check alone would pass.
 */
export function clientControlCheck(control: { rate: boolean; conn: boolean }, sendmail: (args: string[], input?: string) => Ran): Check {
  const wanted = [...(control.rate ? ['RateControl'] : []), ...(control.conn ? ['ConnControl'] : [])];
  const r = sendmail(['-bt'], wanted.map((n) => `=S${n}\n`).join(''));
  const lines = said(r);
  // said() drops the prompts: a rule is printed as `R…`; no rule at all is a sendmail that did not read the cf.
  const anyRule = !r.error && lines.some((l) => /^R\S/.test(l));
  const missing = wanted.filter((n) => !anyRule || lines.some((l) => l.includes(`Undefined ruleset ${n}`)));
  return { what: 'the cf has the rulesets that read the client limits (FEATURE(ratecontrol), FEATURE(conncontrol))', ok: missing.length === 0, detail: missing.length ? `sendmail -bt: no ruleset ${missing.join(', ')}: rebuild the cf from the .mc` : wanted.join(', ') };
}

/** The lines a program printed, both streams, without sendmail's warnings about the host (HostStatusDirectory, a world-writable /tmp). */
function said(r: Ran): string[] {
  if (r.error) return [r.error];
  return `${r.stdout}\n${r.stderr}`.split('\n').map((l) => l.replace(/^(> )+/, '').trimEnd()).filter((l) => l !== '' && !/^(Warning|WARNING): /.test(l));
}

/**
 * `sendmail -bv NAME` of a stripped alias: every line is about the name itself (`NAME... User unknown`, or
 * a local user of that name: `NAME... deliverable: mailer local, user NAME`). A line about anything else
 * is a target the alias still expands to.
 */
export function strippedAlias(name: string, r: Ran): Check {
  const lines = said(r);
  const lower = name.toLowerCase();
  const own = (l: string): boolean => {
    const m = /^(.*?)\.\.\. (.*)$/.exec(l);
    if (!m || m[1]!.replace(/^"|"$/g, '').toLowerCase() !== lower) return false;
    return m[2] === 'User unknown' || m[2]!.toLowerCase() === `deliverable: mailer local, user ${lower}`;
  };
  return { what: `alias ${name} stripped`, ok: !r.error && lines.length > 0 && lines.every(own), detail: `sendmail -bv ${name}: ${lines.join(' / ') || '(nothing)'}` };
}

/** An alias value's targets, as sendmail's map returns them, for comparing: split on commas, blanks squeezed, in order. */
function targets(value: string): string[] {
  return value.split(',').map((t) => t.trim().replace(/\s+/g, ' ')).filter(Boolean);
}

/** The answers of `/map` lines in address test mode, in order: the value, or undefined for no match. */
export function mapLookups(r: Ran): (string | undefined)[] {
  const out: (string | undefined)[] = [];
  for (const l of said(r)) {
    const m = /^map_lookup: \S+ \(.*?\) (?:returns (.*) \(\d+\)|no match \(\d+\))$/.exec(l);
    if (m) out.push(m[1]);
  }
  return out;
}

function accessChecks(access: FilePlan, keys: readonly string[], sendmail: (args: string[], input?: string) => Ran, run: Runner, host: (p: string) => string): Check[] {
  const checks: Check[] = [];
  const answers = mapLookups(sendmail(['-bt'], keys.map((k) => `/map access Connect:${k}\n`).join('')));
  const wrong = keys.filter((_, i) => answers[i] !== 'RELAY');
  checks.push({ what: 'access map answers RELAY for the policy networks', ok: wrong.length === 0, detail: wrong.length ? `no RELAY for ${wrong.map((k) => `Connect:${k} (${answers[keys.indexOf(k)] ?? 'no match'})`).slice(0, 10).join(', ')}${wrong.length > 10 ? ', …' : ''}` : `${keys.length} key${keys.length === 1 ? '' : 's'}` });
  // The database is the one rebuilt from the text: no RELAY Connect: key but the text's (a stale or foreign db would relay more).
  const make = access.post.find((c) => c.argv[0] === 'makemap');
  if (make && access.derived) {
    const dumped = run(['makemap', '-u', make.argv[1]!, host(access.derived.replace(/\.db$/, ''))], '');
    const relaying = (pairs: [string, string][]): Set<string> => new Set(pairs.filter(([k, v]) => /^connect:/i.test(k) && v.trim() === 'RELAY').map(([k]) => k.toLowerCase()));
    const inDb = relaying(said(dumped).map((l) => /^(\S+)\s+(.*)$/.exec(l)).filter((m) => m !== null).map((m) => [m[1]!, m[2]!]));
    const inText = relaying(parseAccess(new SourceFile(access.path, access.after)).entries.map((e) => [`${e.tag}:${e.key}`, e.value]));
    const extra = [...inDb].filter((k) => !inText.has(k));
    const missing = [...inText].filter((k) => !inDb.has(k));
    const ok = !dumped.error && dumped.status === 0 && extra.length === 0 && missing.length === 0;
    checks.push({ what: `access database ${access.derived} holds the RELAY entries of ${access.path}`, ok, detail: dumped.error ?? (dumped.status !== 0 ? `makemap -u exit ${dumped.status}: ${said(dumped).slice(0, 3).join(' / ')}` : [extra.length ? `RELAY only in the database: ${extra.slice(0, 10).join(', ')}` : '', missing.length ? `missing from the database: ${missing.slice(0, 10).join(', ')}` : ''].filter(Boolean).join('; ') || `${inDb.size} RELAY Connect: entries`) });
  }
  return checks;
}

/** What `sendmail -d37.1 -bt` (with `=M`) says it read: each option line in order, and each mailer's P=. */
export function readOptions(r: Ran): { options: [string, string][]; mailers: Map<string, string> } {
  const options: [string, string][] = [];
  const mailers = new Map<string, string>();
  for (const line of said(r)) {
    const o = /^setoption (\S+) \((?:0x[0-9a-f]+|.)\)=(.*)$/.exec(line);
    if (o) options.push([o[1]!, o[2]!]);
    const m = /^mailer \d+ \(([^)]+)\): P=(\S+)/.exec(line);
    if (m) mailers.set(m[1]!, m[2]!);
  }
  return { options, mailers };
}

function optionChecks(settings: ReturnType<typeof sendmailSettings>, r: Ran): Check[] {
  const { options, mailers } = readOptions(r);
  if (r.error || (!options.length && r.status !== 0)) return [{ what: 'sendmail reads the cf', ok: false, detail: `sendmail -d37.1 -bt: ${said(r).slice(0, 3).join(' / ') || `exit ${r.status}`}` }];
  const all = (name: string): string[] => options.filter(([n]) => n === name).map(([, v]) => v);
  const last = (name: string): string | undefined => all(name).at(-1);
  const checks: Check[] = [];
  const is = (what: string, name: string, want: string): void => {
    const got = last(name);
    checks.push({ what, ok: got === want, detail: `${name}=${got ?? '(unset)'}` });
  };
  if (settings.privacy) {
    const got = new Set(all('PrivacyOptions').flatMap((v) => v.split(/[\s,]+/)).filter(Boolean).map((w) => w.toLowerCase()));
    const missing = settings.privacy.filter((f) => !got.has(f.toLowerCase()));
    checks.push({ what: 'PrivacyOptions', ok: missing.length === 0, detail: missing.length ? `lacks ${missing.join(',')} (reads ${[...got].join(',')})` : [...got].join(',') });
  }
  if (settings.greeting !== undefined) is('SmtpGreetingMessage', 'SmtpGreetingMessage', settings.greeting);
  if (settings.logLevel !== undefined) is('LogLevel', 'LogLevel', String(settings.logLevel));
  if (settings.helpFile) is('HelpFile', 'HelpFile', settings.helpFile);
  if (settings.authRequireTls) {
    const got = last('AuthOptions') ?? '';
    checks.push({ what: 'AuthOptions requires TLS (p)', ok: /(^|[\s,])p($|[\s,])/.test(got), detail: `AuthOptions=${got || '(unset)'}` });
  }
  if (settings.localOnly) {
    const daemons = all('DaemonPortOptions');
    const open = daemons.filter((d) => !/(^|,)\s*Addr=(127\.\d+\.\d+\.\d+|::1)\s*(,|$)/.test(d));
    checks.push({ what: 'every daemon listens on loopback only', ok: daemons.length > 0 && open.length === 0, detail: daemons.length ? daemons.join(' | ') : 'no DaemonPortOptions' });
  }
  // The options of the keys issue 16 added, each as the cf line apply wrote it (sendmail prints the value it read).
  if (settings.forwardPath !== undefined) is('ForwardPath', 'ForwardPath', settings.forwardPath);
  if (settings.dontBlameSendmail !== undefined) is('DontBlameSendmail', 'DontBlameSendmail', settings.dontBlameSendmail);
  if (settings.unsafeGroupWrites === false) is('UnsafeGroupWrites', 'UnsafeGroupWrites', 'False');
  for (const l of settings.limits ?? []) is(l.option, l.option, String(l.value));
  if (settings.runAsUser !== undefined) is('RunAsUser', 'RunAsUser', settings.runAsUser);
  if (settings.safeFileEnvironment !== undefined) is('SafeFileEnvironment', 'SafeFileEnvironment', settings.safeFileEnvironment);
  for (const t of settings.tls ?? []) is(t.option, t.option, t.value);
  if (settings.minProtocol) {
    for (const name of SSL_OPTIONS) {
      const value = all(name).join(' ');
      checks.push({ what: `${name} turns off every version older than ${settings.minProtocol}`, ok: meetsMinProtocol(value, settings.minProtocol), detail: `${name}=${value || '(unset)'}` });
    }
  }
  if (settings.authMechanisms !== undefined) is('AuthMechanisms', 'AuthMechanisms', settings.authMechanisms);
  if (settings.msa) {
    const msa = all('DaemonPortOptions').filter(isSubmissionDaemon);
    const requiresAuth = (d: string): boolean => d.split(',').some((f) => /^\s*M\w*\s*=\s*\S*a/.test(f) && /^\s*M\w*\s*=\s*\S*E/.test(f));
    checks.push({ what: 'a submission daemon (587) requires AUTH (M=Ea)', ok: msa.length > 0 && msa.every(requiresAuth), detail: msa.length ? msa.join(' | ') : 'no DaemonPortOptions on submission' });
  }
  if (settings.smrsh) {
    const got = mailers.get('prog');
    checks.push({ what: 'the prog mailer runs smrsh', ok: got === settings.smrsh, detail: `prog P=${got ?? '(no prog mailer)'}` });
  }
  return checks;
}

/**
 * `$={TrustAuthMech}` in address test mode: the class holds exactly the policy's mechanisms and those the
 * .mc adds elsewhere (an include()d file, LOCAL_CONFIG), which apply keeps.
 */
export function trustAuthCheck(want: string, r: Ran): Check {
  const got = [...new Set(said(r).filter((l) => /^[A-Z0-9_-]+$/.test(l)))].sort();
  const wanted = [...new Set(want.split(/\s+/).filter(Boolean).map((w) => w.toUpperCase()))].sort();
  return { what: 'class TrustAuthMech', ok: !r.error && got.join(' ') === wanted.join(' '), detail: `sendmail -bt: $={TrustAuthMech} is ${got.join(' ') || '(empty)'}` };
}

/** `=Sgreet_pause` in address test mode: the ruleset exists and its default is the policy's pause. */
export function greetPauseCheck(ms: number, r: Ran): Check {
  // With the access map `R< ? > < $* > $# N`, without it `R$* $# N` (feature/greet_pause.m4).
  const rule = said(r).find((l) => /^R(?:< \? > < \$\* >|\$\*)\s+\$#\s*\d+\s*$/.test(l));
  const got = rule ? Number(/(\d+)\s*$/.exec(rule)![1]) : undefined;
  return { what: 'greet_pause default', ok: got === ms, detail: got === undefined ? 'sendmail -bt: no ruleset greet_pause (FEATURE(`greet_pause\') not in the cf)' : `ruleset greet_pause pauses ${got} ms by default` };
}

/** The text of a link, read through its verified directory; undefined when it is not a link. */
function readLink(dirs: Dirs, path: string): string | undefined {
  const { dir, name } = dirs.parentOf(path);
  if (!dir?.lstat(name)?.isSymbolicLink()) return undefined;
  return nameFromBytes(readlinkSync(dir.at(name), { encoding: 'buffer' }));
}
