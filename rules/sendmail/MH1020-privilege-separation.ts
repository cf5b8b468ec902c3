import { trimEndOf } from '../../src/core/trim.js';
import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH1020',
    slug: 'privilege-separation',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'Advice: set RunAsUser or SafeFileEnvironment, so that sendmail gives up root or confines file deliveries to a chroot.',
    severity: 'info',
    tags: ['privileges'],
    references: ['sendmail-SECURITY:RunAsUser'],
    messages: {
      unset: 'neither RunAsUser nor SafeFileEnvironment is set: the daemon keeps root while it reads SMTP commands, and file deliveries are not confined to a chroot',
      slash: 'RunAsUser is not set, and SafeFileEnvironment "{value}" is no chroot (sendmail strips the trailing slashes and ignores it): the daemon keeps root, and file deliveries are not confined',
      root: 'RunAsUser "{value}" keeps root and SafeFileEnvironment is not set: the daemon keeps root while it reads SMTP commands, and file deliveries are not confined to a chroot',
    },
    fix: "consider SafeFileEnvironment, a chroot for file deliveries (in the .mc: define(`confSAFE_FILE_ENV', `/var/mail/safe')dnl), or RunAsUser (define(`confRUN_AS_USER', `mailnull'), which needs a local mailer that does not rely on root)",
  },
  check(doc, ctx) {
    const model = doc.sendmail;
    const runAs = model.get('RunAsUser');
    // "If set to a non-zero (non-root) value" (op.me); an empty value names no user at all.
    const runAsRoot = runAs !== undefined && /^\s*(?:(?:0|root)\s*(?:[:.].*)?)?$/.test(runAs.value);
    if (runAs && !runAsRoot) return;
    const safeEnv = model.get('SafeFileEnvironment');
    // readcf.c strips trailing slashes and ignores the option when nothing is left: "/" is no chroot.
    if (safeEnv && trimEndOf(safeEnv.value.trim(), '/') !== '') return;
    if (safeEnv && safeEnv.value.trim() !== '') ctx.report({ messageId: 'slash', data: { value: safeEnv.value.trim() }, span: safeEnv.span });
    else if (runAs && runAs.value.trim() !== '') ctx.report({ messageId: 'root', data: { value: runAs.value.trim() }, span: runAs.span });
    else ctx.report({ messageId: 'unset', span: model.anchor });
  },
});
