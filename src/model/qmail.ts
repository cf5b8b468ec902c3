/**
 * What qmail's files mean, where more than one part of mailharden asks: the rules, the policy's
 * checks and apply.
 */

/** Names of qmail and its distributions, alone or with a version attached (`qmail-1.03`, `netqmail/1.06`). */
const SOFTWARE = /^(?:net|not|s\/|s)?qmail(?:[-/ ]?v?\d[\w.]*)?$/i;
/** A qmail version number standing alone (1.01 … 1.09). */
const VERSION = /^v?1\.0\d$/i;

/**
 * The first word of a greeting line that names qmail or its version, with its offset in the line,
 * or undefined. Words are separated by blanks (qmail-smtpd sends the first line of smtpgreeting as
 * it is), and quotes, brackets and trailing punctuation around a word do not hide it.
 */
export function softwareWord(line: string): { word: string; index: number } | undefined {
  const re = /[^ \t]+/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) !== null) {
    const word = m[0].replace(/^[("'[<]+|[)"'\]>,;:!.]+$/g, '');
    if (SOFTWARE.test(word) || VERSION.test(word)) return { word, index: m.index + m[0].indexOf(word) };
  }
  return undefined;
}

/**
 * The name of the file in ~alias that takes mail for a local address (qmail-getpw and qmail-local:
 * `.qmail-` and the address, with each `.` written as `:`, lower case).
 */
export function aliasFileName(local: string): string {
  return `.qmail-${local.toLowerCase().replace(/\./g, ':')}`;
}

/** The addresses qmail's INSTALL.alias has ~alias take, by the policy's aliases key that sets each. */
export const ALIAS_ADDRESSES = [
  { address: 'postmaster', key: 'postmaster' },
  { address: 'mailer-daemon', key: 'mailerDaemon' },
  { address: 'root', key: 'root' },
] as const;
