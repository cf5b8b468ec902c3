import type { Span } from '../core/types.js';
import type { CfDocument } from '../parsers/sendmail-cf.js';
import type { McDocument } from '../parsers/sendmail-mc.js';
import type { Setting, SendmailModel } from './sendmail.js';

/**
 * AuthMechanisms when no line sets it (readcf.c: the compiled-in default). sendmail offers the ones
 * the SASL library has a plugin for: on Debian with libsasl2-modules, `250-AUTH DIGEST-MD5 CRAM-MD5`
 * (measured with sendmail 8.17.1.9, `-bs`, Debian's stock cf, which sets no AuthMechanisms).
 */
export const DEFAULT_AUTH_MECHANISMS = 'EXTERNAL GSSAPI KERBEROS_V4 DIGEST-MD5 CRAM-MD5';

/** Mechanisms that send the password itself (base64 only): `p` in AuthOptions holds them back until TLS. */
export const PLAINTEXT_MECHANISMS: ReadonlySet<string> = new Set(['PLAIN', 'LOGIN']);

/**
 * Mechanisms whose SASL plugins do not claim to resist a passive dictionary attack, which `d` in
 * AuthOptions removes (measured with `-bs`: with `O AuthOptions=d` and AuthMechanisms=PLAIN LOGIN
 * CRAM-MD5 DIGEST-MD5 ANONYMOUS, EHLO offers no AUTH at all).
 */
export const DICTIONARY_MECHANISMS: ReadonlySet<string> = new Set(['PLAIN', 'LOGIN', 'CRAM-MD5', 'DIGEST-MD5', 'ANONYMOUS']);

/** Mechanisms moved to Historic: DIGEST-MD5 by RFC 6331; CRAM-MD5 by the SASL working group's draft (never replaced by an RFC). */
export const HISTORIC_MECHANISMS: ReadonlySet<string> = new Set(['DIGEST-MD5', 'CRAM-MD5']);

/**
 * The option letters sendmail reads from an AuthOptions value (readcf.c O_SASLOPTS): the first
 * character, then the character after each comma, blank or TAB. So `Ap` is only `A` (measured: PLAIN
 * and LOGIN still offered before TLS with `O AuthOptions=py`).
 */
export function authOptionLetters(value: string): Set<string> {
  const letters = new Set<string>();
  let i = 0;
  while (i < value.length) {
    letters.add(value[i]!);
    const next = value.slice(i + 1).search(/[, \t]/);
    if (next < 0) break;
    i += next + 2;
  }
  return letters;
}

/** The mechanism names of an AuthMechanisms value, upper case, each once. */
export function mechanismNames(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).filter(Boolean).map((m) => m.toUpperCase()))];
}

/** What a configuration says about SMTP AUTH in the server. */
export interface AuthConfig {
  /** The mechanisms listed (the default list when no line sets AuthMechanisms). */
  mechanisms: string[];
  /** The AuthMechanisms setting, undefined when the default applies. */
  mechanismsSetting?: Setting;
  /** The AuthOptions letters in effect. */
  options: ReadonlySet<string>;
  optionsSetting?: Setting;
  /** Where a finding about the mechanisms is anchored: the AuthMechanisms line, else the model's anchor. */
  span: Span;
}

export function authConfig(model: SendmailModel): AuthConfig {
  const mechanismsSetting = model.get('AuthMechanisms');
  const optionsSetting = model.get('AuthOptions');
  return {
    mechanisms: mechanismNames(mechanismsSetting?.value ?? DEFAULT_AUTH_MECHANISMS),
    ...(mechanismsSetting ? { mechanismsSetting } : {}),
    options: authOptionLetters(optionsSetting?.value.trim() ?? ''),
    ...(optionsSetting ? { optionsSetting } : {}),
    span: mechanismsSetting?.span ?? model.anchor,
  };
}

/**
 * The listed mechanisms that sendmail offers before STARTTLS, as measured with sendmail 8.17.1.9 `-bs`
 * (AuthMechanisms=PLAIN LOGIN CRAM-MD5 DIGEST-MD5 ANONYMOUS): `p` holds back PLAIN and LOGIN, `y`
 * ANONYMOUS, `d` every mechanism open to a dictionary attack. EXTERNAL needs a client certificate, so
 * it is never offered before TLS.
 */
