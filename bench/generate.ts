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

/** A large site's access map: connection, sender and recipient entries of every tag and action, comments. */
export function accessLine(i: number): string {
  const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  switch (i % 16) {
    case 0:
      return `# block ${i}\n`;
    case 1:
      return `Connect:${ip}\tRELAY\n`;
    case 2:
      return `From:spammer${i}@example.net\tREJECT\n`;
    case 3:
      return `To:user${i}@example.com\tOK\n`;
    case 4:
      return `Connect:host${i}.example.org\tERROR:"550 5.7.1 Access denied to host${i}"\n`;
    case 5:
      return `Spam:user${i}@example.com\tFRIEND\n`;
    case 6:
      return `ClientRate:${ip}\t${i % 50}\n`;
    case 7:
      return `TLS_Clt:host${i}.example.org\tENCR:128\n`;
    case 8:
      return `From:example${i}.biz\tDISCARD\n`;
    case 9:
      return `\n`;
    default:
      return `Connect:${ip}\tREJECT\n`;
  }
}

/** A sendmail.mc that keeps going: defines, features, mailers, LOCAL_CONFIG with cf lines, dnl comments. */
export function mcLine(i: number): string {
  switch (i % 12) {
    case 0:
      return `dnl # section ${i}: the site's settings\n`;
    case 1:
      return `define(\`confMAX_MESSAGE_SIZE', \`${10_000_000 + i}')dnl\n`;
    case 2:
      return `define(\`confPRIVACY_FLAGS', \`authwarnings,noexpn,novrfy')dnl\n`;
    case 3:
      return `FEATURE(\`access_db', \`hash -T<TMPF> -o /etc/mail/access${i}.db')dnl\n`;
    case 4:
      return `DAEMON_OPTIONS(\`Family=inet, Name=MTA${i}, Port=smtp, Addr=127.0.0.1')dnl\n`;
    case 5:
      return `define(\`SMART_HOST', \`relay${i}.example.com')dnl\n`;
    case 6:
      return `LOCAL_CONFIG\n`;
    case 7:
      return `Cw host${i}.example.com\n`;
    case 8:
      return `FEATURE(\`dnsbl', \`bl${i}.example.org', \`"554 Rejected " $&{client_addr} " found in bl${i}"')dnl\n`;
    case 9:
      return `MAILER(\`smtp')dnl\n`;
    case 10:
      return `define(\`confTO_IDENT', \`${i % 60}s')dnl\n`;
    default:
      return `dnl\n`;
  }
}

/** control/rcpthosts of a large host: names, some wildcard parents, a comment now and then. */
export const controlLine = (i: number): string => (i % 25 === 0 ? `.example${i}.com\n` : i % 101 === 0 ? `# ${i}\n` : `host${i}.example.com\n`);

/** A qmail run script grown large: comments, settings, pipelines and exec lines of the usual tools. */
export function runLine(i: number): string {
  if (i === 0) return '#!/bin/sh\n';
  switch (i % 6) {
    case 0:
      return `# ${i}: limits and access\n`;
    case 1:
      return `QMAILDUID=\`id -u qmaild\`\n`;
    case 2:
      return `MAXSMTPD=\`head -1 /var/qmail/control/concurrencyincoming\`\n`;
    case 3:
      return `exec /usr/local/bin/softlimit -m ${2_000_000 + i} /usr/local/bin/tcpserver -v -R -l "$LOCAL" -x /etc/tcp.smtp.cdb -c "$MAXSMTPD" -u "$QMAILDUID" -g "$NOFILESGID" 0 smtp /var/qmail/bin/qmail-smtpd 2>&1\n`;
    case 4:
      return `export GREETDELAY=${i % 30}\n`;
    default:
      return `[ -n "$MAXSMTPD" ] || MAXSMTPD=20\n`;
  }
}

/** tcp.smtp of a site: exact addresses, prefixes, ranges, names, deny lines and variables, comments; few lines repeat another. */
export function tcpMixLine(i: number): string {
  const a = (i >> 16) & 255;
  const b = (i >> 8) & 255;
  const c = i & 255;
  switch (i % 10) {
    case 0:
      return `# ${i}\n`;
    case 1:
      return `${11 + a}.${b}.${c}.:allow,RELAYCLIENT=""\n`;
    case 2:
      return `172.${16 + (a & 15)}.${b}.${c}-${Math.min(255, c + 1)}:deny\n`;
    case 3:
      return `=host${i}.example.com:allow,RELAYCLIENT="",QMAILQUEUE="/var/qmail/bin/qmail-scanner-queue"\n`;
    case 4:
      return `192.${168 + (a & 31)}.${b}.${c}:allow,GREETDELAY="0"\n`;
    default:
      return `10.${a}.${b}.${c}:allow,RELAYCLIENT=""\n`;
  }
}
