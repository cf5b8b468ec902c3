import { cached } from '../core/cache.js';
import type { Span } from '../core/types.js';
import type { SendmailCfDoc, SendmailMcDoc } from '../parsers/documents.js';
import type { Feature } from './sendmail.js';

/**
 * What the anti-spam FEATUREs of a sendmail configuration do: read from a .mc's FEATURE calls as
 * cf/feature/*.m4 and proto.m4 (8.17) turn them into rules, or from the rulesets m4 wrote into a .cf.
 *
 * - ratecontrol/conncontrol: rulesets RateControl/ConnControl, called from check_relay (at connection)
 *   or, under FEATURE(`delay_checks') without `nodelay', from Basic_check_relay, which delay_checks
 *   calls from check_rcpt (at each RCPT). Their reply is 452, or 421 with `terminate'. Both need
 *   FEATURE(`access_db') earlier in the .mc, or m4 prints an error and writes neither ruleset.
 * - block_bad_helo: rules at the end of check_rcpt, whose S line proto.m4 writes only under
 *   delay_checks; without it they end up in Relay_ok, and check_rcpt accepts a local recipient
 *   whatever the HELO name (measured with sendmail 8.17.1.9 -bt: RELAY).
 * - dnsbl/enhdnsbl: a lookup `$(dnsbl $4.$3.$2.$1.ZONE. $: OK $)` in Basic_check_relay.
 */
export type ControlFeature = 'ratecontrol' | 'conncontrol';

export interface ConnectionControl {
  feature: ControlFeature;
  /** False when m4 wrote no ruleset for it (no FEATURE(`access_db') before it). */
  written: boolean;
  /** Checked when the client connects (check_relay); false: only at each RCPT command. */
  atConnect: boolean;
  /** The reply ends the session (421, `terminate'); false: 452, the session goes on. */
  terminates: boolean;
  span: Span;
}

export interface BadHelo {
  /** FEATURE(`delay_checks') is in force, which block_bad_helo needs. */
  delayChecks: boolean;
  span: Span;
  /** The ruleset that holds its rules: check_rcpt, or without delay_checks the one before it (Relay_ok in 8.17). */
  ruleset: string;
}

export interface DnsblLookup {
  /** `dnsbl`, `enhdnsbl`, or the name of the map a .cf looks the address up in. */
  feature: string;
  /** The zone queried ('' when the FEATURE has no argument: m4 then writes a lookup of `d.c.b.a..`). */
  zone: string;
  span: Span;
}

export interface AntiSpam {
  controls: ConnectionControl[];
  badHelo?: BadHelo;
  dnsbl: DnsblLookup[];
}

export function antiSpamOf(doc: SendmailCfDoc | SendmailMcDoc): AntiSpam {
  return doc.kind === 'sendmail-mc' ? cached(doc, 'sendmail.antispam.mc', fromMc) : cached(doc, 'sendmail.antispam.cf', fromCf);
}

function fromMc(doc: SendmailMcDoc): AntiSpam {
  const features = doc.sendmail.features;
  const first = (name: string): Feature | undefined => features.find((f) => f.name === name);
  const delay = first('delay_checks');
  const access = first('access_db');
  const out: AntiSpam = { controls: [], dnsbl: [] };
  for (const f of features) {
    if (f.name === 'ratecontrol' || f.name === 'conncontrol') {
      // ratecontrol.m4: `nodelay' (any case) takes effect only when delay_checks came before it.
      const nodelay = (f.args[0] ?? '').toLowerCase() === 'nodelay' && delay !== undefined && delay.index < f.index;
      out.controls.push({
        feature: f.name,
        written: access !== undefined && access.index < f.index,
        atConnect: delay === undefined || nodelay,
        terminates: f.args[1] === 'terminate',
        span: f.span,
      });
    } else if (f.name === 'block_bad_helo') {
      // proto.m4 reads both at its end, so their order does not matter.
      out.badHelo ??= { delayChecks: delay !== undefined, span: f.span, ruleset: delay ? 'check_rcpt' : 'Relay_ok' };
    } else if (f.name === 'dnsbl' || f.name === 'enhdnsbl') {
      // m4 writes the zone followed by a dot: `zone.` and `zone` query the same name.
      out.dnsbl.push({ feature: f.name, zone: (f.args[0] ?? '').trim().replace(/\.+$/, ''), span: f.span });
    }
  }
  return out;
}

