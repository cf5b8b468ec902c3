import { defineRule } from '../../src/core/rule.js';

export default defineRule({
  meta: {
    id: 'MH4002',
    slug: 'rcpthosts-empty',
    kinds: ['qmail-control'],
    description: 'An rcpthosts file that lists no domain makes qmail-smtpd refuse every recipient domain to clients without RELAYCLIENT.',
    severity: 'low',
    tags: ['qmail', 'relay'],
    references: ['qmail-smtpd.8:rcpthosts'],
    messages: {
      empty: 'rcpthosts lists no domain{what}: qmail-smtpd answers "553 sorry, that domain isn\'t in my list of allowed rcpthosts" to every recipient with a domain, except for domains in morercpthosts.cdb and clients with RELAYCLIENT',
    },
    fix: 'list the domains this host receives mail for, one per line; a host that only relays for its own clients may keep it empty',
  },
  check(doc, ctx) {
    if (doc.name !== 'rcpthosts' || doc.entries.length > 0) return;
    const what = doc.lines.someText((t) => t.startsWith('#')) ? ' (only comments)' : doc.file.text === '' ? ' (the file is empty)' : ' (only blank lines)';
    ctx.report({ messageId: 'empty', data: { what }, span: doc.lines.get(0).span });
  },
});
