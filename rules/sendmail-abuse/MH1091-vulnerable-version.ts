import { defineRule } from '../../src/core/rule.js';
import { cfVersion, olderThan } from '../../src/model/sendmail-version.js';

/**
 * Security fixes of sendmail releases (RELEASE_NOTES, "SECURITY:" entries) with their CVEs: a cf
 * whose DZ names an older release was built for a binary that has the hole. Smuggling was fixed in
 * 8.18.1 upstream; vendors patched older releases (Debian's 8.17.1.9-2+deb12u1), which write their own
 * suffix into DZ, so that entry applies only to an upstream version (a DZ without `/vendor`).
 */
const FIXES: readonly { fixed: readonly number[]; cve: string; what: string; upstreamOnly?: boolean }[] = [
  { fixed: [8, 12, 8], cve: 'CVE-2002-1337', what: 'remote buffer overflow in header parsing' },
  { fixed: [8, 12, 9], cve: 'CVE-2003-0161', what: 'buffer overflow in address parsing (prescan)' },
  { fixed: [8, 12, 10], cve: 'CVE-2003-0694', what: 'buffer overflow in address parsing (prescan)' },
  { fixed: [8, 13, 6], cve: 'CVE-2006-0058', what: 'race in the SMTP server\'s signal handling (remote code execution)' },
  { fixed: [8, 14, 4], cve: 'CVE-2009-4565', what: 'certificates with a NUL in the CommonName accepted (TLS man in the middle)' },
  { fixed: [8, 14, 9], cve: 'CVE-2014-3956', what: 'file descriptors leaked to mailer programs (no close-on-exec)' },
  { fixed: [8, 18, 1], cve: 'CVE-2023-51765', what: 'SMTP smuggling: <LF>.<CR><LF> ends a message', upstreamOnly: true },
];

export default defineRule({
  meta: {
    id: 'MH1091',
    slug: 'vulnerable-version',
    kinds: ['sendmail-cf'],
    description: 'The DZ macro must not name a sendmail release with known security holes (prescan overflows, CVE-2006-0058, CVE-2009-4565, CVE-2014-3956, SMTP smuggling).',
    severity: 'high',
    tags: ['version', 'cve'],
    references: ['CVE:2003-0694', 'CVE:2006-0058', 'CVE:2009-4565', 'CVE:2014-3956', 'CVE:2023-51765'],
    messages: {
      vulnerable: 'DZ says this configuration is for sendmail {version}, before {fixed}: {count} known hole(s) fixed since, the latest {cve} ({what})',
    },
    fix: 'upgrade sendmail to a current release (8.18 or a vendor build with the smuggling fix) and rebuild the .cf from its m4 files',
  },
  check(doc, ctx) {
    const v = cfVersion(doc);
    // Before 8.6 is MH1017's (the DEBUG command).
    if (!v || olderThan(v.numbers, [8, 6])) return;
    const vendor = v.text.includes('/');
    const open = FIXES.filter((f) => olderThan(v.numbers, f.fixed) && !(f.upstreamOnly && vendor));
    const last = open[open.length - 1];
    if (!last) return;
    ctx.report({ messageId: 'vulnerable', data: { version: v.text, fixed: last.fixed.join('.'), count: open.length, cve: last.cve, what: last.what }, span: v.span, subject: 'DZ' });
  },
});
