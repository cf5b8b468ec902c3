import { directiveProblemRule } from '../../src/core/directive-problem-rule.js';

export default directiveProblemRule(
  {
    id: 'MH0004',
    slug: 'suppression-without-reason',
    description: 'A suppression directive gives no reason after " -- ", so it suppresses nothing.',
    severity: 'medium',
    fix: 'add the reason after " -- ", e.g. "# mailharden-disable-next-line MH2004 -- legacy host, ticket OPS-12"',
  },
  ['no-reason'],
);
