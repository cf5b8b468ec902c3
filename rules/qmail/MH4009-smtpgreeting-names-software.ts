import { defineRule } from '../../src/core/rule.js';

/** Names of qmail and its distributions, alone or with a version attached (`qmail-1.03`, `netqmail/1.06`). */
const SOFTWARE = /^(?:net|not|s\/|s)?qmail(?:[-/ ]?v?\d[\w.]*)?$/i;
/** A qmail version number standing alone (1.01 … 1.09). */
const VERSION = /^v?1\.0\d$/i;

export default defineRule({
  meta: {
    id: 'MH4009',
    slug: 'smtpgreeting-names-software',
    kinds: ['qmail-control'],
    description: 'The SMTP greeting in control/smtpgreeting should not name the mail software or its version, which helps attackers choose exploits.',
    severity: 'low',
    tags: ['qmail', 'disclosure'],
    references: ['DISA-STIG:GEN004560', 'EX16-STIG:EX16-ED-000630', 'qmail-smtpd.8:smtpgreeting'],
    messages: {
      names: 'smtpgreeting names the software ("{word}"): qmail-smtpd sends it after 220 to every client, and again in its answers to HELO, EHLO and QUIT',
    },
    fix: 'keep only the host name in control/smtpgreeting (qmail-smtpd appends " ESMTP" itself), or delete the file to use control/me',
  },
  check(doc, ctx) {
    if (doc.name !== 'smtpgreeting') return;
    const first = doc.lines[0]!;
    // qmail-smtpd reads the first line only (control_rldef); words are separated by blanks.
    const re = /[^ \t]+/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(first.text)) !== null) {
      const word = m[0].replace(/^[("'[<]+|[)"'\]>,;:!.]+$/g, '');
      if (!SOFTWARE.test(word) && !VERSION.test(word)) continue;
      const column = first.span.start.column + m.index + m[0].indexOf(word);
      ctx.report({ messageId: 'names', data: { word }, span: { start: { line: first.line, column }, end: { line: first.line, column: column + word.length } } });
      return;
    }
  },
});
