import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH1012',
    slug: 'help-version',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'HelpFile must name a help file: without one, HELP answers with the sendmail version.',
    severity: 'medium',
    tags: ['disclosure', 'help'],
    references: ['DISA-STIG:GEN004540', 'AIX7-STIG:AIX7-00-003122', 'SSG-RHEL5:mail_help_command'],
    messages: {
      unset: 'HelpFile is not set, so HELP answers "502 5.3.0 Sendmail <version> -- HELP not implemented" and the version leaks: install a help file without version text instead of having none',
      empty: '{name} is empty, so HELP answers "502 5.3.0 Sendmail <version> -- HELP not implemented" and the version leaks: point it at a help file without version text instead of having none',
    },
    fix: "point HelpFile at a help file that shows no version (first line \"#vers<TAB>2\", no $v), or an empty file; do not delete it (in the .mc: define(`HELP_FILE', `/etc/mail/helpfile')dnl)",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const model = doc.sendmail;
    const help = model.get('HelpFile');
    if (!help) ctx.report({ messageId: 'unset', span: model.anchor });
    else if (help.value.trim() === '') ctx.report({ messageId: 'empty', data: { name: help.macro ?? 'HelpFile' }, span: help.span });
  },
});
