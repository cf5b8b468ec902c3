import type { SendmailSettings } from '../../render/sendmail-cf.js';
import { LIMITS } from '../../render/sendmail-cf.js';
import { m4Predefined } from '../../model/m4-options.js';
import { versionMacros } from '../../model/option-values.js';
import { POLICY_SCHEMA, type Policy } from '../schema.js';
import { mcReason, sendmailEffect, type Deriver, type Kept, type SendmailSide } from './context.js';
import { flat, flow, scalar, scalarQuoted } from './text.js';

/**
 * The sendmail options a policy sets by name (ForwardPath, DontBlameSendmail, UnsafeGroupWrites, the
 * Received header, the limits, RunAsUser, SafeFileEnvironment), derived from sendmail.cf. A value is
 * kept only when the policy can hold it and apply, given it, changes neither the cf nor the .mc (the
 * day-one property); otherwise it is written commented out, with the reason and a value to start from.
 */

const FORWARD_ITEM = new RegExp(POLICY_SCHEMA.properties.forwardPath.items.pattern);
const DBS_FLAG = new RegExp(POLICY_SCHEMA.properties.dontBlameSendmail.items.pattern);
const RECEIVED = new RegExp(POLICY_SCHEMA.properties.receivedHeader.pattern);
const RUN_AS = new RegExp(POLICY_SCHEMA.properties.runAsUser.pattern);
const PATH = new RegExp(POLICY_SCHEMA.properties.safeFileEnvironment.pattern);
const M4_PARAMETER = /\$[0-9#*@]/;

/** A Received: header without the version, for a suggestion (MH1022's fix). */
const SAFE_RECEIVED = '$?sfrom $s $.$?_($?s$|from $.$_) $.by $j id $i$?u for $u; $|; $.$b';

/** Kept when apply would change nothing for it; else left out with why, naming the .mc macro. */
function unchanged<T>(sm: SendmailSide, key: string, macro: string, want: SendmailSettings, value: T, shown: string, note: string): Kept<T> {
  const effect = sendmailEffect(sm, want);
  if (effect.mc) return { keep: false, reason: `${key}: ${mcReason(sm, macro, 'it', shown)}:`, suggest: shown };
  if (effect.cf) return { keep: false, reason: `${key}: apply would rewrite the line${sm.model.all(key === 'receivedHeader' ? 'Received' : optionName(key)).length > 1 ? 's' : ''} of sendmail.cf (one line, in the form it writes):`, suggest: shown };
  return { keep: true, value, note };
}

const optionName = (key: string): string => key.charAt(0).toUpperCase() + key.slice(1);

function deriveForwardPath(sm: SendmailSide): Kept<string[]> {
  const s = sm.model.get('ForwardPath');
  if (!s) return { keep: false, reason: 'forwardPath: sendmail.cf sets no ForwardPath, so sendmail reads each user\'s $z/.forward; to read none:', suggest: '[]' };
  const value = s.value.trim();
  const items = value === '' ? [] : value.split(':');
  if (items.some((i) => !FORWARD_ITEM.test(i) || M4_PARAMETER.test(i))) return { keep: false, reason: `forwardPath: the ForwardPath of sendmail.cf ("${flat(value, 80)}") holds what the policy does not allow; to read no .forward:`, suggest: '[]' };
  return unchanged(sm, 'forwardPath', 'confFORWARD_PATH', { forwardPath: value }, items, flow(items), items.length ? 'as now: .forward files are read' : 'as now: no .forward is read');
}

function deriveDontBlame(sm: SendmailSide): Kept<string[]> {
  const lines = sm.model.all('DontBlameSendmail');
  if (lines.length === 0) return { keep: false, reason: 'dontBlameSendmail: sendmail.cf sets no DontBlameSendmail (sendmail\'s default is safe):', suggest: '[safe]' };
  const flags = lines.flatMap((l) => l.value.split(/[\s,]+/).filter(Boolean));
  if (flags.some((f) => !DBS_FLAG.test(f))) return { keep: false, reason: `dontBlameSendmail: the DontBlameSendmail of sendmail.cf holds what the policy does not allow ("${flat(lines.map((l) => l.value).join(' '), 80)}"):`, suggest: '[safe]' };
  const unique = [...new Set(flags)];
  return unchanged(sm, 'dontBlameSendmail', 'confDONT_BLAME_SENDMAIL', { dontBlameSendmail: unique.join(',') }, unique, flow(unique), unique.some((f) => f.toLowerCase() !== 'safe') ? 'as now: these flags turn off file safety checks' : 'as now');
}

function deriveUnsafeGroupWrites(sm: SendmailSide): Kept<boolean> {
  const s = sm.model.get('UnsafeGroupWrites');
  if (!s) return { keep: false, reason: 'unsafeGroupWrites: sendmail.cf sets no UnsafeGroupWrites (sendmail\'s default, True, treats group-writable .forward and :include: files as unsafe):', suggest: 'true' };
  const value = /^\s*(t|true|y|yes)\s*$/i.test(s.value);
  return unchanged(sm, 'unsafeGroupWrites', 'confUNSAFE_GROUP_WRITES', { unsafeGroupWrites: value }, value, String(value), value ? 'as now' : 'as now: group-writable .forward and :include: files are trusted');
}

function deriveReceived(sm: SendmailSide): Kept<string> {
  const r = sm.model.receivedHeader;
  if (!r) return { keep: false, reason: 'receivedHeader: sendmail.cf has no Received: header line; a header without the version:', suggest: scalarQuoted(SAFE_RECEIVED) };
  const value = r.value.replace(/\s*\n\s*/g, ' ').trim();
  const version = versionMacros(value);
  if (version.length) return { keep: false, reason: `receivedHeader: the Received: header of sendmail.cf shows the version (${version.join(' and ')}) in every message; one without it:`, suggest: scalarQuoted(SAFE_RECEIVED) };
  if (!RECEIVED.test(value) || M4_PARAMETER.test(value)) return { keep: false, reason: `receivedHeader: the Received: header of sendmail.cf holds what the policy does not allow ("${flat(value, 80)}"):`, suggest: scalarQuoted(SAFE_RECEIVED) };
  return unchanged(sm, 'receivedHeader', 'confRECEIVED_HEADER', { receivedHeader: value }, value, scalarQuoted(value), 'as now');
}

type Limits = NonNullable<Policy['limits']>;
const EXAMPLE_LIMITS = '{ maxDaemonChildren: 40, connectionRateThrottle: 15, maxRecipientsPerMessage: 100, badRcptThrottle: 3, maxMessageSize: 10485760 }';

function deriveLimits(sm: SendmailSide): Kept<Limits> {
  const limits: Limits = {};
  const props = POLICY_SCHEMA.properties.limits.properties;
  for (const k of Object.keys(LIMITS) as (keyof typeof LIMITS)[]) {
    const v = sm.model.get(LIMITS[k].option)?.value.trim();
    // The value every m4 build writes by itself (MinFreeBlocks=100) is no choice of the site's.
    if (v === undefined || v === m4Predefined(LIMITS[k].option)) continue;
    // Only a positive whole number is a limit the policy can state; 0 or none is "unlimited", left out.
    const max = k === 'maxMimeHeaderLength' ? props.maxMimeHeaderLength.oneOf[0].maximum : props[k].maximum;
    if (/^[1-9][0-9]{0,9}$/.test(v) && Number(v) <= max) limits[k] = Number(v);
    // MaxMimeHeaderLength=N/M (op.me): the pair as it is, when both are limits.
    else if (k === 'maxMimeHeaderLength' && new RegExp(props.maxMimeHeaderLength.oneOf[1].pattern).test(v)) limits[k] = v;
  }
  // A pair the policy refuses (RefuseLA at or below QueueLA) is not derived.
  if (limits.refuseLA !== undefined && limits.queueLA !== undefined && limits.refuseLA <= limits.queueLA) {
    delete limits.refuseLA;
    delete limits.queueLA;
  }
  const set = Object.keys(limits) as (keyof typeof LIMITS)[];
  if (set.length === 0) return { keep: false, reason: `limits: sendmail.cf sets none of ${Object.values(LIMITS).map((l) => l.option).join(', ')} (sendmail leaves most of them unlimited); values to fit the site:`, suggest: EXAMPLE_LIMITS };
  const shown = `{ ${set.map((k) => `${k}: ${typeof limits[k] === 'string' ? `"${limits[k]}"` : limits[k]}`).join(', ')} }`;
  const want: SendmailSettings = { limits: set.map((k) => ({ option: LIMITS[k].option, value: limits[k]! })) };
  const effect = sendmailEffect(sm, want);
  if (effect.cf || effect.mc) return { keep: false, reason: `limits: apply would rewrite ${effect.mc ? 'sendmail.mc (its defines of the limits)' : 'the limit lines of sendmail.cf'}:`, suggest: shown };
  return { keep: true, value: limits, note: set.length < Object.keys(LIMITS).length ? 'as now; the others are sendmail\'s defaults' : 'as now' };
}

function deriveRunAs(sm: SendmailSide): Kept<string> {
  const v = sm.model.get('RunAsUser')?.value.trim();
  if (v === undefined || v === '') return { keep: false, reason: 'runAsUser: sendmail.cf sets no RunAsUser (the daemon keeps root); a user needs a local mailer that does not rely on root:' };
  if (!RUN_AS.test(v) || /^(0|root)(:|$)/.test(v)) return { keep: false, reason: `runAsUser: sendmail.cf has RunAsUser "${flat(v, 60)}", which the policy does not hold (root, or characters it does not allow).` };
  return unchanged(sm, 'runAsUser', 'confRUN_AS_USER', { runAsUser: v }, v, scalar(v), 'as now');
}

function deriveSafeFileEnv(sm: SendmailSide): Kept<string> {
  const v = sm.model.get('SafeFileEnvironment')?.value.trim();
  if (v === undefined || v === '' || v.replace(/\/+$/, '') === '') return { keep: false, reason: 'safeFileEnvironment: sendmail.cf confines no file delivery (no SafeFileEnvironment, or "/"); a directory to confine them to:', suggest: '/var/mail/safe' };
  if (!PATH.test(v)) return { keep: false, reason: `safeFileEnvironment: sendmail.cf has SafeFileEnvironment "${flat(v, 80)}", not a path the policy holds.` };
  return unchanged(sm, 'safeFileEnvironment', 'confSAFE_FILE_ENV', { safeFileEnvironment: v }, v, scalar(v), 'as now');
}

/** A deriver for one of these keys: sendmail only, written as `key: value  # note`. */
function option<T>(key: keyof Policy, derive: (sm: SendmailSide) => Kept<T>, show: (v: T) => string): Deriver<T> {
  return {
    key,
    sendmailOnly: true,
    derive: (c) => derive(c.sm!),
    set: (p, v) => ((p as unknown as Record<string, unknown>)[key] = v),
    write: (y, k) => y.key(key, show(k.value), 0, k.note),
  };
}

export const forwardPath = option('forwardPath', deriveForwardPath, (v) => flow(v));
export const dontBlameSendmail = option('dontBlameSendmail', deriveDontBlame, (v) => flow(v));
export const unsafeGroupWrites = option('unsafeGroupWrites', deriveUnsafeGroupWrites, (v) => String(v));
export const receivedHeader = option('receivedHeader', deriveReceived, (v) => scalarQuoted(v));
export const limits = option('limits', deriveLimits, (v) => `{ ${Object.entries(v).map(([k, n]) => `${k}: ${typeof n === 'string' ? `"${n}"` : n}`).join(', ')} }`);
export const runAsUser = option('runAsUser', deriveRunAs, (v) => scalar(v));
export const safeFileEnvironment = option('safeFileEnvironment', deriveSafeFileEnv, (v) => scalar(v));
