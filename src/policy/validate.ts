import type IPCIDRClass from 'ip-cidr';
import { UserError } from '../core/errors.js';
import { groups6 } from '../model/address.js';
import { parseYamlText, readConfigText, sortByPosition } from '../core/yaml-file.js';
import { smrshForbidden } from '../model/programs.js';
import { POLICY_SCHEMA, type Policy } from './schema.js';
import { loadExternal } from '../core/external.js';
import { rules } from '../../rules/index.js';
import { versionMacros } from '../model/option-values.js';
import { softwareWord } from '../model/qmail.js';
import { clientKeys } from '../render/networks.js';
import { firstUnsafeChar, visibleControls } from '../core/visible.js';

/** Files `immutable:` may name: the ones apply manages. */
export const MANAGED_FILES = ['sendmail.cf', 'sendmail.mc', 'submit.cf', 'submit.mc', 'aliases', 'access', 'helpfile', 'rcpthosts', 'morercpthosts', 'tcp.smtp', 'smtpgreeting', 'databytes'] as const;

/** Aliases a policy may not strip: RFC 5321 and the system need them (MH2005). */
const REQUIRED_ALIASES = new Set(['postmaster', 'mailer-daemon', 'root']);

interface Problem {
  path: (string | number)[];
  message: string;
  atKey?: boolean;
}

/**
 * Why a greeting cannot be the policy's (undefined when it can): it shows the software or its
 * version, repeats the "ESMTP" sendmail inserts after the first word (FORMATS.md §3), or does not
 * start with $j or the host name. Shared with `init --from-system`, which keeps a greeting only when
 * the policy could hold it.
 */
