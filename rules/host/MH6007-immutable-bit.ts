import { defineRule } from '../../src/core/rule.js';
import { aliasFiles, AT_START } from '../../src/host/paths.js';

export default defineRule({
  meta: {
    id: 'MH6007',
    slug: 'immutable-bit',
    kinds: ['host'],
    description: 'The files sendmail.cf, aliases and access can carry the immutable attribute, so that not even root changes them by accident or through a compromised process without first clearing it.',
    severity: 'info',
    tags: ['host', 'permissions'],
    references: [],
    messages: {
      mutable: '{path} does not have the immutable attribute (chattr +i)',
    },
    fix: 'chattr +i the file once it is final (chattr -i before each edit); never on .db files, which newaliases and makemap rewrite',
  },
  check(host, ctx) {
    const { tree, layout } = host;
    // The alias files in force (the cf's AliasFile), not only the layout's.
    const paths = [`${layout.mailDir}/sendmail.cf`, ...aliasFiles(host).map((a) => a.source), `${layout.mailDir}/access`];
    const seen = new Set<string>();
    for (const [path, immutable] of tree.immutable(paths)) {
      // undefined: the attribute could not be read (no lsattr, a filesystem without attributes, no such file).
      if (immutable !== false) continue;
      const real = tree.resolve(path)!;
      if (seen.has(real)) continue;
      seen.add(real);
      ctx.report({ messageId: 'mutable', data: { path: real }, path: real, span: AT_START });
    }
  },
});
