import type { Span } from '../core/types.js';
import type { CfDocument, CfOption } from '../parsers/sendmail-cf.js';
import { rescanned, type McDocument } from '../parsers/sendmail-mc.js';
import { isLocalOnly, readDaemon, type Daemon } from './daemon.js';
import { includeEffects, type M4Effects } from './m4-includes.js';
import { M4_OPTIONS } from './m4-options.js';
import { PRIVACY_FLAGS } from './sendmail-options.js';

/** One effective or written value of a sendmail option. */
export interface Setting {
  /** Canonical option name (`PrivacyOptions`, `Timeout.queuereturn`). */
  name: string;
  value: string;
  /** Where the value is written; for implicit settings, the file's anchor. */
  span: Span;
  /** The value was not written in this file: m4's cfhead.m4 supplies it when the .mc leaves it out. */
  implicit: boolean;
  /** For .mc files: the m4 macro that sets it. */
  macro?: string;
  /**
   * For .mc files: the OSTYPE, DOMAIN or FEATURE call that set it (as `FEATURE(\`msp')`), when no
   * define of the .mc did; `span` is then that call's.
   */
  impliedBy?: string;
}

/** A word of a PrivacyOptions value. */
export interface PrivacyWordAt {
  readonly word: string;
  readonly span: Span;
  readonly known: boolean;
}

/** The local mailer as the configuration defines it (.mc only: the cf's M lines are read elsewhere). */
export interface LocalMailer {
  path: string;
  argv: string;
  span: Span;
}

/** The prog mailer as the configuration defines it. */
export interface ProgMailer {
  path: string;
  argv: string;
  span: Span;
  /** .mc only: FEATURE(`smrsh') is present but after MAILER(`local'), so m4 keeps /bin/sh. */
  smrshMisplaced?: Span;
}

/**
 * What a sendmail configuration means, whether read from a .cf or from a .mc: the effective options,
 * modelled as sendmail applies them (PrivacyOptions accumulates, every other option: last line wins).
 */
export interface SendmailModel {
  origin: 'cf' | 'mc';
  /** Where findings about something absent are anchored. */
  anchor: Span;
  /** Every setting of an option, in file order. */
  all(name: string): readonly Setting[];
  /** The effective setting (the last one), or undefined when the option is unset. */
  get(name: string): Setting | undefined;
  /** The effective PrivacyOptions flags: the OR of every line, `goaway` expanded, `noexpn` ⇒ `noverb`. */
  privacy: ReadonlySet<string>;
  /** Every word of every PrivacyOptions value, in order (made as they are walked: a value may hold millions). */
  privacyWords: Iterable<PrivacyWordAt>;
  /** The words of privacyWords that are not privacy flags, in order (each value's words are looked up once). */
  unknownPrivacyWords: Iterable<PrivacyWordAt>;
  /** Every DaemonPortOptions line: each one adds a listener. Empty when none is configured. */
  daemons: readonly Setting[];
  prog?: ProgMailer;
  /** .mc only: the local mailer MAILER(`local') writes, with the OSTYPE's and FEATUREs' paths. */
  local?: LocalMailer;
  receivedHeader?: Setting;
  /**
   * What the configuration is for. `msp`: the mail submission program (FEATURE(`msp'), Debian's and
   * FreeBSD's submit.mc/submit.cf): sendmail reads it when a local program submits mail, hands every
   * message to the MTA, and runs no SMTP daemon (Debian starts it as a queue runner, `-Ac -q`). A cf
   * shows it by msp.m4's VERSIONID comment, or, stripped of comments, by daemons that are all
   * msp.m4's loopback `Name=NoMTA`. `mta`: anything else.
   */
  role: 'mta' | 'msp';
  /**
   * True when the configuration runs an SMTP daemon that clients connect to: rules about what such a
   * daemon says and allows (greeting, VRFY/EXPN/ETRN, HELP, AUTH, limits, greet_pause, listeners) ask this.
   */
  servesSmtp: boolean;
  /**
   * The FEATUREs the configuration uses, in order. In a .mc: its FEATURE() calls. In a .cf: the m4
   * files named by the VERSIONID comments m4 left in it (see featuresOfCf), with no arguments.
   */
  features: readonly Feature[];
}

/** A FEATURE() of a .mc, or an m4 file a .cf was built from. */
export interface Feature {
  name: string;
  /** The arguments after the name (.mc only; [] for a .cf). */
  args: string[];
  span: Span;
  /** The position of the call among the .mc's calls; in a .cf, the index of the comment line. */
  index: number;
  /** .mc only: the FEATURE, OSTYPE or DOMAIN call that pulled this one in (msp pulls in no_default_msa); `span` is that call's. */
  impliedBy?: string;
}

