import { directiveProblemRule } from '../../src/core/directive-problem-rule.js';

export default directiveProblemRule(
  {
    id: 'MH0002',
    slug: 'bad-suppression',
    description: 'A suppression directive names no known rule, a rule that cannot be suppressed, or cannot be read.',
    severity: 'medium',
    fix: 'name existing rule ids or slugs (see `mailharden rules`); findings of rules marked not suppressible must be fixed',
  },
  ['unknown-id', 'not-suppressible', 'malformed'],
);
