import { defineRule } from '../../src/core/rule.js';
import { findVersion, payloadSpan } from '../../src/probe/transcript.js';

export default defineRule({
  meta: {
    id: 'MH7001',
    slug: 'probe-banner-version',
    kinds: ['probe'],
    description: 'The running server\'s 220 greeting must not show the mail software\'s version.',
    severity: 'low',
    tags: ['disclosure', 'greeting', 'probe'],
    references: ['DISA-STIG:GEN004560', 'AIX7-STIG:AIX7-00-003114', 'Tiger:netw019w', 'EX16-STIG:EX16-ED-000630', 'SSG-RHEL5:mail_version_info'],
    messages: { version: 'the greeting shows the version "{version}": "{reply}"' },
    fix: 'set SmtpGreetingMessage to "$j" (sendmail adds ESMTP itself), without $v or $Z; in the .mc: define(`confSMTP_LOGIN_MSG\', `$j\')dnl',
  },
  check(doc, ctx) {
    // POP3 and IMAP greetings are MH7014's.
    if (doc.protocol !== 'smtp') return;
    const greeting = doc.find('');
    for (const l of greeting?.reply?.lines ?? []) {
      const v = findVersion(l.text);
      if (v) ctx.report({ messageId: 'version', data: { version: v.text, reply: l.text }, span: payloadSpan(l.line, v.at, v.text.length) });
    }
  },
});
