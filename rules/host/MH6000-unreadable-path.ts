import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH6000',
    slug: 'unreadable-path',
    kinds: ['host'],
    description: 'A path of the system tree could not be examined (permission denied, a dangling or looping symlink, or a link out of the tree), so the checks that need it did not run.',
    severity: 'medium',
    tags: ['host'],
    references: [],
    messages: {
      permission: 'cannot read {path}: permission denied, so it was not checked',
      loop: '{path}: too many levels of symbolic links, so it was not checked',
      'escapes-root': '{path}: {detail}; it is not followed',
      dangling: '{path}: {detail}',
      io: 'cannot read {path}: {detail}',
    },
    fix: 'run mailharden as a user who can read the mail configuration (usually root), or repair the link',
    phase: 'post',
  },
  check(host, ctx) {
    const seen = new Set<string>();
    for (const p of host.tree.problems) {
      const key = `${p.reason}\0${p.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      ctx.report({ messageId: p.reason, data: { path: p.path, detail: p.detail }, path: p.path, span: { start: { line: 1, column: 1 }, end: { line: 1, column: 2 } } });
    }
  },
});