class Model implements SendmailModel {
  private readonly byName = new Map<string, Setting[]>();
  privacy = new Set<string>();
  private readonly privacyValues: { value: string; spans: ValueSpans }[] = [];
  /** Whether every word of a PrivacyOptions value is a flag, for the values seen (up to PRIVACY_MEMO). */
  private readonly privacyKnown = new Map<string, boolean>();
  daemons: Setting[] = [];
  prog?: ProgMailer;
  local?: LocalMailer;
  receivedHeader?: Setting;
  role: 'mta' | 'msp' = 'mta';
  private featureList: readonly Feature[] | undefined;

  constructor(
    readonly origin: 'cf' | 'mc',
    readonly anchor: Span,
    private readonly readFeatures: () => readonly Feature[],
  ) {}

  get servesSmtp(): boolean {
    return this.role !== 'msp';
  }

  /** Read when first asked for: most .cf lint runs never look. */
  get features(): readonly Feature[] {
    return (this.featureList ??= this.readFeatures());
  }

  add(s: Setting): void {
    const list = this.byName.get(s.name.toLowerCase());
    if (list) list.push(s);
    else this.byName.set(s.name.toLowerCase(), [s]);
  }

  all(name: string): readonly Setting[] {
    return this.byName.get(name.toLowerCase()) ?? [];
  }

  get(name: string): Setting | undefined {
    const list = this.all(name);
    return list[list.length - 1];
  }

  /** Adds the words of a PrivacyOptions value: its flags now, the words themselves when walked. */
  addPrivacy(value: string, spans: ValueSpans): void {
    this.privacyValues.push({ value, spans });
    // A value seen before adds no flag (a file may repeat one line many times).
    if (this.privacyKnown.has(value)) return;
    let known = true;
    wordsOf(value, (from, to) => {
      const flags = PRIVACY_FLAGS.get(value.slice(from, to).toLowerCase());
      if (flags) for (const flag of flags) this.privacy.add(flag);
      else known = false;
    });
    if (this.privacyKnown.size < PRIVACY_MEMO) this.privacyKnown.set(value, known);
  }

  get privacyWords(): Iterable<PrivacyWordAt> {
    return this.walkPrivacy(false);
  }

  get unknownPrivacyWords(): Iterable<PrivacyWordAt> {
    return this.walkPrivacy(true);
  }

  private walkPrivacy(unknownOnly: boolean): Iterable<PrivacyWordAt> {
    const { privacyValues: values, privacyKnown: memo } = this;
    return {
      *[Symbol.iterator]() {
        for (const { value, spans } of values) {
          if (unknownOnly && memo.get(value) === true) continue;
          const words: LocatedWord[] = [];
          wordsOf(value, (from, to) => {
            const w = new LocatedWord(value.slice(from, to), from, spans);
            if (!unknownOnly || !w.known) words.push(w);
          });
          yield* words;
        }
      },
    };
  }
}

/** How many distinct PrivacyOptions values the model remembers as all flags or not. */
const PRIVACY_MEMO = 4096;

/** Calls `each` with the offsets of every word of a PrivacyOptions value (a run of ASCII letters and digits). */
function wordsOf(value: string, each: (from: number, to: number) => void): void {
  let from = -1;
  for (let k = 0; k <= value.length; k++) {
    const c = k < value.length ? value.charCodeAt(k) : -1;
    const word = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
    if (word && from < 0) from = k;
    else if (!word && from >= 0) {
      each(from, k);
      from = -1;
    }
  }
}

/** A word of a PrivacyOptions value whose span is computed only when a rule reports it. */
class LocatedWord implements PrivacyWordAt {
  readonly known: boolean;
  constructor(
    readonly word: string,
    private readonly offset: number,
    private readonly value: ValueSpans,
  ) {
    this.known = PRIVACY_FLAGS.has(word.toLowerCase());
  }
  get span(): Span {
    return this.value.valueSpanAt(this.offset, this.offset + this.word.length);
  }
}

/** Where the characters of a value lie: a CfOption, or what a .mc knows of a setting. */
interface ValueSpans {
  valueSpanAt(from: number, to: number): Span;
}


