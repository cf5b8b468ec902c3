import { defineRule } from '../../src/core/rule.js';
import { mtaCf } from '../../src/host/paths.js';
import { classFiles, classFileWords } from '../../src/model/class-files.js';
import { relayBreadth } from '../../src/model/sendmail-auth.js';

/** The most a class file is read: a relay-domains of a big site holds some thousand names. */
const MAX_BYTES = 4 << 20;

export default defineRule({
  meta: {
    id: 'MH6017',
    slug: 'relay-domains-broad',
    kinds: ['host'],
    description: 'A file the MTA reads into class R (relay-domains, from an FR line) must not hold a top-level domain or a single octet: sendmail relays to every domain under it, or for every client in that /8.',
    severity: 'high',
    tags: ['host', 'relay'],
    references: ['sendmail-cf-README:RELAY_DOMAIN', 'DISA-STIG:GEN004710', 'CWE:284'],
    messages: {
      tld: '{file} (class R, read by {cf}) holds "{entry}", one label: sendmail relays mail from anyone to every domain that ends in .{entry} (an open relay for them)',
      network: '{file} (class R, read by {cf}) holds "{entry}", one octet: every client in {entry}.0.0.0/8 may relay',
    },
    fix: 'name the domains and networks that may relay in full (example.com, 192.0.2), one a line',
  },
  check(host, ctx) {
    const cf = mtaCf(host);
    if (!cf) return;
    for (const file of classFiles(cf.doc)) {
      if (file.name !== 'R') continue;
      const real = host.tree.resolve(file.path);
      const text = real === undefined ? undefined : host.tree.read(real, MAX_BYTES);
      if (text === undefined) continue;
      for (const w of classFileWords(text, file.format) ?? []) {
        const breadth = relayBreadth(w.word);
        if (!breadth) continue;
        const span = { start: { line: w.line, column: w.column }, end: { line: w.line, column: w.column + w.word.length } };
        // As MH1092: a whole /8 is often the site's own private network, worth a look rather than an open relay.
        ctx.report({ messageId: breadth, data: { file: real!, cf: cf.path, entry: w.word.replace(/\.$/, '') }, path: real!, span, ...(breadth === 'network' ? { severity: 'medium' as const } : {}) });
      }
    }
  },
});
