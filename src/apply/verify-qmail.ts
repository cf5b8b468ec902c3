import { existsSync } from 'node:fs';
import { posix } from 'node:path';
import type { Block } from '../model/tcprules.js';
import type { Policy } from '../policy/schema.js';
import { relayKeys } from '../render/networks.js';
import { SMTPD_DEFAULTS } from './qmail-plan.js';
import type { Plan } from './plan.js';
import { which } from './validate.js';
import type { Check, Ran, Runner } from './verify.js';

/**
 * After apply on `/`, the real qmail programs are asked whether the policy is in force (qmail reads its
 * control files and the rules cdb again for each connection, so what is written is what the next
 * client meets):
 * - tcprulescheck on the rules cdb: RELAYCLIENT is set for the first and last address of each policy
 *   network, and not for the addresses just outside it;
 * - one SMTP session of the installed qmail-smtpd, run as the smtpd user (so it also shows the control
 *   files are readable to it), from an address of no policy network: the greeting is the policy's, a
 *   recipient in the first policy domain is accepted and one elsewhere refused. No DATA is sent, so
 *   nothing is queued.
 */
export function qmailChecks(plan: Plan, policy: Policy, run: Runner, accounts: { uidOf(n: string): number | undefined; gidOf(n: string): number | undefined }): Check[] {
  const checks: Check[] = [];
  const host = (p: string): string => posix.join(plan.root, p);
  const rules = plan.files.find((f) => f.artifact === 'tcp.smtp');
  const networks = policy.relay?.networks;
  if (rules?.derived && networks) checks.push(...rulesChecks(host(rules.derived), relayKeys(networks).blocks, run));

  const smtpd = host(`${plan.layout.qmailDir}/bin/qmail-smtpd`);
  const user = policy.qmail?.smtpd?.user ?? SMTPD_DEFAULTS.user;
  const uid = accounts.uidOf(user);
  const gid = accounts.gidOf(user);
  const setpriv = which('setpriv');
  const greeting = policy.qmail?.greeting;
  const domains = policy.relay?.domains ?? [];
  if ((greeting === undefined && !domains.length) || uid === undefined || gid === undefined || !setpriv || !existsSync(smtpd)) return checks;
  return [...checks, ...smtpdSession({ smtpd, user, uid, gid, setpriv, run, domains, ...(greeting !== undefined ? { greeting } : {}) })];
}

/**
 * One SMTP session of qmail-smtpd as the smtpd user, from 192.0.2.1 (TEST-NET-1, in no policy network)
 * with no RELAYCLIENT: the greeting, a recipient in the first policy domain (accepted), one elsewhere
 * (refused). No DATA is sent, so nothing is queued. With `bind`, the session runs in a mount namespace
 * of its own where `bind.from` (a candidate control directory) is mounted on `bind.onto`: the control
 * files qmail-smtpd would read if they were installed, judged before they are.
 */
export function smtpdSession(o: { smtpd: string; user: string; uid: number; gid: number; setpriv: string; run: Runner; domains: readonly string[]; greeting?: string; bind?: { from: string; onto: string; unshare: string } }): Check[] {
  if (o.uid === 0) return [{ what: `a session of ${o.smtpd} as ${o.user}`, ok: false, detail: `${o.user} has uid 0: qmail-smtpd must not run as root` }];
  const checks: Check[] = [];
  const { domains, greeting } = o;
  const inDomain = domains[0] ? `postmaster@${domains[0].startsWith('.') ? `verify${domains[0]}` : domains[0]}` : undefined;
  const outside = 'relay-test@mailharden-verify.invalid';
  const input = ['HELO verify.mailharden.invalid', 'MAIL FROM:<>', ...(inDomain ? [`RCPT TO:<${inDomain}>`] : []), `RCPT TO:<${outside}>`, 'QUIT'].map((l) => `${l}\r\n`).join('');
  const session = [o.setpriv, `--reuid=${o.uid}`, `--regid=${o.gid}`, '--clear-groups', o.smtpd];
  // The paths reach sh as arguments, never as script text.
  const inNamespace = o.bind ? [o.bind.unshare, '--mount', '--propagation', 'private', '/bin/sh', '-c', 'mount --bind "$1" "$2" && shift 2 && exec "$@"', 'sh', o.bind.from, o.bind.onto] : [];
  const r = o.run(['env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'TCPREMOTEIP=192.0.2.1', 'TCPLOCALIP=127.0.0.1', ...inNamespace, ...session], input);
  const replies = r.stdout.split('\r\n').filter((l) => /^\d{3} /.test(l));
  const what = `a session of ${o.smtpd} as ${o.user}${o.bind ? ` with the planned ${o.bind.onto}` : ''}`;
  if (r.error || !replies.length) return [{ what, ok: false, detail: r.error ?? `no reply (exit ${r.status}): ${r.stderr.split('\n')[0] ?? ''}` }];
  const [first, , , ...rest] = replies;
  if (greeting !== undefined) checks.push({ what: `${what}: greeting`, ok: first === `220 ${greeting} ESMTP`, detail: first ?? '' });
  else checks.push({ what: `${what}: greeting`, ok: first?.startsWith('220 ') ?? false, detail: first ?? '' });
  const rcpts = rest.slice(0, inDomain ? 2 : 1);
  if (inDomain) checks.push({ what: `${what}: ${inDomain} accepted`, ok: rcpts[0]?.startsWith('250') ?? false, detail: rcpts[0] ?? '(no reply)' });
  const last = rcpts[inDomain ? 1 : 0];
  checks.push({ what: `${what}: ${outside} refused from outside the relay networks`, ok: last?.startsWith('553') ?? false, detail: last ?? '(no reply)' });
  return checks;
}

const dotted = (n: number): string => [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');

function rulesChecks(cdb: string, blocks: readonly Block[], run: Runner): Check[] {
  const inside = (n: number): boolean => blocks.some((b) => n >>> 0 >= b.net >>> 0 && n >>> 0 <= (b.net + 2 ** (32 - b.bits) - 1) >>> 0);
  const wrong: string[] = [];
  let asked = 0;
  for (const b of blocks) {
    const first = b.net >>> 0;
    const last = first + 2 ** (32 - b.bits) - 1;
    for (const ip of [first, last, first - 1, last + 1]) {
      if (ip < 0 || ip > 0xffffffff) continue;
      const want = inside(ip);
      const env = relayEnv(run(['env', `TCPREMOTEIP=${dotted(ip)}`, 'tcprulescheck', cdb], ''));
      asked++;
      if (env === 'error') return [{ what: `tcprulescheck ${cdb}`, ok: false, detail: 'tcprulescheck could not read the rules' }];
      if ((env === '') !== want) wrong.push(`${dotted(ip)}: ${env === undefined ? 'no RELAYCLIENT' : `RELAYCLIENT="${env}"`}${want ? ', should relay' : ', should not relay'}`);
    }
  }
  return [{ what: `the rules cdb ${cdb} sets RELAYCLIENT exactly for the policy networks (their edges)`, ok: wrong.length === 0, detail: wrong.length ? wrong.slice(0, 8).join('; ') : `${asked} addresses asked` }];
}

/** RELAYCLIENT as tcprulescheck reports it; undefined when not set; 'error' when the cdb could not be read. */
function relayEnv(r: Ran): string | undefined | 'error' {
  if (r.error || r.status !== 0) return 'error';
  const m = /^set environment variable RELAYCLIENT=(.*)$/m.exec(r.stdout);
  return m ? m[1]! : undefined;
}
