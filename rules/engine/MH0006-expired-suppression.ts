import { directiveProblemRule } from '../../src/core/directive-problem-rule.js';

export default directiveProblemRule(
  {
    id: 'MH0006',
    slug: 'expired-suppression',
    description: 'A suppression directive has an until= date in the past, so the findings it covered are reported again.',
    severity: 'medium',
    fix: 'fix the finding and remove the directive, or renew the date after a fresh review',
  },
  ['expired'],
);
