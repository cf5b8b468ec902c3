import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH1016',
    slug: 'wizard-backdoor',
    kinds: ['sendmail-cf'],
    description: 'A sendmail.cf must have no OW option and no statement that mentions "wiz": old sendmail kept the password of its WIZ backdoor there.',
    severity: 'low',
    tags: ['backdoor'],
    references: ['DISA-STIG:GEN004700', 'SSG-RHEL5:mail_wiz_active'],
    messages: {
      option: 'OW sets the wizard password of the old SMTP WIZ backdoor; sendmail 8.17 no longer knows the option and refuses the whole file',
      mention: 'this line mentions "wiz": a leftover of the old SMTP WIZ backdoor, whose password sat in an OW option',
    },
    fix: 'delete the line, and make sure the sendmail binary is a current 8.x release',
  },
  check(doc, ctx) {
    // Nearly every cf has neither: look through the whole text once before looking at each line.
    if (!/^OW|wiz/im.test(doc.file.text)) return;
    const { lines } = doc;
    for (let i = 0; i < lines.length; i++) {
      // text is the statement as sendmail reads it: comment lines and (level 3+) trailing comments are gone.
      if (lines.kind(i) !== 'statement') continue;
      const line = lines.at(i);
      if (/^OW/.test(line.text)) ctx.report({ messageId: 'option', span: line.span });
      else if (/wiz/i.test(line.text)) ctx.report({ messageId: 'mention', span: line.span });
    }
  },
});
