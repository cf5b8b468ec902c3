import { defineRule, type RuleMeta } from './rule.js';

/** What differs between the "PrivacyOptions lacks X" rules. */
export interface PrivacyFlagRule {
  id: string;
  slug: string;
  flag: string;
  /** What the flag prevents, for the message. */
  effect: string;
  severity: RuleMeta['severity'];
  references: readonly string[];
  tags?: readonly string[];
  /**
   * The flag changes what the SMTP daemon answers a client (VRFY, EXPN, ETRN, VERB, HELO first), so
   * the rule says nothing of a configuration that runs no daemon (SendmailModel.servesSmtp).
   */
  smtp?: boolean;
}

/**
 * A rule that requires one PrivacyOptions flag in the effective set (the OR of every PrivacyOptions
 * line, with goaway expanded), in a .cf or a .mc. The finding sits on the last PrivacyOptions setting,
 * or on the file's anchor when there is none.
 */
export function privacyFlagRule(p: PrivacyFlagRule) {
  return defineRule({
    meta: {
      id: p.id,
      slug: p.slug,
      kinds: ['sendmail-cf', 'sendmail-mc'],
      description: `PrivacyOptions must include "${p.flag}": without it ${p.effect}.`,
      severity: p.severity,
      tags: ['privacy', ...(p.tags ?? [])],
      references: p.references,
      messages: {
        missing: `PrivacyOptions lacks "${p.flag}": ${p.effect}`,
        unset: `PrivacyOptions is not set, so "${p.flag}" is off: ${p.effect}`,
      },
      fix: `add ${p.flag} to PrivacyOptions (in the .mc: define(\`confPRIVACY_FLAGS', \`…,${p.flag}')dnl, then rebuild the .cf)`,
    },
    check(doc, ctx) {
      const model = doc.sendmail;
      if (p.smtp && !model.servesSmtp) return;
      if (model.privacy.has(p.flag)) return;
      const last = model.get('PrivacyOptions');
      if (last) ctx.report({ messageId: 'missing', span: last.span });
      else ctx.report({ messageId: 'unset', span: model.anchor });
    },
  });
}
