import { tlsOptions } from '../../apply/plan.js';
import { SourceFile } from '../../core/source.js';
import { weakCiphers } from '../../model/cipher-string.js';
import { mechanismNames, trustAuthElsewhere } from '../../model/sendmail-auth.js';
import { meetsMinProtocol, weakDhParameters, type MinProtocol } from '../../model/sendmail-tls.js';
import { parseSendmailMc } from '../../parsers/sendmail-mc.js';
import { greetPauseDefaultLine, isSubmissionDaemon, SSL_OPTIONS, type SendmailSettings } from '../../render/sendmail-cf.js';
import { AUTH_MECHANISMS, POLICY_SCHEMA, type Policy, type TlsPolicy } from '../schema.js';
import { sendmailEffect, type DeriveContext, type Deriver, type Kept, type SendmailSide } from './context.js';
import { flat, flow, listed, scalar, scalarQuoted, type YamlText } from './text.js';

/**
 * The keys of issue 18 derived from sendmail.cf: tls, auth (mechanisms, msa, require-tls) and
 * abuse.greetPause. A value is kept only when apply, given it alone, changes neither the cf nor the .mc
 * (the day-one property), and only when it weakens nothing: a weak cipher list, DH group or protocol
 * floor is left out, commented, with a stronger value to start from (apply leaves an option the policy
 * does not name as it is).
 */

const PATH = new RegExp(POLICY_SCHEMA.properties.tls.properties.certFile.pattern);
const CIPHERS = new RegExp(POLICY_SCHEMA.properties.tls.properties.cipherList.pattern);

/** Whether apply changes nothing for these settings alone. */
const neutral = (sm: SendmailSide, want: SendmailSettings): boolean => {
  const e = sendmailEffect(sm, want);
  return !e.cf && !e.mc;
};

/** The value sendmail uses for an option: the last line's, trimmed, or undefined. */
const value = (sm: SendmailSide, name: string): string | undefined => sm.model.get(name)?.value.trim() || undefined;

/** What a derivation found: the kept values, and a comment for each one left out. */
interface Found<T> {
  value: T;
  off: string[];
}

