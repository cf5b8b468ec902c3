import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH4012',
    slug: 'control-comment-is-data',
    kinds: ['qmail-control'],
    description: 'In a one-value control file (me, smtpgreeting, databytes, …) qmail reads only the first line, comments included, so a comment or a blank line there becomes the value.',
    severity: 'medium',
    tags: ['qmail', 'syntax'],
    references: ['qmail-control.5:comments'],
    messages: {
      comment: '{name} does not take comments: {readBy} reads only its first line, so this comment is the value{consequence}',
      blank: 'the first line of {name} is empty and {readBy} reads only that line: the value below it is never read{consequence}',
    },
    fix: 'put the value alone on the first line and no comment in the file (comments are allowed only in badmailfrom, locals, percenthack, qmqpservers, rcpthosts, smtproutes and virtualdomains)',
  },
  check(doc, ctx) {
    const spec = doc.spec;
    if (!spec || spec.form === 'list' || !doc.name) return;
    const first = doc.lines.get(0);
    const value = first.text.slice(0, 40);
    const consequence =
      spec.form === 'number'
        ? ` (no number: the default, ${spec.defaultNumber}, applies)`
        : doc.name === 'smtpgreeting'
          ? ` (qmail-smtpd greets with "220 ${value} ESMTP")`
          : doc.name === 'me'
            ? ` (qmail calls this host "${value}", and qmail-smtpd greets with it when there is no smtpgreeting)`
            : '';
    if (first.text.startsWith('#')) ctx.report({ messageId: 'comment', data: { name: doc.name, readBy: spec.readBy, consequence }, span: first.span });
    else if (first.text === '' && doc.lines.someText((t) => t.trim() !== '')) {
      const blankConsequence = spec.form === 'number' ? consequence : ' (the value is empty)';
      ctx.report({ messageId: 'blank', data: { name: doc.name, readBy: spec.readBy, consequence: blankConsequence }, span: first.span });
    }
  },
});
