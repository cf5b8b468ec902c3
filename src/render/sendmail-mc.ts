import { SourceFile } from '../core/source.js';
import { parseSendmailMc, rescanned, type McCall } from '../parsers/sendmail-mc.js';
import { TextEdits } from './edits.js';
import { loopbackDaemon, withAuthFlagP, type SendmailSettings } from './sendmail-cf.js';
import { lookupOption, optionForLetter } from '../model/sendmail-options.js';

/** An m4 argument quoted for sendmail.mc; the values never hold quotes (the policy schema forbids them). */
function quoted(value: string): string {
  if (/[`'\r\n]/.test(value)) throw new Error(`m4 value with a quote or line break: ${JSON.stringify(value)}`);
  return `\`${value}'`;
}

const call = (name: string, ...args: string[]): string => `${name}(${args.map(quoted).join(', ')})`;

/**
 * A define whose value is quoted twice: proto.m4 rescans the expansion, and a value quoted once would
 * have its words expanded there (`dnl` would cut the greeting, `syscmd(…)` would run when the cf is
 * built). Quoted twice, m4 writes the text as it is.
 */
const defineLine = (macro: string, value: string): string => `define(${quoted(macro)}, \`${quoted(value)}')`;

/**
 * Patches a sendmail.mc so that rebuilding the cf keeps the hardening: each managed define is rewritten
 * in place (its last occurrence, which is the one m4 keeps) or added before MAILER_DEFINITIONS/MAILER,
 * FEATURE(`smrsh') is put before MAILER(`local') (m4 exits 0 when it is misplaced, FORMATS.md §10),
 * and DAEMON_OPTIONS are bound to loopback when the policy says local-only.
 */
export function renderSendmailMc(text: string, want: SendmailSettings, path = 'sendmail.mc'): string {
  const file = new SourceFile(path, text);
  const doc = parseSendmailMc(file);
  const edits = new TextEdits(file);
  const firstMailer = doc.calls.find((c) => c.name === 'MAILER_DEFINITIONS' || c.name === 'MAILER');
  const added: string[] = [];

  const lastDefine = (macro: string): McCall | undefined => {
    let last: McCall | undefined;
    for (const c of doc.calls) if (c.name === 'define' && c.args[0]?.text === macro) last = c;
    return last;
  };
  /** `plainWords`: the value is flags or a number, which m4 cannot mistake for a macro, so a define quoted once is kept. */
  const setDefine = (macro: string, value: string, plainWords = false): void => {
    const existing = lastDefine(macro);
    // Flags and numbers are no m4 words: quoted once, as people write them; text is quoted twice.
    const text = plainWords ? call('define', macro, value) : defineLine(macro, value);
    if (!existing) return void added.push(`${text}dnl`);
    const current = existing.args[1]?.text;
    if (current !== undefined && rescanned(current) === value && (current !== value || plainWords)) return;
    replaceCall(file, edits, existing, text);
  };

  if (want.privacy) {
    setDefine('confPRIVACY_FLAGS', want.privacy.join(','), true);
    // PrivacyOptions lines under LOCAL_CONFIG are copied into the cf, and the lines accumulate: a
    // flag there would stay on whatever the define says, so they go.
    for (const l of doc.localConfig) if (setsPrivacy(l.text)) edits.removeLines(l.line, l.line);
  }
  if (want.greeting !== undefined) setDefine('confSMTP_LOGIN_MSG', want.greeting);
  if (want.helpFile !== undefined) setDefine('HELP_FILE', want.helpFile);
  if (want.logLevel !== undefined) setDefine('confLOG_LEVEL', String(want.logLevel), true);
  if (want.authRequireTls) setDefine('confAUTH_OPTIONS', withAuthFlagP(rescanned(lastDefine('confAUTH_OPTIONS')?.args[1]?.text ?? '')), true);
  if (want.localOnly) {
    const daemons = doc.calls.filter((c) => c.name === 'DAEMON_OPTIONS' && c.args[0]);
    for (const d of daemons) {
      const value = loopbackDaemon(d.args[0]!.text);
      if (value !== d.args[0]!.text) replaceCall(file, edits, d, call('DAEMON_OPTIONS', value));
    }
    if (daemons.length === 0) added.push(`${call('DAEMON_OPTIONS', 'Family=inet, Name=MTA-v4, Port=smtp, Addr=127.0.0.1')}dnl`);
    // Without FEATURE(`no_default_msa') proto.m4 adds an MSA on every address: declare it on loopback instead.
    if (!doc.calls.some((c) => c.name === 'FEATURE' && c.args[0]?.text === 'no_default_msa')) {
      added.push(`${call('FEATURE', 'no_default_msa')}dnl`);
      if (!daemons.some((d) => /(^|,)\s*N\w*\s*=\s*MSA/i.test(d.args[0]!.text))) added.push(`${call('DAEMON_OPTIONS', 'Family=inet, Name=MSA-v4, Port=submission, M=Ea, Addr=127.0.0.1')}dnl`);
    }
  }
  if (want.smrsh) {
    const local = doc.calls.find((c) => c.name === 'MAILER' && c.args[0]?.text === 'local');
    const features = doc.calls.filter((c) => c.name === 'FEATURE' && c.args[0]?.text === 'smrsh');
    const wellPlaced = features.some((f) => !local || f.index < local.index);
    if (!wellPlaced) {
      for (const f of features) removeCall(file, edits, f);
      // A path given to the misplaced FEATURE (`FEATURE(`smrsh', `/usr/sbin/smrsh')`) is kept.
      const args = features[0]?.args.slice(1).map((a) => a.text) ?? [];
      added.push(`${call('FEATURE', 'smrsh', ...args)}dnl`);
    }
  }
  if (added.length) {
    const lines = ['dnl # mailharden: settings of the hardening policy', ...added];
    if (firstMailer) edits.insertBefore(firstMailer.span.start.line, lines);
    else edits.append(lines);
  }
  return edits.size ? edits.apply() : text;
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

/** True when a call's lines hold nothing else but blanks and a trailing `dnl` comment. */
function standsAlone(file: SourceFile, c: McCall): boolean {
  const before = file.line(c.span.start.line).slice(0, c.span.start.column - 1);
  const after = file.line(c.span.end.line).slice(c.span.end.column - 1);
  return /^\s*$/.test(before) && /^\s*(dnl\b.*)?\r?$/.test(after);
}

function replaceCall(file: SourceFile, edits: TextEdits, c: McCall, text: string): void {
  if (standsAlone(file, c) && c.span.start.line !== c.span.end.line) {
    // A define spread over lines (Debian writes `define(`confPRIVACY_FLAGS',dnl` + the value below):
    // rewrite it as one line.
    edits.replaceLines(c.span.start.line, c.span.end.line, [`${text}dnl`]);
    return;
  }
  edits.replace(file.offsetOf(c.span.start), file.offsetOf(c.span.end), text);
}

function removeCall(file: SourceFile, edits: TextEdits, c: McCall): void {
  if (standsAlone(file, c)) edits.removeLines(c.span.start.line, c.span.end.line);
  else edits.replace(file.offsetOf(c.span.start), file.offsetOf(c.span.end), '');
}