export function offeredBeforeTls(auth: AuthConfig): string[] {
  return auth.mechanisms.filter((m) => {
    if (m === 'EXTERNAL') return false;
    if (auth.options.has('p') && PLAINTEXT_MECHANISMS.has(m)) return false;
    if (auth.options.has('y') && m === 'ANONYMOUS') return false;
    if (auth.options.has('d') && DICTIONARY_MECHANISMS.has(m)) return false;
    return true;
  });
}

/** One answer a srv_features ruleset gives (`$# flags`), written literally in the cf. */
export interface SrvFeatureAnswer {
  /** The flags, one letter each, with their arguments (`u2`) as written. */
  flags: string;
  span: Span;
}

/** The rulesets whose `$#` answers are srv_features flags: the ruleset itself and the .mc's LOCAL_SRV_FEATURES. */
const SRV_FEATURE_RULESETS = new Set(['srv_features', 'local_srv_features']);

/**
 * The literal answers of a cf's srv_features rulesets (Ssrv_features, and Local_srv_features that
 * LOCAL_SRV_FEATURES writes): the right-hand sides `$# flags` without macros. What proto.m4 looks up in
 * the access map (`Srv_Features:` entries) is not in the cf, so it is not here.
 */
export function srvFeatureAnswers(doc: CfDocument): SrvFeatureAnswer[] {
  const out: SrvFeatureAnswer[] = [];
  const { lines } = doc;
  // The R lines of the rulesets srv_features names: from each S line of one to the next S line.
  const rulesets = lines.withLetter('S');
  for (let s = 0; s < rulesets.length; s++) {
    const name = /^S\s*"?([\w]+)"?/.exec(lines.head(rulesets[s]!))?.[1] ?? '';
    if (!SRV_FEATURE_RULESETS.has(name.toLowerCase())) continue;
    const end = s + 1 < rulesets.length ? rulesets[s + 1]! : lines.length;
    for (let i = rulesets[s]! + 1; i < end; i++) {
      if (lines.letterCode(i) !== 82 /* R */) continue;
      const line = lines.at(i);
      // R lines are LHS TAB RHS [TAB comment].
      const fields = line.text.split(/\t+/);
      const rhs = fields[1] ?? '';
      const m = /^\$#\s*([^$]+)$/.exec(rhs.trim());
      if (!m) continue;
      const at = line.text.indexOf(rhs);
      out.push({ flags: m[1]!.trim(), span: line.spanOf(at, at + rhs.length) });
    }
  }
  return out;
}

/** One entry of class R (relay domains and networks) written in the configuration itself. */
export interface RelayClassEntry {
  value: string;
  span: Span;
}

/** The words of a cf's `CR` and `C{R}` lines (class R: the domains and networks that may relay; RELAY_DOMAIN writes `C{R}`). */
export function relayClassOfCf(doc: CfDocument): RelayClassEntry[] {
  const out: RelayClassEntry[] = [];
  const { lines } = doc;
  for (const i of lines.withLetter('C')) {
    const name = /^C(R|\{R\})/.exec(lines.head(i));
    if (!name) continue;
    const line = lines.at(i);
    const from = name[0].length;
    // A one-letter class name needs no blank after it: `CRcom` is class R with the word com.
    const re = /\S+/g;
    const words = line.text.slice(from);
    for (let m = re.exec(words); m; m = re.exec(words)) out.push({ value: m[0], span: line.spanOf(from + m.index, from + m.index + m[0].length) });
  }
  return out;
}

/** The class R entries of an .mc: RELAY_DOMAIN() arguments and `CR` lines after LOCAL_CONFIG. */
export function relayClassOfMc(doc: McDocument): RelayClassEntry[] {
  const out: RelayClassEntry[] = [];
  for (const call of doc.calls) {
    if (call.name !== 'RELAY_DOMAIN') continue;
    for (const arg of call.args) for (const word of arg.text.split(/\s+/).filter(Boolean)) out.push({ value: word, span: arg.span });
  }
  for (const line of doc.localConfig) {
    const name = /^C(R|\{R\})/.exec(line.text);
    if (!name) continue;
    const span: Span = { start: { line: line.line, column: 1 }, end: { line: line.line, column: line.text.length + 1 } };
    for (const word of line.text.slice(name[0].length).split(/\s+/).filter(Boolean)) out.push({ value: word, span });
  }
  return out;
}

