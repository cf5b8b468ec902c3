import { daemonsOf, isLocalOnly } from '../../model/daemon.js';
import { PRIVACY_FLAGS } from '../../model/sendmail-options.js';
import { greetingProblem as policyGreetingProblem } from '../validate.js';
import { GREETING, mcReason, sendmailEffect, type Deriver, type Kept, type SendmailSide } from './context.js';
import { STARTER_PRIVACY } from './starter.js';
import { flat, flow, listed, scalarQuoted } from './text.js';

/** Why the policy would refuse a greeting (the checks of src/policy/validate.ts), or undefined. */
function greetingProblem(greeting: string, hostname: string | undefined): string | undefined {
  const problem = policyGreetingProblem(greeting, hostname);
  if (problem) return problem;
  if (greeting.length > 200) return 'is longer than 200 characters';
  if (!GREETING.test(greeting)) return 'holds characters the policy does not allow (only letters, digits, blanks and $ . , : ; ( ) _ + @ / -)';
  return undefined;
}

function derivePrivacy(sm: SendmailSide, explain: (path: string, text: string) => void): Kept<string[]> {
  const lines = sm.model.all('PrivacyOptions');
  const suggest = flow(STARTER_PRIVACY);
  if (lines.length === 0) return { keep: false, reason: 'privacy: sendmail.cf sets no PrivacyOptions, so sendmail runs with "public" (EXPN, VRFY and ETRN answered); a hardened set:', suggest };
  const words: string[] = [];
  const unknown: string[] = [];
  for (const w of sm.model.privacyWords) {
    const lower = w.word.toLowerCase();
    if (!PRIVACY_FLAGS.has(lower)) unknown.push(w.word);
    else if (!words.includes(lower)) words.push(lower);
  }
  if (words.length === 0) return { keep: false, reason: `privacy: the PrivacyOptions of sendmail.cf hold no flag sendmail knows (${listed(unknown)}); a hardened set:`, suggest };
  const effect = sendmailEffect(sm, { privacy: words });
  if (effect.mc) return { keep: false, reason: `privacy: sendmail.cf has ${words.join(',')}, but ${mcReason(sm, 'confPRIVACY_FLAGS', 'them', words.join(','))}. Decide which is right, then:`, suggest: flow(words) };
  const notes: string[] = [];
  if (effect.cf) {
    const text = lines.length > 1 ? `its ${lines.length} PrivacyOptions lines become one with the same flags (sendmail ORs the lines)` : 'the PrivacyOptions line is rewritten in form (the same flags, lower case, comma-separated)';
    explain(sm.cfPath, text);
    notes.push(`From sendmail.cf (${lines.length} line${lines.length === 1 ? '' : 's'}; apply writes them as one).`);
  }
  if (unknown.length) notes.push(`Left out: ${listed(unknown)}, not a PrivacyOptions flag.`);
  return { keep: true, value: words, ...(notes.length ? { note: notes.join(' ') } : {}) };
}

function deriveGreeting(sm: SendmailSide, hostname: string | undefined): Kept<string> {
  const suggest = '"$j"';
  const g = sm.model.get('SmtpGreetingMessage');
  if (!g) return { keep: false, reason: 'greeting: sendmail.cf sets no SmtpGreetingMessage, so sendmail\'s default shows the version ($v); set one:', suggest };
  const value = g.value.trim();
  const problem = greetingProblem(value, hostname);
  if (problem) return { keep: false, reason: `greeting: the current greeting ("${flat(value, 80)}") ${problem}; set one:`, suggest };
  const effect = sendmailEffect(sm, { greeting: value });
  if (effect.mc) return { keep: false, reason: `greeting: ${mcReason(sm, 'confSMTP_LOGIN_MSG', 'it', value)}:`, suggest: JSON.stringify(value) };
  if (effect.cf) return { keep: false, reason: `greeting: sendmail.cf has ${sm.model.all('SmtpGreetingMessage').length} SmtpGreetingMessage lines; apply would write one (the last, which is in force):`, suggest: JSON.stringify(value) };
  return { keep: true, value, note: 'as now' };
}

function deriveLogLevel(sm: SendmailSide): Kept<number> {
  const v = sm.model.get('LogLevel')?.value.trim();
  if (v === undefined) return { keep: false, reason: 'logLevel: sendmail.cf sets no LogLevel (sendmail\'s default is 9):', suggest: '9' };
  if (!/^\d{1,2}$/.test(v)) return { keep: false, reason: `logLevel: sendmail.cf has LogLevel "${flat(v, 40)}", not a number from 0 to 99:`, suggest: '9' };
  const n = Number(v);
  const effect = sendmailEffect(sm, { logLevel: n });
  if (effect.mc) return { keep: false, reason: `logLevel: ${mcReason(sm, 'confLOG_LEVEL', 'it', String(n))}:`, suggest: String(n) };
  if (effect.cf) return { keep: false, reason: 'logLevel: sendmail.cf has several LogLevel lines; apply would write one:', suggest: String(n) };
  return { keep: true, value: n, note: n < 9 ? 'as now; 9 or more keeps the records audits ask for' : 'as now' };
}

function deriveListen(sm: SendmailSide): Kept<'local-only' | 'all'> {
  const daemons = sm.model.daemons;
  if (daemons.length === 0) return { keep: true, value: 'all', note: 'no DaemonPortOptions: sendmail listens on every address' };
  // Judged as lint judges it (MH1042), so init and lint agree on what local-only means.
  const open = daemonsOf(sm.model).find((d) => !isLocalOnly(d));
  if (open) return { keep: true, value: 'all', note: `the daemon "${flat(open.setting.value, 60)}" listens beyond loopback` };
  const effect = sendmailEffect(sm, { localOnly: true });
  if (effect.mc) return { keep: false, reason: 'listen: every daemon of sendmail.cf is bound to loopback, but local-only would change sendmail.mc (its DAEMON_OPTIONS, or FEATURE(`no_default_msa\') and a loopback MSA):', suggest: 'local-only' };
  if (effect.cf) return { keep: false, reason: 'listen: every daemon of sendmail.cf is bound to loopback, but apply would rewrite their Addr= (it writes 127.0.0.1 and ::1):', suggest: 'local-only' };
  return { keep: true, value: 'local-only', note: 'every daemon is bound to loopback' };
}

export const privacy: Deriver<string[]> = {
  key: 'privacy',
  sendmailOnly: true,
  derive: (c) => derivePrivacy(c.sm!, c.explain),
  set: (p, v) => (p.privacy = v),
  write(y, k) {
    if (k.note) y.comment(k.note);
    y.key('privacy', flow(k.value));
  },
};

export const greeting: Deriver<string> = {
  key: 'greeting',
  sendmailOnly: true,
  derive: (c) => deriveGreeting(c.sm!, c.policy.hostname),
  set: (p, v) => (p.greeting = v),
  write: (y, k) => y.key('greeting', scalarQuoted(k.value), 0, k.note),
};

export const logLevel: Deriver<number> = {
  key: 'logLevel',
  sendmailOnly: true,
  derive: (c) => deriveLogLevel(c.sm!),
  set: (p, v) => (p.logLevel = v),
  write: (y, k) => y.key('logLevel', String(k.value), 0, k.note),
};

export const listen: Deriver<'local-only' | 'all'> = {
  key: 'listen',
  sendmailOnly: true,
  derive: (c) => deriveListen(c.sm!),
  set: (p, v) => (p.listen = v),
  write: (y, k) => y.key('listen', k.value, 0, k.note),
};