/** The setting of an O line; its span is computed when asked for. */
class OptionSetting implements Setting {
  readonly implicit = false;
  readonly value: string;
  constructor(
    readonly name: string,
    private readonly option: CfOption,
  ) {
    this.value = option.value;
  }
  get span(): Span {
    return this.option.valueSpan;
  }
}

/**
 * The FEATUREs named by the VERSIONID comments m4 writes into a generated cf. Every feature file
 * starts with `divert(0) VERSIONID(...)`, so `FEATURE(\`relay_based_on_MX')` leaves the line
 * `#####  $Id: relay_based_on_MX.m4,v 8.12 ... $  #####` near the top of the cf. Other m4 files
 * (cfhead, proto, the mailers) leave such lines too, so callers look for the feature names they know.
 * A cf written by hand, or stripped of comments, has none: absence proves nothing.
 */
function featuresOfCf(doc: CfDocument): Feature[] {
  const out: Feature[] = [];
  if (!doc.file.text.includes('$Id: ')) return out;
  const { lines } = doc;
  for (let i = 0; i < lines.length; i++) {
    if (lines.kind(i) !== 'comment') continue;
    const head = lines.head(i);
    const m = /^#+[ \t]+\$Id: (\w+)\.m4,v /.exec(head);
    if (m) out.push({ name: m[1]!, args: [], span: doc.file.span(lines.startLine(i), 1, head.length), index: i });
  }
  return out;
}

/**
 * A configuration made with FEATURE(`msp'): the .mc uses it (or a cf has msp.m4's VERSIONID comment),
 * or every daemon is the `Name=NoMTA…` on a loopback address that msp.m4 writes (Debian's submit.cf:
 * `O DaemonPortOptions=Name=NoMTA, Addr=127.0.0.1, M=E`), which is all a cf stripped of comments shows.
 */
function roleOf(model: SendmailModel): 'mta' | 'msp' {
  if (model.daemons.length > 0 && model.daemons.every((s) => isNoMta(readDaemon(s, 0)))) return 'msp';
  return model.features.some((f) => f.name === 'msp') ? 'msp' : 'mta';
}

const isNoMta = (d: Daemon): boolean => /^NoMTA/i.test(d.name) && isLocalOnly(d);

/** The model of a sendmail.cf. */
export function modelFromCf(doc: CfDocument): SendmailModel {
  const { lines } = doc;
  let first = 0;
  while (first < lines.length && lines.kind(first) !== 'statement') first++;
  // Something absent is reported at the last O line, where an option line would be added (not at the
  // V line: nothing about a missing option is wrong there).
  const lastOption = doc.options.length ? doc.options[doc.options.length - 1] : undefined;
  const anchor = lastOption?.line.span ?? doc.versionLine?.span ?? (first < lines.length ? lines.at(first).span : doc.file.startSpan());
  const model = new Model('cf', anchor, () => featuresOfCf(doc));
  for (const opt of doc.options) {
    if (!opt.name) continue;
    const setting = new OptionSetting(opt.name, opt);
    model.add(setting);
    if (opt.name === 'PrivacyOptions') {
      model.addPrivacy(opt.value, opt);
    } else if (opt.name === 'DaemonPortOptions') {
      model.daemons.push(setting);
    }
  }
  // A later M line for the same mailer replaces the earlier one.
  const prog = doc.mailers.filter((m) => m.name === 'prog').pop();
  if (prog) {
    const p = prog.fields.get('P');
    const a = prog.fields.get('A');
    model.prog = { path: p?.value ?? '', argv: a?.value ?? '', span: p?.span ?? prog.nameSpan };
  }
  const received = doc.headers.filter((h) => h.name.toLowerCase() === 'received').pop();
  if (received) model.receivedHeader = { name: 'Received', value: received.value, span: received.valueSpan, implicit: false };
  model.role = roleOf(model);
  return model;
}

/** The Received: header cfhead.m4 writes unless confRECEIVED_HEADER is defined (it names $v/$Z). */
const DEFAULT_RECEIVED = '$?sfrom $s $.$?_($?s$|from $.$_) $.$?{auth_type}(authenticated$?{auth_ssf} bits=${auth_ssf}$.) $.by $j ($v/$Z)$?r with $r$. id $i$?{tls_version} (version=${tls_version} cipher=${cipher} bits=${cipher_bits} verify=${verify})$.$?u for $u; $|; $.$b';

/** An m4 macro as the .mc leaves it: its value, where it is set, and the include that set it, if any. */
interface Macro {
  value: string;
  /** Expanded when the cf is written (a quoted value of an include). */
  later?: (get: (macro: string) => string | undefined) => string;
  span: Span;
  impliedBy?: string;
}

