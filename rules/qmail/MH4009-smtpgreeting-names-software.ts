import { defineRule } from '../../src/core/rule.js';
import { softwareWord } from '../../src/model/qmail.js';

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
    const first = doc.lines.get(0);
    // qmail-smtpd reads the first line only (control_rldef).
    const found = softwareWord(first.text);
    if (!found) return;
    const column = first.span.start.column + found.index;
    ctx.report({ messageId: 'names', data: { word: found.word }, span: { start: { line: first.line, column }, end: { line: first.line, column: column + found.word.length } } });
  },
});