/** A ruleset of a .cf: its S line, and the text of its R lines for the few rulesets read here. */
interface Ruleset {
  span: Span;
  rules: string[];
}

/** The rulesets whose rules are kept (a cf may hold millions of R lines; the others are only scanned). */
const KEPT = new Set(['check_relay', 'Basic_check_relay', 'RateControl', 'ConnControl']);

/** The ruleset name of an `S` line: `SBasic_check_rcpt`, `Scheck_rcpt`, `Scanonify=3`, `S"name"`. */
const rulesetName = (text: string): string | undefined => /^S[ \t]*"?([A-Za-z_]\w*)/.exec(text)?.[1];

/** The maps dnsbl.m4 and enhdnsbl.m4 declare (`Kdnsbl`, `Kednsbl`), by the FEATURE that writes them. */
const MAP_FEATURE: Record<string, string> = { dnsbl: 'dnsbl', ednsbl: 'enhdnsbl' };

const DNSBL_LOOKUP = /\$\(\s*(\w+)\s+\$4\.\$3\.\$2\.\$1\.([^\s$]*)/;

function fromCf(doc: SendmailCfDoc): AntiSpam {
  const out: AntiSpam = { controls: [], dnsbl: [] };
  const text = doc.file.text;
  // Most cfs use none of these: the rulesets are read only when one of their markers is in the file.
  if (!/RateControl|ConnControl|ratecontrol\.m4|conncontrol\.m4|bogus HELO|\$4\.\$3\.\$2\.\$1\./.test(text)) return out;
  const sets = new Map<string, Ruleset>();
  const { lines } = doc;
  let current: { name: string; set: Ruleset } | undefined;
  let helo: { name: string; set: Ruleset } | undefined;
  for (let i = 0; i < lines.length; i++) {
    const letter = lines.letter(i);
    if (letter === 'S') {
      const line = lines.at(i);
      const name = rulesetName(line.text);
      current = name ? { name, set: { span: line.span, rules: [] } } : undefined;
      if (current && !sets.has(current.name)) sets.set(current.name, current.set);
    } else if (letter === 'R' && current) {
      const text = lines.at(i).text;
      if (KEPT.has(current.name)) current.set.rules.push(text);
      if (!helo && text.includes('bogus HELO name used')) helo = current;
      const m = DNSBL_LOOKUP.exec(text);
      if (m && /dnsbl$|^host$/i.test(m[1]!)) out.dnsbl.push({ feature: MAP_FEATURE[m[1]!] ?? m[1]!, zone: m[2]!.replace(/\.+$/, ''), span: lines.at(i).span });
    }
  }
  const calls = (set: string | undefined, target: string): boolean => {
    const rs = set === undefined ? undefined : sets.get(set);
    return !!rs?.rules.some((r) => new RegExp(`\\$>\\s*"?${target}"?(\\W|$)`).test(r));
  };
  const built = doc.sendmail.features;
  for (const [feature, ruleset] of [['ratecontrol', 'RateControl'], ['conncontrol', 'ConnControl']] as const) {
    const rs = sets.get(ruleset);
    if (!rs) {
      // The feature's VERSIONID comment without its ruleset: m4 read the FEATURE but wrote nothing (no access_db before it).
      const comment = built.find((f) => f.name === feature);
      if (comment) out.controls.push({ feature, written: false, atConnect: false, terminates: false, span: comment.span });
      continue;
    }
    const atConnect = calls('check_relay', ruleset) || (calls('check_relay', 'Basic_check_relay') && calls('Basic_check_relay', ruleset));
    const terminates = rs.rules.some((r) => /\$#\s*error\b.*\$:\s*"?421\b/.test(r));
    out.controls.push({ feature, written: true, atConnect, terminates, span: rs.span });
  }
  // proto.m4 writes the S line of check_rcpt only under delay_checks: without it, block_bad_helo's
  // rules land at the end of the ruleset before (Relay_ok in 8.17), so they are looked for in any.
  // delay_checks renames check_mail and check_relay to checkmail and checkrelay, which check_rcpt calls.
  if (helo) out.badHelo = { delayChecks: sets.has('checkmail') && !sets.has('check_mail'), span: helo.set.span, ruleset: helo.name };
  return out;
}
