import { defineRule } from '../../src/core/rule.js';
import { findVersion, payloadSpan } from '../../src/probe/transcript.js';

export default defineRule({
  meta: {
    id: 'MH7002',
    slug: 'probe-help-version',
    kinds: ['probe'],
    description: 'The running server\'s answer to HELP must not show the mail software\'s version.',
    severity: 'medium',
    tags: ['disclosure', 'help', 'probe'],
    references: ['DISA-STIG:GEN004540', 'AIX7-STIG:AIX7-00-003122', 'SSG-RHEL5:mail_help_command'],
    messages: { version: 'HELP shows the version "{version}": "{reply}"' },
    fix: 'point HelpFile at a help file whose first line is "#vers<TAB>2" and which has no $v (mailharden apply with help: true writes one); an unset HelpFile answers "502 Sendmail <version> -- HELP not implemented"',
  },
  check(doc, ctx) {
    const help = doc.find('HELP');
    for (const l of help?.reply?.lines ?? []) {
      const v = findVersion(l.text);
      if (v) {
        ctx.report({ messageId: 'version', data: { version: v.text, reply: l.text }, span: payloadSpan(l.line, v.at, v.text.length) });
        return;
      }
    }
  },
});
