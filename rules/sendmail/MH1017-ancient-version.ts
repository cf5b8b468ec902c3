import { defineRule } from '../../src/core/rule.js';
import { cfVersion, olderThan } from '../../src/model/sendmail-version.js';

export default defineRule({
  meta: {
    id: 'MH1017',
    slug: 'ancient-version',
    kinds: ['sendmail-cf'],
    description: 'The DZ macro must not name a sendmail version older than 8.6, the first release without the SMTP DEBUG command.',
    severity: 'high',
    tags: ['version', 'debug'],
    references: ['DISA-STIG:GEN004620', 'DISA-STIG:GEN004600', 'AIX7-STIG:AIX7-00-003116', 'SSG-RHEL5:mail_debug_enabled', 'KISA:U-30'],
    messages: {
      ancient: 'DZ says this configuration is for sendmail {version}: releases before 8.6 may answer the SMTP DEBUG command, the hole the 1988 Internet worm used',
    },
    fix: 'upgrade sendmail to a current 8.x release and rebuild the .cf from its m4 files',
  },
  check(doc, ctx) {
    // A bare major number (DZ8) names no release.
    const v = cfVersion(doc);
    if (v && v.numbers.length >= 2 && olderThan(v.numbers, [8, 6])) ctx.report({ messageId: 'ancient', data: { version: v.text }, span: v.span });
  },
});
