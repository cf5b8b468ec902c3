import { SourceFile } from '../core/source.js';
import { UserError } from '../core/errors.js';
import { visibleControls } from '../core/visible.js';
import { parseSendmailMc, rescanned, type McArg, type McCall, type McDocument } from '../parsers/sendmail-mc.js';
import { TextEdits } from './edits.js';
import { withMinProtocol } from '../model/sendmail-tls.js';
import { isSubmissionDaemon, loopbackDaemon, milterEquates, MSA_DAEMON, msaDaemon, OPTION_MACROS, SSL_OPTIONS, WEAK_RELAY_FEATURES, withAuthFlagP, type SendmailSettings } from './sendmail-cf.js';

import { lookupOption, optionForLetter } from '../model/sendmail-options.js';
import { m4MacroOf } from '../model/m4-options.js';

/**
 * `$` followed by a digit, `#`, `*` or `@` is a macro parameter: m4 replaces it when the macro whose
 * value holds it is expanded (`$0` is the macro's own name), quoted or not.
 */
export const M4_PARAMETER = /\$[0-9#*@]/;

/** An m4 argument quoted for sendmail.mc; the values never hold quotes (the policy schema forbids them). */
function quoted(value: string, times = 1): string {
  if (/[`'\r\n]/.test(value)) throw new Error(`m4 value with a quote or line break: ${JSON.stringify(value)}`);
  if (M4_PARAMETER.test(value)) throw new Error(`m4 value with a macro parameter: ${JSON.stringify(value)}`);
  return `${'`'.repeat(times)}${value}${"'".repeat(times)}`;
}

const call = (name: string, ...args: string[]): string => `${name}(${args.map((a) => quoted(a)).join(', ')})`;

/**
 * How many times proto.m4 rescans a define's value before it reaches the cf: once for the options it
 * writes with _OPTION (`=$2` is rescanned, and so is the macro's expansion), twice for HELP_FILE,
 * which `ifdef(`HELP_FILE', HELP_FILE, …)` expands while it collects the argument and then rescans
 * again as ifdef's result.
 */
export const RESCANS: Readonly<Record<string, number>> = { HELP_FILE: 2 };

/**
 * A define whose value is text: quoted once more than proto.m4 rescans it, so that m4 writes the text
 * as it is (quoted once, `dnl` would cut the greeting and `syscmd(…)` would run when the cf is built).
 */
const defineLine = (macro: string, value: string): string => `define(${quoted(macro)}, ${quoted(value, (RESCANS[macro] ?? 1) + 1)})`;

/** Words m4 acts on by itself (GNU m4 1.4 builtins): a line holding one is never removed as plain text. */
const M4_BUILTINS = new Set(
  'builtin changecom changequote changeword debugfile debugmode decr define defn divert divnum dnl dumpdef errprint esyscmd eval file format ifdef ifelse include incr index indir len line m4exit m4wrap maketemp mkstemp patsubst popdef pushdef regexp shift sinclude substr syscmd sysval traceoff traceon translit undefine undivert unix gnu os2 windows'
    .split(' ')
    .concat(['__file__', '__line__', '__program__', '__gnu__', '__unix__', '__os2__', '__windows__']),
);

/** The place of a value inside its argument: how deeply it is quoted and where its text lies. */
interface PlainArg {
  /** 0: unquoted, 1: `value', 2: ``value''. */
  level: number;
  value: string;
  /** Offsets of the value's text in the file (inside the quotes). */
  from: number;
  to: number;
}

/**
 * An argument whose value is one run of text quoted `level` times (up to twice it reaches the cf without
 * quotes: proto.m4 rescans it once) (no other quote inside, nothing
 * after it but blanks), or undefined. Only such a value can be edited in place at the level it had:
 * anything else (quotes inside, pieces quoted differently, a dnl, a comment) is m4 text apply does
 * not rewrite.
 */
function plainArg(file: SourceFile, arg: McArg): PlainArg | undefined {
  const start = file.offsetOf(arg.span.start);
  const raw = rawArg(file, arg);
  const m = /^(`*)([^`']*?)('*)[ \t]*$/.exec(raw);
  if (!m || m[1]!.length !== m[3]!.length) return undefined;
  const level = m[1]!.length;
  const value = m[2]!;
  // Unquoted, m4 reads words, comments and parentheses while it collects the argument.
  if (level === 0 && (/[#(),]/.test(value) || /(^|\W)dnl(\W|$)/.test(value))) return undefined;
  return { level, value, from: start + level, to: start + level + value.length };
}

/** An argument as written, quotes and all (without the blanks and dnl before it). */
function rawArg(file: SourceFile, arg: McArg): string {
  const start = file.offsetOf(arg.span.start);
  let end = file.offsetOf(arg.span.end);
  // An empty argument has a one-character span on the `,` or `)` after it.
  if (end - start === 1 && /[,)]/.test(file.text[start]!)) end = start;
  return file.text.slice(start, end);
}

/**
 * Patches a sendmail.mc so that rebuilding the cf keeps the hardening: each managed define is rewritten
 * in place (its last occurrence, which is the one m4 keeps) or added before MAILER_DEFINITIONS/MAILER,
 * FEATURE(`smrsh') is put before MAILER(`local') (m4 exits 0 when it is misplaced, FORMATS.md §10),
 * and DAEMON_OPTIONS are bound to loopback when the policy says local-only.
 *
 * Everything apply does not own keeps its quoting level: a define apply owns is replaced whole by one
 * it writes; a value it must change in part (AuthOptions flags, a daemon's address) is edited only
 * between its own quotes, and only when it is plain text there; a call it moves is moved verbatim.
 * What cannot be edited that way is refused with a UserError (`path:line:col: …`, exit 2), never
 * rewritten at another level: text must never become m4 code.
 */
export function renderSendmailMc(text: string, want: SendmailSettings, path = 'sendmail.mc'): string {
  const file = new SourceFile(path, text);
  const doc = parseSendmailMc(file);
  const edits = new TextEdits(file);
  const firstMailer = doc.calls.find((c) => c.name === 'MAILER_DEFINITIONS' || c.name === 'MAILER');
  const added: string[] = [];
  const refuseOnly = (at: { line: number; column: number }, why: string): never => {
    throw new UserError(visibleControls(`${path}:${at.line}:${at.column}: ${why}; mailharden changes no m4 text it cannot keep as it is: edit it yourself, then apply again`));
  };
  /** Refuses an edit; a reason that concerns the whole file comes first, since it explains the others. */
  const refuse = (at: { line: number; column: number }, why: string): never => {
    const whole = wholeFileProblem(text, doc);
    return whole ? refuseOnly(whole.at, whole.why) : refuseOnly(at, why);
  };

  const lastDefine = (macro: string): McCall | undefined => {
    let last: McCall | undefined;
    for (const c of doc.calls) {
      if (c.name === 'define' && c.args[0]?.text === macro) last = c;
      // A define m4 runs while it collects another call's arguments is one this list does not hold.
      const hidden = c.args.find((a) => a.text.includes(macro) && rawArg(file, a).includes(macro) && codeIn(file, { ...c, args: [a] }));
      if (hidden) refuse(hidden.span.start, `${macro} is named in unquoted m4 code in the arguments of ${c.name}, which m4 runs while it reads them`);
    }
    return last;
  };
  /** `plainWords`: the value is flags or a number, which m4 cannot mistake for a macro, so a define quoted once is kept. */
  const setDefine = (macro: string, value: string, plainWords = false): void => {
    const existing = lastDefine(macro);
    // Flags and numbers are no m4 words: quoted once, as people write them; text is quoted once more than it is rescanned.
    const text = plainWords ? call('define', macro, value) : defineLine(macro, value);
    if (!existing) return void added.push(`${text}dnl`);
    const current = existing.args[1]?.text;
    if (current !== undefined && (plainWords ? rescanned(current) === value : `define(\`${existing.args[0]!.text}', \`${current}')` === text)) return;
    const code = codeIn(file, existing);
    if (code) refuse(code.span.start, `the define of ${macro} runs m4 code while m4 reads it ("${clip(code.text)}"); replacing it would change what m4 does with the lines after it`);
    replaceCall(file, edits, existing, text);
  };

  /** Removes every define of a macro (each must be plain text, like one setDefine replaces). */
  const dropDefines = (macro: string): void => {
    lastDefine(macro);
    for (const c of doc.calls.filter((x) => x.name === 'define' && x.args[0]?.text === macro)) {
      const code = codeIn(file, c);
      if (code) refuse(code.span.start, `the define of ${macro} runs m4 code while m4 reads it ("${clip(code.text)}"); removing it would change what m4 does with the lines after it`);
      removeCall(file, edits, c);
    }
  };

  /**
   * Makes `text` the one call of `name` (with first argument `first`, for a FEATURE): the first such
   * call is replaced where it is, the others go, and with none it is added before the MAILER lines
   * (where m4 needs FEATUREs).
   */
  const setCall = (name: string, first: string | undefined, text: string): void => {
    const found = doc.calls.filter((c) => c.name === name && (first === undefined || c.args[0]?.text === first));
    found.forEach((c, i) => {
      if (i === 0 && file.text.slice(file.offsetOf(c.span.start), file.offsetOf(c.span.end)) === text) return;
      const code = codeIn(file, c);
      if (code) refuse(code.span.start, `${name}${first ? `(\`${first}')` : ''} runs m4 code while m4 reads it ("${clip(code.text)}"); replacing it would change what m4 does with the lines around it`);
      if (i === 0) replaceCall(file, edits, c, text);
      else removeCall(file, edits, c);
    });
    if (!found.length) added.push(`${text}dnl`);
  };

  if (want.privacy) {
    setDefine('confPRIVACY_FLAGS', want.privacy.join(','), true);
    // PrivacyOptions lines under LOCAL_CONFIG are copied into the cf, and the lines accumulate: a
    // flag there would stay on whatever the define says, so they go.
    for (const l of doc.localConfig) {
      if (!setsPrivacy(l.text)) continue;
      const why = l.joined ? 'follows a line whose dnl ate the newline, so m4 writes it on the end of that line' : unremovable(doc, l.text);
      if (why) refuse({ line: l.line, column: 1 }, `the PrivacyOptions line under LOCAL_CONFIG ${why}`);
      edits.removeLines(l.line, l.line);
    }
  }
  if (want.greeting !== undefined) setDefine('confSMTP_LOGIN_MSG', want.greeting);
  if (want.helpFile !== undefined) setDefine('HELP_FILE', want.helpFile);
  if (want.logLevel !== undefined) setDefine('confLOG_LEVEL', String(want.logLevel), true);
  if (want.forwardPath !== undefined) setDefine(OPTION_MACROS.ForwardPath, want.forwardPath);
  if (want.dontBlameSendmail !== undefined) setDefine(OPTION_MACROS.DontBlameSendmail, want.dontBlameSendmail);
  if (want.unsafeGroupWrites === false) setDefine(OPTION_MACROS.UnsafeGroupWrites, 'False', true);
  // True is proto.m4's default, and the macro is deprecated (m4 warns when it is defined): it goes.
  if (want.unsafeGroupWrites === true) dropDefines(OPTION_MACROS.UnsafeGroupWrites);
  for (const l of want.limits ?? []) {
    const macro = m4MacroOf(l.option);
    if (!macro) throw new Error(`no m4 macro for ${l.option}`);
    setDefine(macro, String(l.value), true);
  }
  if (want.runAsUser !== undefined) setDefine(OPTION_MACROS.RunAsUser, want.runAsUser);
  if (want.safeFileEnvironment !== undefined) setDefine(OPTION_MACROS.SafeFileEnvironment, want.safeFileEnvironment);
  if (want.receivedHeader !== undefined) setDefine('confRECEIVED_HEADER', want.receivedHeader);
  if (want.dropWeakRelay) {
    for (const f of doc.calls.filter((c) => c.name === 'FEATURE' && WEAK_RELAY_FEATURES.includes(c.args[0]?.text ?? ''))) {
      const code = codeIn(file, f);
      if (code) refuse(code.span.start, `FEATURE(\`${f.args[0]!.text}') runs m4 code while m4 reads it ("${clip(code.text)}"); removing it would change what m4 does with the lines around it`);
      removeCall(file, edits, f);
    }
  }
  if (want.authRequireTls) {
    const existing = lastDefine('confAUTH_OPTIONS');
    const arg = existing?.args[1];
    if (!existing || !arg) setDefine('confAUTH_OPTIONS', withAuthFlagP(''), true);
    else {
      // The flags are edited where they are written, at their quoting level.
      const plain = plainArg(file, arg);
      // AuthOptions flags are single letters (A a c d f m p u y): a longer word is m4's or a mistake.
      if (!plain || plain.level > 2 || !/^[\s,]*([A-Za-z](?![A-Za-z])[\s,]*)*$/.test(plain.value)) refuse(arg.span.start, `confAUTH_OPTIONS is not a list of AuthOptions flags quoted as one piece ("${clip(arg.text)}")`);
      const flags = withAuthFlagP(plain!.value);
      if (flags.split(',').length !== plain!.value.split(/[\s,]+/).filter(Boolean).length) {
        if (plain!.level === 0) refuse(arg.span.start, 'confAUTH_OPTIONS is not quoted, so a comma would split it');
        edits.replace(plain!.from, plain!.to, flags);
      }
    }
  }
  if (want.localOnly || want.msa) {
    const daemons = doc.calls.filter((c) => c.name === 'DAEMON_OPTIONS' && c.args[0]);
    const listen = (value: string): string => (want.localOnly ? loopbackDaemon(value) : value);
    const wanted = (value: string): string => (want.msa && isSubmissionDaemon(value) ? msaDaemon(listen(value)) : listen(value));
    for (const d of daemons) {
      const arg = d.args[0]!;
      if (wanted(arg.text) === arg.text) continue;
      const plain = plainArg(file, arg);
      // Daemon fields are names, numbers and addresses; parentheses, `$` or `#` there are m4's business.
      if (!plain || plain.level > 2 || !/^[\w\s=,.:;/+@[\]-]*$/.test(plain.value)) refuse(arg.span.start, `the DAEMON_OPTIONS value is not plain text quoted as one piece ("${clip(arg.text)}")`);
      if (plain!.level === 0) refuse(arg.span.start, 'the DAEMON_OPTIONS value is not quoted, so a comma would split it');
      // Quoted once, proto.m4's rescan reads the value as m4: a builtin there (`Addr=dnl`) acts on the lines after it,
      // and replacing the value would change what m4 makes of them (found by the m4 fuzz test).
      const m4Word = plain!.level < 2 ? [...plain!.value.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]).find((w) => M4_BUILTINS.has(w) || /^(_|conf[A-Z])/.test(w)) : undefined;
      if (m4Word) refuse(arg.span.start, `the DAEMON_OPTIONS value holds ${m4Word}, which m4 reads as a macro when proto.m4 rescans it ("${clip(arg.text)}")`);
      const value = wanted(plain!.value);
      if (value !== plain!.value) edits.replace(plain!.from, plain!.to, value);
    }
    // proto.m4 writes its default MTA daemon only when the .mc has no DAEMON_OPTIONS: one written for the MSA alone would take it away.
    if (daemons.length === 0) added.push(`${call('DAEMON_OPTIONS', listen('Family=inet, Name=MTA-v4, Port=smtp'))}dnl`);
    // Without FEATURE(`no_default_msa') proto.m4 adds an MSA on every address, with M=E only: it is declared here instead.
    // A daemon on 587 is the MSA, whatever its name, as the cf renderer decides (one named MSA on another port is not).
    const submission = daemons.some((d) => isSubmissionDaemon(d.args[0]!.text));
    if (!doc.calls.some((c) => c.name === 'FEATURE' && c.args[0]?.text === 'no_default_msa')) {
      added.push(`${call('FEATURE', 'no_default_msa')}dnl`);
      if (!submission) added.push(`${call('DAEMON_OPTIONS', want.localOnly ? loopbackDaemon(MSA_DAEMON) : MSA_DAEMON)}dnl`);
    } else if (want.msa && !submission) added.push(`${call('DAEMON_OPTIONS', listen(MSA_DAEMON))}dnl`);
  }
  for (const t of want.tls ?? []) {
    const macro = m4MacroOf(t.option);
    if (!macro) throw new Error(`no m4 macro for ${t.option}`);
    setDefine(macro, t.value);
  }
  if (want.minProtocol) {
    for (const option of SSL_OPTIONS) {
      const macro = m4MacroOf(option)!;
      // The words of LOCAL_CONFIG lines that set the option, then the define's: proto.m4 writes
      // LOCAL_CONFIG's lines before its Options section (measured with m4), and sendmail reads the
      // lines in turn. They are merged into the define and the lines go, so that the cf built from the
      // .mc reads as the cf apply patches does.
      const words: string[] = [];
      const local = doc.localConfig.filter((l) => optionSetBy(l.text) === option);
      for (const l of local) {
        const value = l.text.slice(l.text.indexOf('=') + 1);
        const why = l.joined ? 'follows a line whose dnl ate the newline, so m4 writes it on the end of that line' : !SSL_WORDS.test(value) ? 'is not a list of SSL option words' : unremovable(doc, l.text);
        if (why) refuse({ line: l.line, column: 1 }, `the ${option} line under LOCAL_CONFIG ${why}`);
        words.push(value);
        edits.removeLines(l.line, l.line);
      }
      const existing = lastDefine(macro);
      const arg = existing?.args[1];
      if (arg) {
        const plain = plainArg(file, arg);
        if (!plain || plain.level === 0 || plain.level > 2 || !SSL_WORDS.test(plain.value)) refuse(arg.span.start, `${macro} is not a list of SSL option words quoted as one piece ("${clip(arg.text)}")`);
        // Quoted once, proto.m4's rescan reads the words as m4: a builtin or a macro there acts, and the
        // value rewritten quoted twice would become text (as DAEMON_OPTIONS values, found by the m4 fuzz test).
        const m4Word = plain!.level < 2 ? plain!.value.split(/[\s,]+/).map((w) => w.replace(/^[+-]/, '')).find((w) => M4_BUILTINS.has(w) || /^(_|conf[A-Z])/.test(w) || doc.calls.some((c) => (c.name === 'define' || c.name === 'pushdef') && c.args[0]?.text === w)) : undefined;
        if (m4Word) refuse(arg.span.start, `${macro} holds ${m4Word}, which m4 reads as a macro when proto.m4 rescans it ("${clip(arg.text)}")`);
        words.push(plain!.value);
      }
      const current = words.length ? words.join(' ') : undefined;
      const merged = withMinProtocol(current, want.minProtocol);
      // A define that already says it all is left as it is written (its quoting too).
      if (merged !== current || local.length || !existing) setDefine(macro, merged);
    }
  }
  if (want.authMechanisms !== undefined) {
    setDefine('confAUTH_MECHANISMS', want.authMechanisms);
    setCall('TRUST_AUTH_MECH', undefined, call('TRUST_AUTH_MECH', want.authMechanisms));
  }
  if (want.greetPauseMs !== undefined) setCall('FEATURE', 'greet_pause', call('FEATURE', 'greet_pause', String(want.greetPauseMs)));
  if (want.clientControl) {
    // cf/README, CONNECTION CONTROL: the FEATUREs read the access map (FEATURE(access_db) earlier in the
    // file, else m4 stops with an error); `nodelay' runs them at connection time even with delay_checks,
    // which must come earlier too; `terminate' answers 421, which ends the session.
    if (!doc.calls.some((c) => c.name === 'FEATURE' && c.args[0]?.text === 'access_db')) refuse(firstMailer?.span.start ?? { line: 1, column: 1 }, "abuse.clients needs FEATURE(`access_db'), whose map FEATURE(`ratecontrol') and FEATURE(`conncontrol') read, and this file has none: add it");
    const wanted: [boolean, string][] = [[want.clientControl.rate, 'ratecontrol'], [want.clientControl.conn, 'conncontrol']];
    for (const [on, feature] of wanted) {
      if (!on) continue;
      const at = doc.calls.find((c) => c.name === 'FEATURE' && c.args[0]?.text === feature)?.index ?? Infinity;
      const delayed = doc.calls.some((c) => c.name === 'FEATURE' && c.args[0]?.text === 'delay_checks' && c.index < at);
      setCall('FEATURE', feature, call('FEATURE', feature, delayed ? 'nodelay' : '', 'terminate'));
    }
  }
  if (want.milterFailMode) {
    // The equates are edited where they are written, at their quoting level, as a daemon's fields are.
    for (const c of doc.calls.filter((x) => (x.name === 'INPUT_MAIL_FILTER' || x.name === 'MAIL_FILTER') && x.args[0])) {
      const arg = c.args[1];
      if (!arg) refuse(c.span.start, `${c.name}(\`${c.args[0]!.text}') names no socket (S=): give it its equates, then apply again`);
      const plain = plainArg(file, arg!);
      if (!plain || plain.level > 2 || !/^[\w\s=,.:;/+@[\]-]*$/.test(plain.value)) refuse(arg!.span.start, `the ${c.name} equates are not plain text quoted as one piece ("${clip(arg!.text)}")`);
      if (plain!.level === 0) refuse(arg!.span.start, `the ${c.name} equates are not quoted, so a comma would split them`);
      // Quoted once, the text is read as m4 again where proto.m4 writes the X lines (_MAIL_FILTERS_):
      // measured, `S=local:/dnl/x' becomes `S=local:/#'. `unix' (S=unix:…) is no macro of GNU m4 outside
      // its -G mode (measured: m4 writes `S=unix:/x' as it is), so it alone is let through here.
      const m4Word = plain!.level < 2 ? [...plain!.value.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)].map((m) => m[0]).find((w) => (w !== 'unix' && M4_BUILTINS.has(w)) || /^(_|conf[A-Z])/.test(w)) : undefined;
      if (m4Word) refuse(arg!.span.start, `the ${c.name} equates hold ${m4Word}, which m4 reads as a macro when proto.m4 rescans them ("${clip(arg!.text)}")`);
      const value = milterEquates(plain!.value, want.milterFailMode);
      if (value !== undefined && value !== plain!.value) edits.replace(plain!.from, plain!.to, value);
    }
  }
  if (want.smrsh) {
    const local = doc.calls.find((c) => c.name === 'MAILER' && c.args[0]?.text === 'local');
    const features = doc.calls.filter((c) => c.name === 'FEATURE' && c.args[0]?.text === 'smrsh');
    const wellPlaced = features.some((f) => !local || f.index < local.index);
    if (!wellPlaced) {
      for (const f of features) {
        const code = codeIn(file, f);
        if (code) refuse(code.span.start, `FEATURE(\`smrsh') runs m4 code while m4 reads it ("${clip(code.text)}"); moving it would change what m4 does with the lines around it`);
        removeCall(file, edits, f);
      }
      // The misplaced FEATURE moves as it was written (a path given to it, `FEATURE(`smrsh', `/usr/sbin/smrsh')`,
      // at its own quoting level); a new one is written when there is none.
      const moved = features[0] ? text.slice(file.offsetOf(features[0].span.start), file.offsetOf(features[0].span.end)) : call('FEATURE', 'smrsh');
      added.push(`${moved}dnl`);
    }
  }
  if (added.length) {
    const lines = ['dnl # mailharden: settings of the hardening policy', ...added];
    if (!firstMailer) edits.append(lines);
    else if (/^[ \t]*$/.test(file.line(firstMailer.span.start.line).slice(0, firstMailer.span.start.column - 1))) edits.insertBefore(firstMailer.span.start.line, lines);
    else {
      // MAILER is not the first thing on its line: the lines go right before it, after an empty
      // quoted string, which ends a word the text before might have started (`x` + `dnl` is `xdnl`).
      const at = file.offsetOf(firstMailer.span.start);
      edits.replace(at, at, `\`'${lines.join('\n')}\n`);
    }
  }
  if (!edits.size) return text;
  const whole = wholeFileProblem(text, doc);
  if (whole) refuseOnly(whole.at, whole.why);
  return edits.apply();
}

/**
 * The first argument of a call that m4 does not read as text (undefined when all do): one not quoted as
 * one piece, or an unquoted one with a word in it, which m4 expands while it collects the argument.
 */
function codeIn(file: SourceFile, c: McCall): McArg | undefined {
  return c.args.find((a) => {
    const plain = plainArg(file, a);
    return !plain || (plain.level === 0 && /[A-Za-z_]/.test(plain.value));
  });
}

/** Whether the parentheses outside quotes of a macro's value close. */
function balanced(value: string): boolean {
  let quotes = 0;
  let parens = 0;
  for (const c of value) {
    if (c === '`') quotes++;
    else if (c === "'" && quotes > 0) quotes--;
    else if (quotes === 0 && c === '(') parens++;
    else if (quotes === 0 && c === ')' && --parens < 0) return false;
  }
  return parens === 0;
}

/**
 * Why no edit of this file can be trusted (undefined when edits can be): only a file read exactly as m4
 * reads it is edited. After changequote or changecom, with a quote or a parenthesis open to the end, or
 * with builtins and macros that make quotes and parentheses out of other text, the places found are
 * not the places m4 sees.
 */
function wholeFileProblem(text: string, doc: McDocument): { at: { line: number; column: number }; why: string } | undefined {
  const problem = doc.problems[0];
  if (problem) return { at: problem.span.start, why: problem.message };
  // A word starts after anything but a letter, digit or underscore, or after digits that no word holds (`$0changequote`).
  const changes = /(?<![A-Za-z_][0-9]*)(changequote|changecom|changeword)(?![A-Za-z0-9_])/.exec(text);
  if (changes) return { at: positionAt(text, changes.index), why: `${changes[1]} changes how m4 reads the rest of the file` };
  const makes = /(?<![A-Za-z_][0-9]*)(format|translit|patsubst|regexp|substr|indir|builtin|defn)(?![A-Za-z0-9_])/.exec(text);
  if (makes) return { at: positionAt(text, makes.index), why: `${makes[1]} can make quotes or parentheses m4 reads in the lines after it` };
  for (const c of doc.calls) {
    if ((c.name === 'define' || c.name === 'pushdef') && c.args[1] && !balanced(c.args[1].text)) return { at: c.args[1].span.start, why: `the value of ${c.args[0]!.text} opens a parenthesis it does not close, so it reads the lines after it` };
  }
  return undefined;
}

/** The start of a value, for a message (quotes and all, as written). */
function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 59)}…` : s;
}

/**
 * Why a LOCAL_CONFIG line cannot be removed without changing how m4 reads what follows it (undefined
 * when it can): only a line of plain words, none of them an m4 builtin or a macro the file defines,
 * with no quote, comment or parenthesis, is only the text it shows.
 */
function unremovable(doc: McDocument, line: string): string | undefined {
  if (/[`'#()$]/.test(line)) return 'holds m4 quotes, a comment or parentheses';
  const defined = new Set<string>();
  for (const c of doc.calls) if ((c.name === 'define' || c.name === 'pushdef') && c.args[0]) defined.add(c.args[0].text);
  for (const word of line.match(/[A-Za-z_]\w*/g) ?? []) {
    if (M4_BUILTINS.has(word) || defined.has(word)) return `holds "${word}", which m4 expands`;
  }
  return undefined;
}

/** Words of an SSL options value: flag names and numbers with an optional sign, separated by blanks or commas. */
const SSL_WORDS = /^[\s,]*(?:[+-]?\w+(?:[\s,]+[+-]?\w+)*)?[\s,]*$/;

/** The option (long name) a cf line under LOCAL_CONFIG sets in the `O Name=value` form, if any. */
function optionSetBy(text: string): string | undefined {
  const m = /^O[ \t]+([A-Za-z][\w.]*)[ \t]*=/.exec(text);
  const found = m ? lookupOption(m[1]!) : undefined;
  return found && 'name' in found ? found.name : undefined;
}

/** Whether a cf line sets PrivacyOptions (long name in any case or unique prefix, or the short `Op`). */
function setsPrivacy(text: string): boolean {
  const long = /^O[ \t]+([A-Za-z][\w.]*)/.exec(text);
  if (long) {
    const found = lookupOption(long[1]!);
    return 'name' in found && found.name === 'PrivacyOptions';
  }
  // `O` directly followed by a letter is the short form: `Op…` (and `OPrivacyOptions=` is option P).
  const short = /^O([A-Za-z])/.exec(text);
  return short !== null && optionForLetter(short[1]!) === 'PrivacyOptions';
}

/** Line and column of an offset. */
function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  for (let k = text.indexOf('\n'); k >= 0 && k < offset; k = text.indexOf('\n', k + 1)) line++;
  return { line, column: offset - text.lastIndexOf('\n', offset - 1) };
}

/** True when a call's lines hold nothing else but blanks and a trailing `dnl`, which eats the newline m4 would write. */
function standsAlone(file: SourceFile, c: McCall): boolean {
  const before = file.line(c.span.start.line).slice(0, c.span.start.column - 1);
  const after = file.line(c.span.end.line).slice(c.span.end.column - 1);
  return /^[ \t]*$/.test(before) && /^[ \t]*dnl\b.*$/.test(after);
}

/**
 * Replaces a call's text, from its name to its closing parenthesis; what is around it stays, so the
 * lines m4 writes around it stay too (a define Debian spreads over lines, `define(`X',dnl` + the value
 * below, becomes one line).
 */
function replaceCall(file: SourceFile, edits: TextEdits, c: McCall, text: string): void {
  edits.replace(file.offsetOf(c.span.start), file.offsetOf(c.span.end), text);
}

/** Removes a call: its lines when they hold nothing else and end in dnl (m4 writes nothing for them), else its text. */
function removeCall(file: SourceFile, edits: TextEdits, c: McCall): void {
  if (standsAlone(file, c)) edits.removeLines(c.span.start.line, c.span.end.line);
  else edits.replace(file.offsetOf(c.span.start), file.offsetOf(c.span.end), '');
}
