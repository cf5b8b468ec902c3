import { SourceFile } from '../core/source.js';
import { parseSendmailCf, type CfDocument, type CfOption, type MailerField } from '../parsers/sendmail-cf.js';
import { TextEdits } from './edits.js';
import { meantLongName } from '../model/cf-syntax.js';
import { lookupOption } from '../model/sendmail-options.js';
import { withMinProtocol, type MinProtocol } from '../model/sendmail-tls.js';

/** The sendmail settings a policy decides, in the form both the .cf and the .mc renderers take. */
export interface SendmailSettings {
  /** PrivacyOptions flags: the whole set (every existing line is replaced, since lines accumulate). */
  privacy?: readonly string[];
  greeting?: string;
  helpFile?: string;
  logLevel?: number;
  /** Add the `p` flag to AuthOptions (no PLAIN/LOGIN before STARTTLS). */
  authRequireTls?: boolean;
  /** Make the prog mailer smrsh (the program's path on this system). */
  smrsh?: string;
  /** Bind every daemon to loopback. */
  localOnly?: boolean;
  /** ForwardPath, its places joined with `:` (empty: no .forward is read). */
  forwardPath?: string;
  /** DontBlameSendmail flags, joined with `,` (`safe` for none). */
  dontBlameSendmail?: string;
  unsafeGroupWrites?: boolean;
  /** The Received: header's value. */
  receivedHeader?: string;
  /** Limit options (MH1023's and the abuse limits), in the order they are written: whole numbers, MaxMimeHeaderLength also `N/M`. */
  limits?: readonly { option: LimitOption; value: number | string }[];
  runAsUser?: string;
  safeFileEnvironment?: string;
  /** Remove the FEATUREs that relay beyond the policy's networks (the .mc only: in a cf they are rulesets). */
  dropWeakRelay?: boolean;
  /** The STARTTLS options (certificates, protocol versions, ciphers, DH parameters), in the order they are written. */
  tls?: readonly { option: TlsOption; value: string }[];
  /**
   * The oldest protocol version: Server/ClientSSLOptions get the flags that turn off the older ones,
   * merged with the flags the configuration already sets (withMinProtocol).
   */
  minProtocol?: MinProtocol;
  /** SASL mechanisms, blank-separated: AuthMechanisms and the class TrustAuthMech. */
  authMechanisms?: string;
  /**
   * The class lines of TrustAuthMech the .mc writes from elsewhere than its own TRUST_AUTH_MECH (an
   * include()d file's, LOCAL_CONFIG's: model/sendmail-auth.ts trustAuthElsewhere), each as its words:
   * the cf's lines with these words are the admin's and stay; the others are the policy's one line.
   */
  trustAuthKept?: readonly string[];
  /** A submission daemon (port 587) that requires AUTH: M=Ea. */
  msa?: boolean;
  /** FEATURE(greet_pause)'s default, in milliseconds (the cf: the default of ruleset greet_pause). */
  greetPauseMs?: number;
  /** Every mail filter's F= flags: T (tempfail) or R (reject) while it is down, the other taken away. */
  milterFailMode?: 'tempfail' | 'reject';
  /** FEATURE(ratecontrol) and FEATURE(conncontrol) in the .mc (the cf: rulesets, only noted when missing). */
  clientControl?: { rate: boolean; conn: boolean };
}

/** The F= letter of each fail mode (milter.c: SMF_TEMPFAIL 'T', SMF_REJECT 'R'). */
const FAIL_LETTER = { tempfail: 'T', reject: 'R' } as const;

/**
 * A filter's equates (what follows `name,` in an X line or INPUT_MAIL_FILTER's second argument) with F=
 * holding the fail mode's letter: each F field's value is edited (the other of T and R taken away, and
 * for reject the 4 that would decide over R, its other letters kept), or `, F=T` is added; every other field stays as written. Undefined when a
 * value is quoted or escaped (sendmail's munchstring reads those, commas in quotes too), which is not edited.
 */
