import { defineRule } from '../../src/core/rule.js';
import type { CfLine } from '../../src/parsers/sendmail-cf.js';

/** The ruleset name of an `S` line: `SBasic_check_rcpt`, `Scheck_rcpt`, `Scanonify=3`. */
function rulesetName(text: string): string | undefined {
  return /^S[ \t]*([A-Za-z_]\w*)/.exec(text)?.[1];
}

export default defineRule({
  meta: {
    id: 'MH1040',
    slug: 'promiscuous-relay',
    kinds: ['sendmail-mc', 'sendmail-cf'],
    description: 'FEATURE(promiscuous_relay) makes sendmail an open relay: it accepts mail from any host to any host.',
    severity: 'critical',
    suppressible: false,
    tags: ['relay'],
    references: ['DISA-STIG:GEN004710', 'SSG-RHEL5:mail_relaying_disabled', 'KISA:U-31', 'sendmail-cf-README:promiscuous_relay'],
    messages: {
      feature: 'FEATURE(`promiscuous_relay\') makes this an open relay: mail from any host to any host is accepted and sent on',
      built: 'this cf was built with FEATURE(`promiscuous_relay\'): mail from any host to any host is accepted and sent on',
      rules: 'Basic_check_rcpt has no "Relaying denied" rule and there is no Relay_ok ruleset, as FEATURE(`promiscuous_relay\') leaves it: mail from any host to any host is accepted',
    },
    fix: 'remove FEATURE(promiscuous_relay) from the .mc and rebuild the .cf; allow the hosts that may relay with RELAY_DOMAIN, the access map or SMTP AUTH',
  },
  check(doc, ctx) {
    if (doc.kind === 'sendmail-mc') {
      for (const f of doc.sendmail.features) if (f.name === 'promiscuous_relay') ctx.report({ messageId: 'feature', span: f.span });
      return;
    }
    const marker = doc.sendmail.features.find((f) => f.name === 'promiscuous_relay');
    if (marker) {
      ctx.report({ messageId: 'built', span: marker.span });
      return;
    }
    // Without the comment: proto.m4 drops the relay checks (Relay_ok and the final "550 Relaying
    // denied" of Basic_check_rcpt) under _PROMISCUOUS_RELAY_. Older cfs inline those checks in
    // Basic_check_rcpt, so both must be missing. The raw text is searched: "$#error" is no comment.
    const { lines } = doc;
    let basic: CfLine | undefined;
    let relayOk = false;
    for (const i of lines.withLetter('S')) {
      const line = lines.at(i);
      const name = rulesetName(line.text);
      if (name === 'Basic_check_rcpt') basic ??= line;
      else if (name === 'Relay_ok') relayOk = true;
    }
    if (!basic || relayOk) return;
    let denied = false;
    if (doc.file.text.includes('Relaying denied')) {
      const rules = lines.withLetter('R');
      for (let k = 0; k < rules.length && !denied; k++) denied = lines.at(rules[k]!).joined.text.includes('Relaying denied');
    }
    if (!denied) ctx.report({ messageId: 'rules', span: basic.span });
  },
});