/**
 * The model of a sendmail.mc: its calls read in order, as m4 reads them. `define` and `undefine` set
 * macros over the values cfhead.m4 predefines; OSTYPE, DOMAIN and FEATURE replay what their m4 files
 * do (src/model/m4-includes.ts), at the call's position, so a later define wins over them and an
 * earlier one loses to an unconditional define in them. The prog mailer is written when MAILER(`local')
 * is read (proto.m4 reads it at the end when the .mc does not), with LOCAL_SHELL_PATH as it is then.
 * One daemon per DAEMON_OPTIONS, or sendmail's defaults (MTA on every address, plus the MSA unless
 * no_default_msa).
 */
export function modelFromMc(doc: McDocument): SendmailModel {
  // Something absent is reported where it would be added: before the mailers (a define, FEATURE or
  // DAEMON_OPTIONS after MAILER() comes too late for m4), else after the last call.
  const mailers = doc.calls.find((c) => c.name === 'MAILER' || c.name === 'MAILER_DEFINITIONS');
  const anchor = (mailers ?? doc.calls[doc.calls.length - 1])?.span ?? doc.file.startSpan();
  const features: Feature[] = [];
  const model = new Model('mc', anchor, () => features);
  const defined = new Map<string, Macro>();
  const undefinedAt = new Map<string, Macro>();
  let prog: ProgMailer | undefined;
  let local: LocalMailer | undefined;
  /** The call being read, and the include whose effects are being replayed (for `impliedBy`). */
  let at: { span: Span; index: number; by?: string } = { span: anchor, index: -1 };
  const define = (macro: string, value: string, span = at.span, later?: Macro['later']): void => {
    defined.set(macro, { value, span, impliedBy: at.by, ...(later ? { later } : {}) });
    undefinedAt.delete(macro);
  };
  const writeLocal = (): void => {
    if (prog) return;
    const shell = defined.get('LOCAL_SHELL_PATH');
    const argv = defined.get('LOCAL_SHELL_ARGS');
    prog = { path: shell?.value ?? '/bin/sh', argv: argv?.value ?? 'sh -c $u', span: shell?.span ?? at.span };
    const mailer = defined.get('LOCAL_MAILER_PATH');
    local = { path: mailer?.value ?? '/bin/mail', argv: defined.get('LOCAL_MAILER_ARGS')?.value ?? 'mail -d $u', span: mailer?.span ?? at.span };
  };
  const effects: M4Effects = {
    get: (macro) => defined.get(macro)?.value,
    define: (macro, value) => define(macro, value),
    otherwise: (macro, value) => {
      if (defined.has(macro)) return;
      if (typeof value === 'string') define(macro, value);
      else define(macro, '', at.span, value);
    },
    undefine: (macro) => {
      defined.delete(macro);
      undefinedAt.set(macro, { value: '', span: at.span, impliedBy: at.by });
    },
    daemon: (value) => {
      model.daemons.push({ name: 'DaemonPortOptions', value, span: at.span, implicit: false, macro: 'DAEMON_OPTIONS', impliedBy: at.by });
    },
    hasDaemons: () => model.daemons.length > 0,
    feature: (name) => include('FEATURE', name, []),
    mailerLocal: writeLocal,
  };
  /** Replays an OSTYPE, DOMAIN or FEATURE; a nested one is implied by the outermost call. */
  const include = (macro: string, name: string, args: readonly string[]): void => {
    const outer = at.by;
    at = { ...at, by: outer ?? `${macro}(\`${name}')` };
    // FEATURE(`smrsh') after MAILER(`local') comes too late: m4 keeps the shell (and only warns).
    // After FEATURE(`msp') the prog mailer is [IPC], no program at all, so nothing is kept.
    if (macro === 'FEATURE' && name === 'smrsh' && prog && !prog.smrshMisplaced && !prog.path.startsWith('[')) prog.smrshMisplaced = at.span;
    if (macro === 'FEATURE') features.push({ name, args: [...args], span: at.span, index: at.index, ...(outer ? { impliedBy: outer } : {}) });
    includeEffects(macro, name)?.(effects, args);
    at = { ...at, by: outer };
  };
  for (const call of doc.calls) {
    at = { span: call.span, index: call.index };
    const first = call.args[0];
    if (call.name === 'define' && first) {
      const value = call.args[1];
      // HELP_FILE's value is rescanned twice on its way into the cf (src/render/sendmail-mc.ts, RESCANS).
      const once = rescanned(value?.text ?? '');
      define(first.text, first.text === 'HELP_FILE' ? rescanned(once) : once, value?.span ?? call.span);
    } else if (call.name === 'undefine' && first) {
      effects.undefine(first.text);
    } else if ((call.name === 'OSTYPE' || call.name === 'DOMAIN' || call.name === 'FEATURE') && first) {
      include(call.name, first.text, call.args.slice(1).map((a) => a.text));
    } else if (call.name === 'DAEMON_OPTIONS' && first) {
      model.daemons.push({ name: 'DaemonPortOptions', value: first.text, span: first.span, implicit: false, macro: 'DAEMON_OPTIONS' });
    } else if (call.name === 'MAILER' && first?.text === 'local') {
      writeLocal();
    }
  }
  // proto.m4 reads MAILER(`local') itself when the .mc has not.
  at = { span: anchor, index: Number.MAX_SAFE_INTEGER };
  writeLocal();
  for (const d of defined.values()) if (d.later) d.value = d.later((macro) => defined.get(macro)?.value);
  // LOCAL_CONFIG lines are copied into the cf before the lines m4 generates, so a generated line of
  // the same option comes later and wins (PrivacyOptions still accumulate).
  for (const cfLine of doc.localConfig) {
    const m = /^O ([A-Za-z][\w.]*)\s*=\s*(.*)$/.exec(cfLine.text);
    if (!m) continue;
    const span: Span = { start: { line: cfLine.line, column: 1 }, end: { line: cfLine.line, column: cfLine.text.length + 1 } };
    const setting: Setting = { name: m[1]!, value: m[2]!.trim(), span, implicit: false };
    model.add(setting);
    if (m[1]!.toLowerCase() === 'privacyoptions') model.addPrivacy(setting.value, { valueSpanAt: () => span });
  }
  const settingOf = (option: string, macro: string, d: Macro): Setting => ({ name: option, value: d.value, span: d.span, implicit: false, macro, ...(d.impliedBy ? { impliedBy: d.impliedBy } : {}) });
  for (const [option, macro, predefined] of M4_OPTIONS) {
    const d = defined.get(macro);
    let setting: Setting | undefined;
    if (d) setting = settingOf(option, macro, d);
    else if (predefined !== undefined && !undefinedAt.has(macro)) setting = { name: option, value: predefined, span: anchor, implicit: true, macro };
    if (!setting) continue;
    model.add(setting);
    if (option === 'PrivacyOptions') {
      const where = setting.implicit || setting.impliedBy ? undefined : setting.span;
      const span = setting.span;
      model.addPrivacy(setting.value, { valueSpanAt: (from, to) => (where ? valueSpan(where, from, to) : span) });
    }
  }
  // HelpFile is always written (proto.m4), with this default.
  const help = defined.get('HELP_FILE');
  model.add(help ? settingOf('HelpFile', 'HELP_FILE', help) : { name: 'HelpFile', value: '/etc/mail/helpfile', span: anchor, implicit: true, macro: 'HELP_FILE' });
  const rec = defined.get('confRECEIVED_HEADER');
  model.receivedHeader = rec ? { name: 'Received', value: rec.value, span: rec.span, implicit: false, macro: 'confRECEIVED_HEADER' } : { name: 'Received', value: DEFAULT_RECEIVED, span: anchor, implicit: true, macro: 'confRECEIVED_HEADER' };
  // proto.m4: without DAEMON_OPTIONS the MTA listens on every address; the MSA on 587 is added after
  // the DAEMON_OPTIONS lines, however many there are, unless FEATURE(`no_default_msa').
  if (model.daemons.length === 0) model.daemons.push({ name: 'DaemonPortOptions', value: 'Name=MTA', span: anchor, implicit: true });
  if (!features.some((f) => f.name === 'no_default_msa')) model.daemons.push({ name: 'DaemonPortOptions', value: 'Port=587, Name=MSA, M=E', span: anchor, implicit: true });
  model.prog = prog;
  model.local = local;
  model.role = roleOf(model);
  return model;
}

/** Narrows an argument's span to a part of its value when the value sits on one line. */
function valueSpan(argSpan: Span, from: number, to: number): Span {
  if (argSpan.start.line !== argSpan.end.line) return argSpan;
  // The argument span starts at the opening quote when the value is quoted.
  return { start: { line: argSpan.start.line, column: argSpan.start.column + 1 + from }, end: { line: argSpan.start.line, column: argSpan.start.column + 1 + to } };
}
