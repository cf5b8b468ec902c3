/** The generated inputs of `npm run bench`: written in chunks, kept in .bench/ between runs. */
import { closeSync, existsSync, openSync, writeSync } from 'node:fs';

/** Writes a file in chunks from a line generator, so generating 200 MB needs little memory. */
export function generate(path: string, lines: number, line: (i: number) => string): string {
  if (existsSync(path)) return path;
  const fd = openSync(path, 'w');
  let buf = '';
  for (let i = 0; i < lines; i++) {
    buf += line(i);
    if (buf.length > 1 << 20) {
      writeSync(fd, buf);
      buf = '';
    }
  }
  writeSync(fd, buf);
  closeSync(fd);
  return path;
}

/**
 * A large site's aliases file: mostly one user forwarded to a mailbox, some lists continued over
 * several lines, a few programs and :include: lists, comments between sections.
 */
export function aliasLine(i: number): string {
  if (i % 50 === 0) return `# section ${i}\n`;
  if (i % 50 === 7) return `prog${i}: "|/usr/bin/procmail -a list${i}"\n`;
  if (i % 50 === 9) return `inc${i}: :include:/etc/mail/lists/l${i}\n`;
  if (i % 10 === 3) return `list${i}: user${i}@example.com, user${i + 1},\n\tuser${i + 2}\n`;
  return `user${i}: user${i}@mail.example.com\n`;
}

/** A cf mix resembling a generated sendmail.cf: rulesets, options, macros, classes, mailers, comments. */
export function cfLine(i: number): string {
  if (i === 0) return 'V10/Berkeley\n';
  switch (i % 20) {
    case 0:
      return `S${i % 100}\n`;
    case 1:
      return `# ruleset ${i}: canonicalise the host part\n`;
    case 2:
      return `O PrivacyOptions=authwarnings,noexpn,novrfy,restrictmailq,restrictqrun\n`;
    case 3:
      return `O SmtpGreetingMessage=$j ESMTP\n`;
    case 4:
      return `D{m${i}}value ${i}\n`;
    case 5:
      return `Cw host${i}.example.com host${i}\n`;
    case 6:
      return `Mm${i},\t\tP=/usr/libexec/sendmail/smrsh, F=lsDFMoqeu9, S=EnvFromL/HdrFromL, R=EnvToL/HdrToL,\n\t\tA=smrsh -c $u\n`;
    case 7:
      return `H?P?Return-Path: <$g>\n`;
    default:
      return `R$* < @ $=w . > $*\t$: $1 < @ $j . > $2\t\tcanonical ${i}\n`;
  }
}

/** A tcp.smtp of distinct exact addresses that may relay. */
export const tcpLine = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:allow,RELAYCLIENT=""\n`;
