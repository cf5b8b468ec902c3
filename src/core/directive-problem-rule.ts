import { defineRule, type RuleContext, type RuleMeta } from './rule.js';

type Code = RuleContext['directiveProblems'][number]['code'];

/** A rule that reports the directive problems of some codes found while the engine read the file. */
export function directiveProblemRule(meta: Omit<RuleMeta<'problem'>, 'kinds' | 'messages' | 'tags' | 'references'>, codes: readonly Code[]) {
  return defineRule({
    meta: {
      ...meta,
      kinds: ['sendmail-cf', 'sendmail-mc', 'aliases', 'access', 'tcp-rules', 'qmail-control', 'qmail-run'],
      tags: ['suppression'],
      references: [],
      messages: { problem: '{message}' },
      suppressible: false,
      // The problems are known when every part of the file has been read (a `disable` never closed).
      phase: 'post',
    },
    check(_doc, ctx) {
      for (const p of ctx.directiveProblems) if (codes.includes(p.code)) ctx.report({ messageId: 'problem', data: { message: p.message }, span: p.span });
    },
  });
}