function deriveTls(sm: SendmailSide): Kept<Found<TlsPolicy>> {
  const tls: TlsPolicy = {};
  const off: string[] = [];
  const path = (key: 'certFile' | 'keyFile' | 'caFile' | 'caPath', option: string): void => {
    const v = value(sm, option);
    if (v === undefined) return;
    if (!PATH.test(v)) return void off.push(`tls.${key}: ${option} "${flat(v, 80)}" is not a path the policy holds.`);
    if (!neutral(sm, { tls: tlsOptions({ [key]: v }) })) return void off.push(`tls.${key}: apply would write ${key === 'certFile' || key === 'keyFile' ? `both ${option} and ${option.replace('Server', 'Client')} (one ${key === 'certFile' ? 'certificate' : 'key'} for both sides)` : `the ${option} line in its own form`}; the cf has ${option}=${flat(v, 80)}.`);
    tls[key] = v;
  };
  path('certFile', 'ServerCertFile');
  path('keyFile', 'ServerKeyFile');
  path('caFile', 'CACertFile');
  path('caPath', 'CACertPath');
  // The protocol floor: the newest one both sides' options meet (all their lines, as sendmail reads them).
  const ssl = (name: string): string => sm.model.all(name).map((s) => s.value).join(' ');
  const floor = (['TLSv1.3', 'TLSv1.2'] as MinProtocol[]).find((m) => SSL_OPTIONS.every((o) => meetsMinProtocol(ssl(o), m)));
  if (!floor) {
    if (sm.model.get('ServerCertFile')) off.push('tls.minProtocol: the SSL options of sendmail.cf do not turn off exactly the versions before TLS 1.2 (RFC 8996 retires TLS 1.0 and 1.1); apply would set them: minProtocol: TLSv1.2');
  } else if (!neutral(sm, { minProtocol: floor })) off.push(`tls.minProtocol: the SSL options of sendmail.cf meet ${floor}, but apply would rewrite their lines as one: minProtocol: ${floor}`);
  else tls.minProtocol = floor;
  const ciphers = value(sm, 'CipherList');
  if (ciphers !== undefined) {
    const weak = [...weakCiphers(ciphers).keys()];
    if (weak.length) off.push(`tls.cipherList: the CipherList of sendmail.cf ("${flat(ciphers, 80)}") allows ${listed(weak)}; one without them: cipherList: "HIGH:!aNULL:!eNULL:!MD5:!RC4:!3DES"`);
    else if (!CIPHERS.test(ciphers) || !neutral(sm, { tls: tlsOptions({ cipherList: ciphers }) })) off.push(`tls.cipherList: apply would rewrite the CipherList line ("${flat(ciphers, 80)}").`);
    else tls.cipherList = ciphers;
  }
  const dh = value(sm, 'DHParameters');
  if (dh !== undefined) {
    // sendmail's codes (op.me): i its own 2048-bit group, 5 and 1 too small, 2 made at start, none no DHE.
    const dhParameters = dh === 'i' ? 2048 : dh.startsWith('/') && PATH.test(dh) ? dh : undefined;
    const small = weakDhParameters(dh);
    if (dhParameters === undefined) off.push(`tls.dhParameters: sendmail.cf has DHParameters=${flat(dh, 40)}${small ? ` (${small} bits)` : ''}, which the policy does not state; sendmail's own 2048-bit group: dhParameters: 2048`);
    else if (!neutral(sm, { tls: tlsOptions({ dhParameters }) })) off.push(`tls.dhParameters: apply would rewrite the DHParameters line (${flat(dh, 80)}).`);
    else tls.dhParameters = dhParameters;
  }
  if (Object.keys(tls).length === 0) {
    const reason = sm.model.get('ServerCertFile') ? 'tls: none of the STARTTLS options of sendmail.cf can be stated as they are' : 'tls: sendmail.cf sets no ServerCertFile, so sendmail offers no STARTTLS; a certificate, its key and the CA files (caPath too: without CACertPath sendmail 8.17 offers no STARTTLS):';
    return { keep: false, reason: [reason, ...off].join(' '), suggest: '{ certFile: /etc/mail/tls/server.crt, keyFile: /etc/mail/tls/server.key, caFile: /etc/mail/tls/ca.crt, caPath: /etc/mail/tls, minProtocol: TLSv1.2 }' };
  }
  return { keep: true, value: { value: tls, off } };
}

function deriveAuth(c: DeriveContext): Kept<Found<NonNullable<Policy['auth']>>> {
  const sm = c.sm!;
  const auth: NonNullable<Policy['auth']> = {};
  const off: string[] = [];
  const flags = (value(sm, 'AuthOptions') ?? '').split(/[\s,]+/).filter(Boolean);
  if (!flags.includes('p')) {
    // false is what is in force, and apply does nothing for it.
    off.push('auth.require-tls: AuthOptions has no p, so AUTH PLAIN/LOGIN may be offered before STARTTLS; to hold them back: require-tls: true');
    auth['require-tls'] = false;
  }
  else if (!neutral(sm, { authRequireTls: true })) off.push('auth.require-tls: AuthOptions has p, but apply would rewrite the AuthOptions line or define: require-tls: true');
  else auth['require-tls'] = true;
  const mechs = value(sm, 'AuthMechanisms');
  if (mechs === undefined) off.push('auth.mechanisms: sendmail.cf sets no AuthMechanisms, so sendmail offers every one its SASL library has (DIGEST-MD5 and CRAM-MD5 on Debian, historic by RFC 6331): mechanisms: [PLAIN, LOGIN]');
  else {
    const names = mechanismNames(mechs);
    const known = new Set<string>(AUTH_MECHANISMS);
    // The class lines the .mc gets from its includes and LOCAL_CONFIG stay as they are (apply keeps them).
    const kept = sm.mc ? trustAuthElsewhere(sm.mc, (p) => c.tree.read(p), (p, t) => parseSendmailMc(new SourceFile(p, t))) : [];
    if (names.some((n) => !known.has(n))) off.push(`auth.mechanisms: AuthMechanisms names ${listed(names.filter((n) => !known.has(n)))}, which the policy does not hold.`);
    else if (!neutral(sm, { authMechanisms: names.join(' '), ...(kept.length ? { trustAuthKept: kept } : {}) })) off.push(`auth.mechanisms: apply would make the class TrustAuthMech (the mechanisms that let a client relay) the mechanisms offered, ${names.join(' ')}, and rewrite AuthMechanisms: mechanisms: ${flow(names)}`);
    else auth.mechanisms = names as (typeof AUTH_MECHANISMS)[number][];
  }
  const submission = sm.model.daemons.filter((d) => isSubmissionDaemon(d.value));
  if (!submission.length) off.push('auth.msa: sendmail.cf has no daemon on the submission port (587); one that requires AUTH: msa: true');
  else if (!neutral(sm, { msa: true })) off.push('auth.msa: apply would change the submission daemon (M=Ea: AUTH required, RFC 6409) or its .mc lines: msa: true');
  else auth.msa = true;
  if (Object.keys(auth).length === 0) return { keep: false, reason: off.join(' '), suggest: '{ require-tls: true, mechanisms: [PLAIN, LOGIN], msa: true }' };
  return { keep: true, value: { value: auth, off } };
}

