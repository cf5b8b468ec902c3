import { defineRule } from '../../src/core/rule.js';
import { accessMap, mtaCf } from '../../src/host/paths.js';
import { antiSpamOf } from '../../src/model/sendmail-antispam.js';
import { tagCode } from '../../src/parsers/access.js';

/** The access map tags, the FEATURE that reads each and the ruleset it writes. */
const TAGS = [
  { tag: 'clientrate', feature: 'ratecontrol', ruleset: 'RateControl' },
  { tag: 'clientconn', feature: 'conncontrol', ruleset: 'ConnControl' },
] as const;

export default defineRule({
  meta: {
    id: 'MH1102',
    slug: 'connection-limits-unread',
    kinds: ['host'],
    description: "ClientRate: and ClientConn: entries of the access map limit nothing unless the MTA's sendmail.cf has the RateControl or ConnControl ruleset of FEATURE(`ratecontrol') or FEATURE(`conncontrol').",
    severity: 'medium',
    tags: ['dos', 'access'],
    references: ['sendmail-cf-README:ratecontrol', 'sendmail-cf-README:conncontrol'],
    messages: {
      unread: '{count} {tag}: entries in {path} limit nothing: {cf} has no {ruleset} ruleset (FEATURE(`{feature}\') is missing, or came before FEATURE(`access_db\'))',
    },
    fix: "add FEATURE(`{feature}', `nodelay', `terminate')dnl after FEATURE(`access_db') and FEATURE(`delay_checks') in sendmail.mc and rebuild sendmail.cf",
  },
  check(host, ctx) {
    const cf = mtaCf(host);
    if (!cf || !cf.doc.sendmail.servesSmtp) return;
    const path = accessMap(host)?.source ?? `${host.layout.mailDir}/access`;
    const access = host.fileOf('access', path);
    if (!access) return;
    const written = new Set(antiSpamOf(cf.doc).controls.filter((c) => c.written).map((c) => c.feature));
    for (const t of TAGS) {
      if (written.has(t.feature)) continue;
      const table = access.table;
      const code = tagCode(t.tag);
      let count = 0;
      let first = -1;
      for (let i = 0; i < table.count; i++) {
        if (table.tag[i] !== code) continue;
        if (first < 0) first = i;
        count++;
      }
      if (count === 0) continue;
      ctx.report({
        messageId: 'unread',
        data: { count, tag: table.tagText(first), path, cf: cf.path, ruleset: t.ruleset, feature: t.feature },
        path,
        span: table.span(first),
        fix: `add FEATURE(\`${t.feature}', \`nodelay', \`terminate')dnl after FEATURE(\`access_db') and FEATURE(\`delay_checks') in sendmail.mc and rebuild sendmail.cf`,
        subject: t.tag,
      });
    }
  },
});
