import { defineRule } from '../../src/core/rule.js';
import { KeySet } from '../../src/parsers/aliases.js';
import { legacyAliasNames } from '../../src/model/aliases.js';

/** Aliases of the old BSD and System V aliases files that hardening guides strip (decode is MH2001's). */
const PSEUDO = new KeySet(legacyAliasNames('pseudo-account'));

export default defineRule({
  meta: {
    id: 'MH2004',
    slug: 'pseudo-account-alias',
    kinds: ['aliases'],
    description: 'An alias exists for a legacy pseudo-account (games, ingres, uucp, toor, …) that hardening guides remove.',
    severity: 'low',
    tags: ['aliases', 'cleanup'],
    references: ['Kylin-Server-10:7.4'],
    messages: { pseudo: 'alias "{name}" is for the legacy "{key}" pseudo-account, which nothing should receive mail for' },
    fix: 'delete the alias and run newaliases',
  },
  check(doc, ctx) {
    const { keys } = doc;
    for (let i = 0; i < keys.length; i++) {
      if (!keys.in(i, PSEUDO)) continue;
      const e = doc.entries.at(i)!;
      ctx.report({ messageId: 'pseudo', data: { name: e.name, key: keys.at(i) }, span: e.nameSpan });
    }
  },
});
