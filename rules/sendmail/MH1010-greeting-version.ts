import { defineRule } from '../../src/core/rule.js';
import { versionMacros, versionText } from '../../src/model/option-values.js';

/** The greeting the binary uses when no SmtpGreetingMessage is set (op.me; FORMATS.md §3). */
const BINARY_DEFAULT = '$j Sendmail $v ready at $b';

export default defineRule({
  meta: {
    id: 'MH1010',
    slug: 'greeting-version',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'The SMTP greeting must not show the sendmail version, through $v, $Z or literal version text.',
    severity: 'low',
    tags: ['disclosure', 'greeting'],
    references: ['DISA-STIG:GEN004560', 'AIX7-STIG:AIX7-00-003114', 'Tiger:netw019w', 'EX16-STIG:EX16-ED-000630', 'SSG-RHEL5:mail_version_info', 'STONIX:SecureMTA'],
    messages: {
      unset: `SmtpGreetingMessage is not set, so sendmail greets with its built-in "${BINARY_DEFAULT}", which shows its version`,
      implicit: 'confSMTP_LOGIN_MSG is not defined, so cfhead.m4 writes the greeting "{value}", which shows the version through {macros}',
      macro: 'the SMTP greeting "{value}" shows the version through {macros}',
      literal: 'the SMTP greeting "{value}" names a version ("{text}")',
    },
    fix: "set a greeting without $v, $Z or version text, such as \"$j\" (in the .mc: define(`confSMTP_LOGIN_MSG', `$j')dnl, then rebuild the .cf)",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const model = doc.sendmail;
    const greeting = model.get('SmtpGreetingMessage');
    if (!greeting) {
      ctx.report({ messageId: 'unset', span: model.anchor });
      return;
    }
    const macros = versionMacros(greeting.value);
    if (macros.length > 0) {
      ctx.report({ messageId: greeting.implicit ? 'implicit' : 'macro', data: { value: greeting.value, macros: macros.join(' and ') }, span: greeting.span });
      return;
    }
    const text = versionText(greeting.value);
    if (text) ctx.report({ messageId: 'literal', data: { value: greeting.value, text }, span: greeting.span });
  },
});
