import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH1015',
    slug: 'forward-path',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'ForwardPath must be set empty, so that sendmail reads no .forward files.',
    severity: 'medium',
    tags: ['forward'],
    references: ['DISA-STIG:GEN004580', 'AIX7-STIG:AIX7-00-003115', 'SOL11-STIG:SOL-11.1-070170', 'SSG-RHEL5:mail_forward_files'],
    messages: {
      unset: 'ForwardPath is not set, so sendmail reads each user\'s $z/.forward (its built-in default)',
      implicit: 'confFORWARD_PATH is not defined, so cfhead.m4 sets ForwardPath to "{value}" and users\' .forward files are honoured',
      set: 'ForwardPath "{value}" makes sendmail honour .forward files',
    },
    fix: "set ForwardPath empty (in the .mc: define(`confFORWARD_PATH', `')dnl) so that no .forward file is read",
  },
  check(doc, ctx) {
    const model = doc.sendmail;
    const setting = model.get('ForwardPath');
    if (!setting) ctx.report({ messageId: 'unset', span: model.anchor });
    else if (setting.value.trim() !== '') ctx.report({ messageId: setting.implicit ? 'implicit' : 'set', data: { value: setting.value }, span: setting.span });
  },
});