export function greetingProblem(greeting: string, hostname: string | undefined): string | undefined {
  const macro = /\$(\{v\}|v|Z|\{Z\}|&v|&Z)/.exec(greeting);
  if (macro) return `shows the version (${macro[0]})`;
  // In sendmail.mc the greeting is the value of an m4 macro: m4 replaces $0 (the macro's name), $1…$9,
  // $#, $* and $@ (its arguments) however the value is quoted; sendmail has no macros by these names.
  const parameter = /\$[0-9#*@]/.exec(greeting);
  if (parameter) return `holds ${parameter[0]}, which m4 replaces (with ${parameter[0] === '$0' ? 'the name confSMTP_LOGIN_MSG' : 'an argument, that is nothing'}) when sendmail.cf is built from sendmail.mc`;
  if (/\b\d+\.\d+\.\d+\b/.test(greeting)) return 'shows a version number';
  if (/sendmail/i.test(greeting)) return 'names the software (Sendmail)';
  const words = greeting.trim().split(/\s+/);
  if ((words[1] ?? '').toUpperCase() === 'ESMTP') return 'would show "ESMTP ESMTP": sendmail inserts ESMTP after the first word itself, so leave the word out';
  const first = words[0] ?? '';
  if (first !== '$j' && first.toLowerCase() !== (hostname ?? '').toLowerCase()) return `starts with "${first}", not $j or the host name${hostname ? ` (${hostname})` : ''}: sendmail inserts "ESMTP" after the first word`;
  return undefined;
}

function balancedParens(s: string): boolean {
  let depth = 0;
  for (const c of s) if ((depth += c === '(' ? 1 : c === ')' ? -1 : 0) < 0) return false;
  return depth === 0;
}

/** What the schema cannot say: CIDRs that are networks, forbidden smrsh programs, a version-free greeting. */
function semanticProblems(p: Policy, IPCIDR: typeof IPCIDRClass): Problem[] {
  const out: Problem[] = [];
  p.relay?.networks?.forEach((n, i) => {
    if (typeof n !== 'string') return;
    if (!IPCIDR.isValidCIDR(n)) {
      out.push({ path: ['relay', 'networks', i], message: `"${n}" is not a valid IPv4 or IPv6 CIDR` });
      return;
    }
    const bits = Number(n.split('/')[1]);
    if (bits < (n.includes(':') ? 16 : 8)) {
      out.push({ path: ['relay', 'networks', i], message: `"${n}" would let ${bits === 0 ? 'the whole Internet' : 'a large part of the Internet'} relay through this host (an open relay): list your own networks` });
      return;
    }
    const cidr = new IPCIDR(n);
    const start = cidr.start();
    const [address] = n.split('/');
    if (String(start) !== address && !(n.includes(':') && String(groups6(String(start))) === String(groups6(address!)))) out.push({ path: ['relay', 'networks', i], message: `"${n}" has host bits set: the network is ${start}/${n.split('/')[1]}` });
  });
  p.smrsh?.allow?.forEach((prog, i) => {
    if (typeof prog !== 'string') return;
    const why = smrshForbidden(prog);
    if (why) out.push({ path: ['smrsh', 'allow', i], message: `${prog} is ${why}: the smrsh directory must not hold it, or any alias or .forward can run anything` });
  });
  if (typeof p.greeting === 'string') {
    const problem = greetingProblem(p.greeting, p.hostname);
    if (problem) out.push({ path: ['greeting'], message: `the greeting ${problem}` });
  }
  p.aliases?.strip?.forEach((a, i) => {
    if (typeof a === 'string' && REQUIRED_ALIASES.has(a.toLowerCase())) out.push({ path: ['aliases', 'strip', i], message: `"${a}" is required (RFC 5321 and system mail): it cannot be stripped` });
  });
  // m4 replaces $0…$9, $#, $* and $@ in a define's value, quoted or not (see greetingProblem).
  const m4Parameter = (v: string): string | undefined => /\$[0-9#*@]/.exec(v)?.[0];
  p.forwardPath?.forEach((f, i) => {
    const param = typeof f === 'string' ? m4Parameter(f) : undefined;
    if (param) out.push({ path: ['forwardPath', i], message: `holds ${param}, which m4 replaces when sendmail.cf is built from sendmail.mc` });
  });
  if (typeof p.receivedHeader === 'string') {
    const param = m4Parameter(p.receivedHeader);
    const version = versionMacros(p.receivedHeader);
    if (param) out.push({ path: ['receivedHeader'], message: `holds ${param}, which m4 replaces when sendmail.cf is built from sendmail.mc` });
    else if (version.length) out.push({ path: ['receivedHeader'], message: `shows the version (${version.join(' and ')}) in every message` });
    else if (!balancedParens(p.receivedHeader)) out.push({ path: ['receivedHeader'], message: 'opens a parenthesis it does not close (or closes one it did not open)' });
  }
  const clientNets = new Map<string, string>();
  p.abuse?.clients?.forEach((c, i) => {
    if (typeof c?.network !== 'string') return;
    const n = c.network;
    if (n.includes('/') && !IPCIDR.isValidCIDR(n)) return void out.push({ path: ['abuse', 'clients', i, 'network'], message: `"${n}" is not a valid IPv4 or IPv6 CIDR` });
    if (n.includes('/')) {
      const start = String(new IPCIDR(n).start());
      const [address] = n.split('/');
      if (start !== address && !(n.includes(':') && String(groups6(start)) === String(groups6(address!)))) return void out.push({ path: ['abuse', 'clients', i, 'network'], message: `"${n}" has host bits set: the network is ${start}/${n.split('/')[1]}` });
    }
    const keys = clientKeys(n);
    if (typeof keys === 'string') return void out.push({ path: ['abuse', 'clients', i, 'network'], message: `cannot be written as access map keys (${keys})` });
    // Two spellings of one network (10.1.0.0/16 and 10.1) are the same access keys: one's limits would be dropped.
    const id = keys.join(' ').toLowerCase();
    const earlier = clientNets.get(id);
    if (earlier !== undefined) out.push({ path: ['abuse', 'clients', i, 'network'], message: `"${n}" is listed twice${earlier.toLowerCase() === n.toLowerCase() ? '' : ` (as "${earlier}" too: the same access keys)`}` });
    else clientNets.set(id, n);
  });
  const la = p.limits;
  // sendmail reads each part of "N/M" with atoi into an int: 4294967396/1000 is read as 100/1000 (measured, -d37.1 and its warning).
  if (typeof la?.maxMimeHeaderLength === 'string' && la.maxMimeHeaderLength.split('/').some((x) => Number(x) > 2147483647)) out.push({ path: ['limits', 'maxMimeHeaderLength'], message: `"${la.maxMimeHeaderLength}" has a part above 2147483647, which sendmail reads as another number` });
  if (typeof la?.refuseLA === 'number' && typeof la.queueLA === 'number' && la.refuseLA <= la.queueLA) out.push({ path: ['limits', 'refuseLA'], message: `${la.refuseLA} is not above queueLA (${la.queueLA}): sendmail would refuse connections before it queues, so queueing never relieves the load` });
  if (typeof p.runAsUser === 'string' && /^(0|root)(:|$)/.test(p.runAsUser)) out.push({ path: ['runAsUser'], message: `"${p.runAsUser}" keeps root: name the user the daemon runs as instead (or leave the key out)` });
  const seen = new Set<string>();
  p.accept?.forEach((a, i) => {
    if (typeof a?.rule !== 'string' || typeof a.value !== 'string') return;
    const rule = rules.find((r) => r.meta.id === a.rule);
    if (!rule) out.push({ path: ['accept', i, 'rule'], message: `${a.rule} is not a mailharden rule (mailharden rules lists them)` });
    else if (rule.meta.suppressible === false) out.push({ path: ['accept', i, 'rule'], message: `${a.rule} cannot be accepted: fix the configuration instead` });
    // The schema's patterns refuse controls and the bidirectional characters; these would reach a config
    // file's comment and the terminal as nothing or as a space: a zero-width space, joiners, the soft
    // hyphen, the BOM, tags, variation selectors, no-break spaces (the characters every output escapes).
    for (const key of ['value', 'reason'] as const) {
      const text = a[key];
      const bad = typeof text === 'string' ? firstUnsafeChar(text) : undefined;
      if (bad !== undefined) out.push({ path: ['accept', i, key], message: `holds ${visibleControls(bad)}, a character that shows as nothing or as a space: write the ${key} in plain characters` });
    }
    if (seen.has(`${a.rule} ${a.value}`)) out.push({ path: ['accept', i], message: `${a.rule} for "${a.value}" is accepted twice` });
    seen.add(`${a.rule} ${a.value}`);
  });
  if (p.qmail && typeof p.qmail === 'object') {
    if (!(p.mta ?? ['sendmail']).includes('qmail')) out.push({ path: ['qmail'], message: 'is set, but mta does not name qmail: add qmail to mta, or leave the section out', atKey: true });
    const g = p.qmail.greeting;
    const named = typeof g === 'string' ? softwareWord(g) : undefined;
    if (named) out.push({ path: ['qmail', 'greeting'], message: `names the software ("${named.word}"), which qmail-smtpd shows every client (MH4009)` });
    for (const key of ['user', 'logUser'] as const) {
      if (p.qmail.smtpd?.[key] === 'root') out.push({ path: ['qmail', 'smtpd', key], message: '"root": qmail-smtpd and its logger run as users of their own (qmaild, qmaill), never as root' });
    }
  }
  p.immutable?.forEach((f, i) => {
    if (typeof f === 'string' && !(MANAGED_FILES as readonly string[]).includes(f)) out.push({ path: ['immutable', i], message: `"${f}" is not a file apply manages (${MANAGED_FILES.join(', ')})` });
  });
  return out;
}


/**
 * Reads and validates a policy file: YAML with positions, the JSON Schema, then the semantic checks.
 * Every problem is reported at once as `file:line:col: path: message`, and the load fails with exit 2.
 */
export async function loadPolicy(path: string, shown = path): Promise<Policy> {
  return policyFromText(readConfigText(path, shown), shown);
}

/** loadPolicy for a text at hand (`init` checks the policy it made before writing it). */
export async function policyFromText(text: string, shown: string): Promise<Policy> {
  const { data, errors, at } = await parseYamlText(text, shown, POLICY_SCHEMA);
  // ip-cidr is loaded here, not at start-up: only policy commands need it.
  const IPCIDR = (await loadExternal<typeof import('ip-cidr')>('ip-cidr')).default;
  // The semantic checks run too, so every problem is reported at once; on values of the wrong shape
  // (already reported by the schema) they are skipped.
  let semantic: Problem[] = [];
  try {
    semantic = semanticProblems(data as Policy, IPCIDR);
  } catch {
    semantic = [];
  }
  for (const p of semantic) errors.push(`${at(p.path, p.atKey)}: /${p.path.join('/')}: ${p.message}`);
  if (errors.length) throw UserError.lines(sortByPosition(errors));
  return data as Policy;
}
