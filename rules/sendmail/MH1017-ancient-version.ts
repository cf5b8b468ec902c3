import { defineRule } from '../../src/core/rule.js';

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
    // $Z is what `echo '$Z' | sendmail -bt -d0` prints, the value the DISA fallback check reads.
    const dz = doc.macros.filter((m) => m.name === 'Z').pop();
    if (!dz) return;
    const v = /^\s*(\d+)\.(\d+)/.exec(dz.value);
    if (!v) return;
    const major = Number(v[1]);
    const minor = Number(v[2]);
    if (major < 8 || (major === 8 && minor < 6)) ctx.report({ messageId: 'ancient', data: { version: dz.value.trim() }, span: dz.valueSpan });
  },
});