/** abuse.greetPause, read from the cf's greet_pause ruleset (the abuse deriver, ./abuse-keys.ts, writes it with the client limits). */
export function deriveGreetPause(sm: SendmailSide): Kept<number> {
  const suggest = '{ greetPause: 1 }';
  const n = greetPauseDefaultLine(new SourceFile(sm.cfPath, sm.cfText));
  if (n === undefined) return { keep: false, reason: 'abuse: sendmail.cf has no greet_pause ruleset (FEATURE(`greet_pause\')), so clients that talk before the greeting are served; a pause, in seconds:', suggest };
  const ms = Number(/\$#\s*(\d+)/.exec(sm.cfText.split('\n')[n - 1]!)?.[1]);
  // 0 turns the pause off: stating it would keep nothing worth keeping; a pause that is no whole second cannot be stated.
  if (!Number.isInteger(ms) || ms <= 0 || ms % 1000 !== 0 || ms / 1000 > 300) return { keep: false, reason: `abuse: the greet_pause default of sendmail.cf is ${ms} ms, not a whole number of seconds from 1 to 300:`, suggest };
  const seconds = ms / 1000;
  if (!neutral(sm, { greetPauseMs: ms })) return { keep: false, reason: `abuse: the greet_pause of sendmail.cf is ${seconds} s, but apply would change sendmail.mc's FEATURE(\`greet_pause') (or add one):`, suggest: `{ greetPause: ${seconds} }` };
  return { keep: true, value: seconds };
}

/** Writes a flow mapping of a key's kept fields, after the comments on those left out. */
function writeFound(y: YamlText, key: string, found: Found<Record<string, unknown>>, note: string): void {
  for (const o of found.off) y.comment(o);
  const show = (v: unknown): string => (Array.isArray(v) ? flow(v.map(String)) : typeof v === 'string' ? (/^[A-Za-z0-9/._+-]+$/.test(v) ? scalar(v) : scalarQuoted(v)) : String(v));
  y.key(key, `{ ${Object.entries(found.value).map(([k, v]) => `${k}: ${show(v)}`).join(', ')} }`, 0, note);
}

export const tls: Deriver<Found<TlsPolicy>> = {
  key: 'tls',
  sendmailOnly: true,
  derive: (c) => deriveTls(c.sm!),
  set: (p, v) => (p.tls = v.value),
  write: (y, k) => writeFound(y, 'tls', k.value as unknown as Found<Record<string, unknown>>, 'as now'),
};

export const auth: Deriver<Found<NonNullable<Policy['auth']>>> = {
  key: 'auth',
  sendmailOnly: true,
  derive: (c) => deriveAuth(c),
  set: (p, v) => (p.auth = v.value),
  write: (y, k) => writeFound(y, 'auth', k.value as unknown as Found<Record<string, unknown>>, 'as now'),
};
