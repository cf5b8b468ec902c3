import { defineRule } from '../../src/core/rule.js';
import type { Severity } from '../../src/core/types.js';
import { accessMap, aliasFiles, AT_START, mtaCf, stamp } from '../../src/host/paths.js';

/** A file sendmail reads and the source it is built from. */
interface Pair {
  source: string;
  derived: string;
  how: string;
  what: string;
  /** What a missing derived file does, and how bad that is; undefined: not reported (a missing cf). */
  missing?: { consequence: string; severity: Severity; command: string };
}

export default defineRule({
  meta: {
    id: 'MH6010',
    slug: 'derived-file-stale',
    kinds: ['host'],
    description: 'A file sendmail reads that is built from another (aliases.db, access.db, sendmail.cf, submit.cf) must not be older than its source, or the last edits never took effect.',
    severity: 'medium',
    tags: ['host', 'drift'],
    references: [],
    messages: {
      stale: '{derived} ({derivedTime}) is older than {source} ({sourceTime}): the edits since were never {how}, and sendmail still uses the old {what}',
      missing: '{source} exists but {derived} does not: {consequence}; build it with {command}',
    },
    fix: 'rebuild the derived file: newaliases for aliases, makemap hash /etc/mail/access < /etc/mail/access for access, make -C /etc/mail (or m4) for sendmail.cf and submit.cf',
  },
  check(host, ctx) {
    const { tree, layout } = host;
    const d = layout.mailDir;
    const pairs: Pair[] = [];
    for (const { source, db, class: cls } of aliasFiles(host)) {
      if (!db) continue;
      // Measured: with no map type ("implicit") sendmail falls back to reading the text file; with
      // hash: it says "missing map file" and looks up no alias at all.
      const missing =
        cls === 'implicit'
          ? { consequence: 'sendmail reads the text file itself instead (implicit map), on every lookup', severity: 'info' as const, command: 'newaliases' }
          : { consequence: `sendmail reports "missing map file" and expands no alias of ${source}`, severity: 'medium' as const, command: 'newaliases' };
      pairs.push({ source, derived: db, how: 'built with newaliases', what: 'aliases', missing });
    }
    const access = accessMap(host);
    const command = (src: string) => `makemap hash ${src} < ${src}`;
    if (access) {
      // Measured with Debian's "Kaccess hash -T<TMPF> /etc/mail/access": without access.db every RCPT gets 451 4.3.0.
      const missing = access.optional
        ? { consequence: 'the access map is optional (-o), so its rules are silently not used', severity: 'info' as const, command: command(access.source) }
        : { consequence: 'sendmail answers "451 4.3.0 Temporary system failure" to every RCPT ("missing map file")', severity: 'medium' as const, command: command(access.source) };
      pairs.push({ source: access.source, derived: access.db, how: 'built with makemap', what: 'access rules', missing });
    } else if (!mtaCf(host)) {
      // No cf to say whether FEATURE(`access_db') is used: compare the layout's files. (A cf without an access map never reads them.)
      const missing = { consequence: 'no access rules are in force if sendmail uses FEATURE(`access_db\')', severity: 'info' as const, command: command(`${d}/access`) };
      pairs.push({ source: `${d}/access`, derived: `${d}/access.db`, how: 'built with makemap', what: 'access rules', missing });
    }
    pairs.push({ source: `${d}/sendmail.mc`, derived: `${d}/sendmail.cf`, how: 'compiled with m4', what: 'configuration' }, { source: `${d}/submit.mc`, derived: `${d}/submit.cf`, how: 'compiled with m4', what: 'configuration' });
    const seen = new Set<string>();
    for (const p of pairs) {
      const source = tree.file(p.source);
      if (!source) continue;
      const derivedPath = tree.resolve(p.derived);
      if (derivedPath === undefined || seen.has(derivedPath)) continue;
      seen.add(derivedPath);
      const derived = tree.file(derivedPath);
      if (!derived) {
        // A missing cf is not "stale": sendmail then has no configuration at all.
        if (p.missing) {
          const { consequence, severity, command: build } = p.missing;
          ctx.report({ messageId: 'missing', data: { source: source.path, derived: derivedPath, consequence, command: build }, path: source.path, span: AT_START, severity });
        }
        continue;
      }
      if (derived.mtimeMs < source.mtimeMs) {
        ctx.report({
          messageId: 'stale',
          data: { derived: derivedPath, derivedTime: stamp(derived.mtimeMs), source: source.path, sourceTime: stamp(source.mtimeMs), how: p.how, what: p.what },
          path: derivedPath,
          span: AT_START,
        });
      }
    }
  },
});