/**
 * How broad a class R entry is. sendmail matches a recipient domain against class R by its last labels
 * (proto.m4 Rcpt_ok: `$* $=R`) and a client address by its leading octets (Relay_ok: `$=R $*`), so an
 * entry of one label lets everyone relay to a whole top-level domain, and a short number lets a whole
 * network relay (measured with `sendmail -bt`: after `CR com` Basic_check_rcpt returns RELAY for
 * `<user@example.com>` from 192.0.2.1; after `CR 10`, for any recipient from 10.1.2.3).
 */
export function relayBreadth(entry: string): 'tld' | 'network' | undefined {
  const value = entry.replace(/\.$/, '');
  // One octet is a /8; `192.168` (a /16) is how sites name their own network, so it is left alone.
  if (/^\d+$/.test(value)) return 'network';
  if (/^[A-Za-z][A-Za-z0-9-]*$/.test(value) && value.toLowerCase() !== 'localhost') return 'tld';
  return undefined;
}

/**
 * srv_features flags that turn off sendmail's defences against SMTP smuggling (CVE-2023-51765) and
 * transaction stuffing, as measured with Debian's sendmail 8.17.1.9-2+deb12u2 `-bs`, which has them on
 * by default like 8.18: `O` accepts an end of data other than CRLF.CRLF (with `G`, `<LF>.<CR><LF>`
 * ended the message and the next line was read as a command: smuggled), `F` lets a client send
 * commands before the EHLO or DATA reply (without it: `554 5.5.0 SMTP protocol error`).
 */
export const UNSAFE_SRV_FEATURES: ReadonlyMap<string, string> = new Map([
  ['O', 'O ends the message at a bare <LF>.<CR><LF> too (SMTP smuggling, CVE-2023-51765)'],
  ['F', 'F serves commands sent before the reply to EHLO or DATA (transaction stuffing)'],
]);

/** The flag letters of a srv_features answer (`G O`, `u2`): each letter once; digits are arguments. */
export function srvFeatureFlags(value: string): string[] {
  return [...new Set(value.replace(/[^A-Za-z]/g, ''))];
}

/** How deep include()d files are followed for TRUST_AUTH_MECH (Debian's sasl.m4 is one level down), and how many are read in all. */
const MAX_INCLUDE_DEPTH = 4;
const MAX_INCLUDES = 32;

/**
 * The class TrustAuthMech as a .mc defines it outside its own TRUST_AUTH_MECH calls: the calls of the
 * files it include()s (Debian's /etc/mail/sasl/sasl.m4 has one), and `C{TrustAuthMech}` lines under
 * LOCAL_CONFIG, each as its blank-separated words. cfhead.m4's TRUST_AUTH_MECH writes one class line
 * per call (divert 5) and LOCAL_CONFIG's lines are copied as they are, so every one of them adds to
 * the class in the cf m4 builds. `read` gives an included file's text (undefined when it cannot); each
 * file is read once, at most MAX_INCLUDES of them, MAX_INCLUDE_DEPTH deep.
 */
export function trustAuthElsewhere(doc: McDocument, read: (path: string) => string | undefined, parse: (path: string, text: string) => McDocument): string[] {
  const seen = new Set<string>();
  const walk = (d: McDocument, depth: number): string[] => {
    const out: string[] = [];
    for (const l of d.localConfig) {
      const m = /^C\{TrustAuthMech\}(.*)$/.exec(l.text);
      if (m) out.push(mechanismNames(m[1]!).join(' '));
    }
    // The .mc's own calls are the policy's (apply makes them one); those of included files are the admin's.
    if (depth > 0) for (const c of d.calls) if (c.name === 'TRUST_AUTH_MECH' && c.args[0]) out.push(mechanismNames(c.args[0].text).join(' '));
    if (depth >= MAX_INCLUDE_DEPTH) return out;
    for (const c of d.calls) {
      if ((c.name !== 'include' && c.name !== 'sinclude') || !c.args[0]?.text.startsWith('/')) continue;
      const path = c.args[0].text;
      if (seen.has(path) || seen.size >= MAX_INCLUDES) continue;
      seen.add(path);
      const text = read(path);
      if (text !== undefined) out.push(...walk(parse(path, text), depth + 1));
    }
    return out;
  };
  return walk(doc, 0).filter(Boolean);
}
