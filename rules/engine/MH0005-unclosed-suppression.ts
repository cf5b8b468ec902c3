import { directiveProblemRule } from '../../src/core/directive-problem-rule.js';

export default directiveProblemRule(
  {
    id: 'MH0005',
    slug: 'unclosed-suppression',
    description: 'A mailharden-disable directive has no matching mailharden-enable, so it covers the rest of the file.',
    severity: 'low',
    fix: 'add "# mailharden-enable ID" after the lines meant, or use mailharden-disable-file if the whole file is meant',
  },
  ['unclosed'],
);
