/**
 * The passwords sendmail gives other servers, kept out of what a person or a log sees.
 *
 * An `AuthInfo:` entry of the access map (or of FEATURE(authinfo)'s map, the same syntax) carries them
 * as `"P:secret"` or `"P=base64"` items (sendmail-cf README, "Providing SMTP AUTH Data when sendmail
 * acts as Client"). Every output that shows such a line (apply's diff, text and JSON, the texts of the
 * JSON report, a finding's source line) shows each password item as `P:*` / `P=*`; the other items
 * (user, realm, mechanisms) stay, and digests are of the real bytes. A commented-out entry is redacted
 * too: a password there is still a password.
 */

/**
 * A line that is (or was, commented out) an AuthInfo entry, after an optional diff marker: blanks are
 * any white space but the newline (a byte order mark, a no-break space: the parsers read them as blanks,
 * and a line that begins with them is still shown), and a comment is any run of `#`s (`## AuthInfo:`).
 */
const AUTHINFO_LINE = /^([ +-]?[^\S\n]*(?:#[^\S\n]*)*)(AuthInfo:[^\n]*)/gim;
const HAS_AUTHINFO = /AuthInfo:/i;

/** One AuthInfo line with its password items as `*`: quoted items up to their closing quote (a backslash escapes), bare ones up to a blank. */
function redactEntry(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === ' ' || c === '\t' || c === '\r') {
      out += c;
      i++;
      continue;
    }
    const quoted = c === '"';
    let j = quoted ? i + 1 : i;
    while (j < line.length && (quoted ? line[j] !== '"' : line[j] !== ' ' && line[j] !== '\t' && line[j] !== '\r' && line[j] !== '"')) j += quoted && line[j] === '\\' ? 2 : 1;
    j = Math.min(j, line.length);
    const body = line.slice(quoted ? i + 1 : i, j);
    const shown = /^P[:=]/i.test(body) ? `${body.slice(0, 2)}*` : body;
    if (quoted) {
      const closed = j < line.length;
      out += `"${shown}${closed ? '"' : ''}`;
      i = closed ? j + 1 : j;
    } else {
      out += shown;
      i = j;
    }
  }
  return out;
}

/**
 * Text (a file, a diff, one line) with the password of every AuthInfo entry as `*`; the same text when
 * it holds none.
 */
export function withoutPasswords(text: string): string {
  if (!HAS_AUTHINFO.test(text)) return text;
  return text.replace(AUTHINFO_LINE, (_all, lead: string, entry: string) => `${lead}${redactEntry(entry)}`);
}

/** The blanks and `#`s before the start of an entry, looked at up to this many characters. */
const LEAD_LOOKED_AT = 1024;
const LEAD = /[ +-]?(?:[^\S\n]|#){0,1024}/y;

/**
 * Whether one line (no newline) may be an AuthInfo entry, told from its start alone: after a diff
 * marker and blanks and `#`s, `AuthInfo:`. A lead longer than what is looked at counts as one (its
 * entry is shown redacted). For a finding on a long line, whose snippet is a window of it: the line is
 * not scanned once per finding (a line of 64 MiB with the most findings a rule reports).
 */
export function mayBeAuthInfoLine(line: string): boolean {
  LEAD.lastIndex = 0;
  const lead = LEAD.exec(line)![0].length;
  if (lead >= LEAD_LOOKED_AT && lead < line.length) return true;
  return line.slice(lead, lead + 9).toLowerCase() === 'authinfo:';
}