export function milterEquates(equates: string, mode: 'tempfail' | 'reject'): string | undefined {
  const letter = FAIL_LETTER[mode];
  let found = false;
  let refused = false;
  // Fields are cut at commas and keyed by their first letter, case-sensitive (milter.c, milter_setup).
  const fields = equates.split(',').map((f) => {
    const m = /^(\s*F[^=]*=[ \t]*)([^]*?)(\s*)$/.exec(f);
    if (!m) return f;
    found = true;
    if (/["\\]/.test(m[2]!)) refused = true;
    // T decides over 4 and 4 over R (measured with -bs, model/sendmail-milters.ts failMode): reject takes 4 away too.
    const kept = m[2]!.replace(mode === 'reject' ? /[RT4\s]/g : /[RT\s]/g, '');
    return `${m[1]}${kept}${letter}${m[3]}`;
  });
  // A quote or backslash in any field: munchstring reads a comma inside quotes as text (measured with -bs:
  // S="local:/x, F=T, y" is a socket with a comma and no flag, mail passes), so the naive fields are not sendmail's.
  if (refused || /["\\]/.test(equates)) return undefined;
  if (found) return fields.join(',');
  const trailing = /\s*$/.exec(equates)![0];
  return `${equates.slice(0, equates.length - trailing.length)}, F=${letter}${trailing}`;
}

/** The STARTTLS options a policy sets (their .mc macros: the model's table, m4MacroOf). */
export const TLS_OPTIONS = ['ServerCertFile', 'ServerKeyFile', 'ClientCertFile', 'ClientKeyFile', 'CACertFile', 'CACertPath', 'ServerSSLOptions', 'ClientSSLOptions', 'CipherList', 'DHParameters'] as const;
export type TlsOption = (typeof TLS_OPTIONS)[number];

/**
 * The SSL options that turn off every protocol older than `min` (RFC 8996 retires TLS 1.0 and 1.1).
 * Measured with sendmail 8.17.1.9: -d37.1 reads these names, and an unknown one is an error
 * ("ServerSSLOptions option value SSL_OP_NO_BOGUS unrecognized").
 */
export function sslOptionsFor(min: MinProtocol): string {
  return withMinProtocol(undefined, min);
}

/** The SSL options tls.minProtocol sets, on both sides. */
export const SSL_OPTIONS = ['ServerSSLOptions', 'ClientSSLOptions'] as const;

/** The class line of TRUST_AUTH_MECH: the mechanisms whose AUTH lets a client relay. */
export const TRUST_AUTH_CLASS = 'C{TrustAuthMech}';

/** The fields of a DaemonPortOptions value (a continued value's line breaks are blanks to sendmail). */
function daemonFields(value: string): string[] {
  return value.replace(/\s*\n\s*/g, ' ').split(',');
}

/** Whether a DaemonPortOptions value listens on the submission port (587). */
export function isSubmissionDaemon(value: string): boolean {
  return daemonFields(value).some((f) => /^\s*P\w*\s*=\s*(submission|587)\s*$/i.test(f));
}

/** A DaemonPortOptions value whose modifiers hold E (no ETRN) and a (AUTH required, RFC 6409): M= extended or added. */
export function msaDaemon(value: string): string {
  const fields = daemonFields(value);
  let found = false;
  const out = fields.map((f) => {
    const m = /^(\s*M\w*\s*=\s*)(\S*)(\s*)$/.exec(f);
    if (!m) return f;
    found = true;
    const letters = m[2]!;
    return `${m[1]}${letters}${letters.includes('E') ? '' : 'E'}${letters.includes('a') ? '' : 'a'}${m[3]}`;
  });
  const joined = out.join(',');
  return found ? joined : `${joined.replace(/[\s,]+$/, '')}, M=Ea`;
}

/** The MSA daemon apply adds where there is none. */
export const MSA_DAEMON = 'Family=inet, Name=MSA-v4, Port=submission, M=Ea';

/**
 * The rule of ruleset greet_pause that gives FEATURE(greet_pause)'s default: `R<?> <$*>  $# 1000` with
 * the access map, `R$*  $# 1000` without (feature/greet_pause.m4 writes one or the other).
 */
const GREET_PAUSE_DEFAULT = /^(R(?:<\?>\s*<\$\*>|\$\*)\s+\$#\s*)(\d+)(.*)$/;

/** The line numbers of ruleset greet_pause's default rule, if the cf has the ruleset (FEATURE(greet_pause) writes it). */
export function greetPauseDefaultLine(file: SourceFile): number | undefined {
  let inRuleset = false;
  for (let n = 1; n <= file.lineCount; n++) {
    const line = file.line(n);
    if (/^S/.test(line)) inRuleset = /^Sgreet_pause\s*$/.test(line);
    else if (inRuleset && GREET_PAUSE_DEFAULT.test(line)) return n;
  }
  return undefined;
}

/** FEATUREs that let clients relay other than by the policy's networks (MH1041, after cf/README). */
export const WEAK_RELAY_FEATURES: readonly string[] = ['relay_based_on_MX', 'relay_local_from', 'relay_mail_from', 'loose_relay_check', 'relay_entire_domain'];

/** The limits a policy sets: the cf option of each key (its .mc macro is the model's, m4MacroOf). */
export const LIMITS = {
  maxDaemonChildren: { option: 'MaxDaemonChildren' },
  connectionRateThrottle: { option: 'ConnectionRateThrottle' },
  maxRecipientsPerMessage: { option: 'MaxRecipientsPerMessage' },
  badRcptThrottle: { option: 'BadRcptThrottle' },
  maxMessageSize: { option: 'MaxMessageSize' },
  maxHeadersLength: { option: 'MaxHeadersLength' },
  maxMimeHeaderLength: { option: 'MaxMimeHeaderLength' },
  maxQueueChildren: { option: 'MaxQueueChildren' },
  refuseLA: { option: 'RefuseLA' },
  queueLA: { option: 'QueueLA' },
  minFreeBlocks: { option: 'MinFreeBlocks' },
  maxNoopCommands: { option: 'MaxNOOPCommands' },
} as const;
export type LimitOption = (typeof LIMITS)[keyof typeof LIMITS]['option'];

/** The .mc macro of each option a policy sets by name (proto.m4's _OPTION lines; cfhead.m4 for ForwardPath's default). */
export const OPTION_MACROS = {
  ForwardPath: 'confFORWARD_PATH',
  DontBlameSendmail: 'confDONT_BLAME_SENDMAIL',
  UnsafeGroupWrites: 'confUNSAFE_GROUP_WRITES',
  RunAsUser: 'confRUN_AS_USER',
  SafeFileEnvironment: 'confSAFE_FILE_ENV',
} as const;

/** An option line as FORMATS.md §9 requires: `O`, one space, no leading blank; a `#` escaped. */
export function cfOptionLine(name: string, value: string): string {
  if (/[\r\n]/.test(value)) throw new Error(`option ${name}: value with a line break`);
  return `O ${name}=${value.replace(/(?<!\\)#/g, '\\#')}`;
}

/** AuthOptions flags with `p` added (flags are letters separated by commas or blanks). */
export function withAuthFlagP(value: string | undefined): string {
  const flags = (value ?? '').split(/[\s,]+/).filter(Boolean);
  if (!flags.includes('p')) flags.push('p');
  return flags.join(',');
}

/** A DaemonPortOptions value bound to loopback: the Addr field replaced or added (Family=local is left alone). */
export function loopbackDaemon(value: string): string {
  // A continued value's line breaks are blanks to sendmail; the rewritten value is one line.
  const fields = value.replace(/\s*\n\s*/g, ' ').split(',');
  let family = 'inet';
  for (const f of fields) {
    const eq = f.indexOf('=');
    if (eq > 0 && f.trimStart()[0]?.toUpperCase() === 'F') family = f.slice(eq + 1).trim().toLowerCase();
  }
  if (family === 'local' || family === 'unix') return value.replace(/\s*\n\s*/g, ' ');
  const loopback = family === 'inet6' ? '::1' : '127.0.0.1';
  let found = false;
  const out = fields.map((f) => {
    const eq = f.indexOf('=');
    if (eq < 0 || f.trimStart()[0]?.toUpperCase() !== 'A') return f;
    found = true;
    return `${f.slice(0, eq + 1)}${loopback}`;
  });
  const joined = out.join(',');
  return found ? joined : `${joined.replace(/[\s,]+$/, '')}, Addr=${loopback}`;
}

const DEFAULT_DAEMON = 'Family=inet, Name=MTA-v4, Port=smtp';

/**
 * Patches a sendmail.cf to the settings: each managed option gets exactly one line (in place of the
 * first existing one, the others removed), new options go after their commented default (`#O Name`) or
 * after the last option line, and the prog mailer's P= and A= fields become smrsh. Every other byte
 * is kept.
 */
export function renderSendmailCf(text: string, want: SendmailSettings, path = 'sendmail.cf'): string {
  const file = new SourceFile(path, text);
  const doc = parseSendmailCf(file);
  const edits = new TextEdits(file);
  const lastOptionLine = doc.options.length ? doc.options[doc.options.length - 1]!.line.joined.endLine : (doc.versionLine?.joined.endLine ?? file.lineCount);

  // Lines written to set an option that sendmail reads otherwise: `OName=…` without the space (a
  // one-letter option, MH1050) and `O Name=…` indented after a comment (part of the comment, MH1051).
  // Where the policy sets the option, its own line is the one in force, and these go.
  const miswritten = (name: string): number[] => {
    const out: number[] = [];
    for (const o of doc.options) if (o.name !== name && meantLongName(o)?.name === name) for (let n = o.line.joined.startLine; n <= o.line.joined.endLine; n++) out.push(n);
    const { lines } = doc;
    for (let i = 0; i < lines.length; i++) {
      if (lines.kind(i) !== 'comment' || lines.lineCount(i) < 2) continue;
      for (let k = 1; k < lines.lineCount(i); k++) {
        const n = lines.startLine(i) + k;
        const m = /^[ \t]+O ([A-Za-z][\w.]*) *=/.exec(file.line(n));
        const found = m ? lookupOption(m[1]!) : undefined;
        if (found && 'name' in found && found.name === name) out.push(n);
      }
    }
    return out;
  };
  const setOption = (name: string, value: string): void => {
    for (const n of miswritten(name)) edits.removeLines(n, n);
    const existing = doc.options.filter((o) => o.name === name);
    const line = cfOptionLine(name, value);
    if (existing.length) {
      existing.forEach((o, i) => edits.replaceLines(o.line.joined.startLine, o.line.joined.endLine, i === 0 ? [line] : []));
      return;
    }
    const commented = commentedDefault(doc, name);
    edits.insertAfter(commented ?? lastOptionLine, [line]);
  };

  if (want.privacy) setOption('PrivacyOptions', want.privacy.join(','));
  if (want.greeting !== undefined) setOption('SmtpGreetingMessage', want.greeting);
  if (want.helpFile !== undefined) setOption('HelpFile', want.helpFile);
  if (want.logLevel !== undefined) setOption('LogLevel', String(want.logLevel));
  if (want.authRequireTls) setOption('AuthOptions', withAuthFlagP(lastValue(doc, 'AuthOptions')));
  if (want.localOnly || want.msa) {
    const daemons = doc.options.filter((o) => o.name === 'DaemonPortOptions');
    const place = daemons.at(-1)?.line.joined.endLine ?? commentedDefault(doc, 'DaemonPortOptions') ?? lastOptionLine;
    const listen = (value: string): string => (want.localOnly ? loopbackDaemon(value) : value);
    // With no DaemonPortOptions sendmail listens on port 25 of every address: a line written for the
    // MSA alone would take that away, so the default is written out too.
    const added = daemons.length === 0 ? [cfOptionLine('DaemonPortOptions', listen(DEFAULT_DAEMON))] : [];
    if (want.msa && !daemons.some((o) => isSubmissionDaemon(o.value))) added.push(cfOptionLine('DaemonPortOptions', listen(MSA_DAEMON)));
    if (added.length) edits.insertAfter(place, added);
    for (const o of daemons) {
      const value = want.msa && isSubmissionDaemon(o.value) ? msaDaemon(listen(o.value)) : listen(o.value);
      if (value !== o.value) edits.replaceLines(o.line.joined.startLine, o.line.joined.endLine, [cfOptionLine('DaemonPortOptions', value)]);
    }
  }
  for (const t of want.tls ?? []) setOption(t.option, t.value);
  if (want.minProtocol) {
    // sendmail reads every line of an SSL options value in turn: their words, in order, are the value
    // merged (an admin's +SSL_OP_CIPHER_SERVER_PREFERENCE or -SSL_OP_NO_TICKET stays).
    for (const name of SSL_OPTIONS) {
      const lines = doc.options.filter((o) => o.name === name);
      setOption(name, withMinProtocol(lines.length ? lines.map((o) => o.value).join(' ') : undefined, want.minProtocol));
    }
  }
  if (want.authMechanisms !== undefined) {
    setOption('AuthMechanisms', want.authMechanisms);
    setClass(doc, edits, TRUST_AUTH_CLASS, want.authMechanisms, want.trustAuthKept ?? []);
  }
  if (want.greetPauseMs !== undefined) {
    // The FEATURE is a ruleset in the cf: its default is edited where it is; a cf without it is
    // rebuilt from the .mc (apply's plan notes that).
    const n = greetPauseDefaultLine(file);
    const m = n === undefined ? null : GREET_PAUSE_DEFAULT.exec(file.line(n));
    if (n !== undefined && m && Number(m[2]) !== want.greetPauseMs) edits.replaceLines(n, n, [`${m[1]}${want.greetPauseMs}${m[3]}`]);
  }
  if (want.milterFailMode) {
    // X lines: the text after the name's comma, across the lines of a continued X line.
    const { lines } = doc;
    for (let i = 0; i < lines.length; i++) {
      if (lines.letter(i) !== 'X') continue;
      const first = lines.startLine(i);
      const last = first + lines.lineCount(i) - 1;
      const from = file.lineStart(first);
      const to = file.lineEnd(last);
      const raw = text.slice(from, to);
      const comma = raw.indexOf(',');
      if (comma < 0) continue;
      const next = milterEquates(raw.slice(comma + 1), want.milterFailMode);
      if (next !== undefined && next !== raw.slice(comma + 1)) edits.replace(from + comma + 1, to, next);
    }
  }
  if (want.forwardPath !== undefined) setOption('ForwardPath', want.forwardPath);
  if (want.dontBlameSendmail !== undefined) setOption('DontBlameSendmail', want.dontBlameSendmail);
  // True is sendmail's default, and what the .mc gives once its deprecated define is gone: the lines go.
  if (want.unsafeGroupWrites === false) setOption('UnsafeGroupWrites', 'False');
  if (want.unsafeGroupWrites === true) for (const o of doc.options.filter((x) => x.name === 'UnsafeGroupWrites')) edits.removeLines(o.line.joined.startLine, o.line.joined.endLine);
  for (const l of want.limits ?? []) setOption(l.option, String(l.value));
  if (want.runAsUser !== undefined) setOption('RunAsUser', want.runAsUser);
  if (want.safeFileEnvironment !== undefined) setOption('SafeFileEnvironment', want.safeFileEnvironment);
  if (want.receivedHeader !== undefined) {
    if (/[\r\n]/.test(want.receivedHeader)) throw new Error('Received header with a line break');
    // The last Received header is the one sendmail uses (model/sendmail.ts): it is replaced, the others go.
    const received = doc.headers.filter((h) => h.name.toLowerCase() === 'received');
    const line = `HReceived: ${want.receivedHeader}`;
    if (received.length === 0) edits.insertAfter(lastOptionLine, [line]);
    const last = received[received.length - 1];
    for (const h of received) {
      if (h === last && h.line.joined.startLine === h.line.joined.endLine && file.line(h.line.joined.startLine) === line) continue;
      edits.replaceLines(h.line.joined.startLine, h.line.joined.endLine, h === last ? [line] : []);
    }
  }
  if (want.smrsh) {
    for (const m of doc.mailers.filter((x) => x.name === 'prog')) {
      replaceField(file, edits, m.fields.get('P'), want.smrsh);
      replaceField(file, edits, m.fields.get('A'), 'smrsh -c $u');
    }
  }
  return edits.size ? edits.apply() : text;
}

/**
 * Makes `head` (a class line such as `C{TrustAuthMech}`) one line of the policy's with the words: class
 * lines add to the class, so every other one goes, but for those with the words of a `kept` entry (one
 * line each), which are the admin's and stay where they are. A new line goes after the last class line
 * before the first ruleset (where m4 writes TRUST_AUTH_MECH's); existing ones are replaced wherever they are.
 */
function setClass(doc: CfDocument, edits: TextEdits, head: string, words: string, kept: readonly string[]): void {
  const { lines } = doc;
  const line = `${head}${words}`;
  const wordsOf = (text: string): string => [...new Set(text.split(/\s+/).filter(Boolean).map((w) => w.toUpperCase()))].sort().join(' ');
  const keep = kept.map(wordsOf);
  let first = true;
  let lastClass: number | undefined;
  let rulesets = false;
  for (let i = 0; i < lines.length; i++) {
    const letter = lines.letter(i);
    rulesets ||= letter === 'S';
    if (letter === 'C' && !rulesets) lastClass = lines.startLine(i) + lines.lineCount(i) - 1;
    if (letter !== 'C' || !lines.head(i).startsWith(head)) continue;
    const at = keep.indexOf(wordsOf(lines.head(i).slice(head.length)));
    if (at >= 0) {
      keep.splice(at, 1);
      continue;
    }
    const from = lines.startLine(i);
    edits.replaceLines(from, from + lines.lineCount(i) - 1, first ? [line] : []);
    first = false;
  }
  if (first) edits.insertAfter(lastClass ?? doc.versionLine?.joined.endLine ?? 1, [line]);
}

function lastValue(doc: CfDocument, name: string): string | undefined {
  let last: CfOption | undefined;
  for (const o of doc.options) if (o.name === name) last = o;
  return last?.value;
}

/**
 * The last physical line of `#O Name` (m4's marker of an option left at its default), if any: an
 * indented line after the comment belongs to it, so the new line goes after that one.
 */
function commentedDefault(doc: CfDocument, name: string): number | undefined {
  const re = new RegExp(`^#O ${name}(=|\\s*$)`, 'm');
  const { lines } = doc;
  for (let i = 0; i < lines.length; i++) if (lines.kind(i) === 'comment' && re.test(lines.head(i))) return lines.startLine(i) + lines.lineCount(i) - 1;
  return undefined;
}

function replaceField(file: SourceFile, edits: TextEdits, field: MailerField | undefined, value: string): void {
  if (!field || field.value === value) return;
  // The field's value in raw text (comments cut and `\#` escapes are accounted for), as file offsets.
  const [from, to] = field.rawRange;
  const start = file.offsetOf(field.joined.position(from));
  edits.replace(start, to > from ? file.offsetOf(field.joined.position(to - 1)) + 1 : start, value);
}
