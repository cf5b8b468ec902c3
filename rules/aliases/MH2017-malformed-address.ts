import { defineRule } from '../../src/core/rule.js';
import { addressFlaw, oddEntries } from '../../src/model/aliases.js';

export default defineRule({
  meta: {
    id: 'MH2017',
    slug: 'malformed-address',
    kinds: ['aliases'],
    description: 'A target has an unbalanced quote, angle bracket or parenthesis, or an "@" with no host or no user: newaliases stores it without a word (CheckAliases is False by default), and sendmail answers an error for it when mail arrives.',
    severity: 'medium',
    tags: ['aliases', 'syntax'],
    references: [],
    messages: {
      unbalanced: 'target "{address}" has an unbalanced \'{char}\': newaliases stores it without a word, and sendmail answers "Unbalanced \'{char}\'"',
      noHost: 'target "{address}" has no host after "@": newaliases stores it without a word, and sendmail answers "Hostname required"',
      noUser: 'target "{address}" has no user before "@": newaliases stores it without a word, and sendmail answers "User address required"',
    },
    fix: 'write the target as user, user@host, or "Name" <user@host>, with every quote and bracket closed',
  },
  check(doc, ctx) {
    // Only entries with a #, quote, bracket or loose @ can have such a target: the rest are not read.
    for (const i of oddEntries(doc)) {
      for (const t of doc.entries.at(i)!.targets) {
        const flaw = addressFlaw(t);
        if (flaw === undefined || flaw.kind === 'comment') continue;
        if (flaw.kind === 'unbalanced') ctx.report({ messageId: 'unbalanced', data: { address: t.text, char: flaw.char }, span: t.span });
        else ctx.report({ messageId: flaw.kind === 'no-host' ? 'noHost' : 'noUser', data: { address: t.text }, span: t.span });
      }
    }
  },
});
