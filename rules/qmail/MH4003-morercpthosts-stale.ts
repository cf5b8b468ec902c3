import { defineRule } from '../../src/core/rule.js';
import { AT_START, controlFile } from '../../src/host/qmail-paths.js';
import { stamp } from '../../src/host/paths.js';

export default defineRule({
  meta: {
    id: 'MH4003',
    slug: 'morercpthosts-stale',
    kinds: ['host'],
    description: 'A morercpthosts.cdb older than morercpthosts, or none at all, means the last edits are not in force, since qmail-smtpd reads only the compiled file.',
    severity: 'medium',
    tags: ['qmail', 'host', 'drift'],
    references: ['qmail-smtpd.8:morercpthosts'],
    messages: {
      stale: '{cdb} ({cdbTime}) is older than {source} ({sourceTime}): the edits since were never compiled with qmail-newmrh, and qmail-smtpd still uses the old list',
      missing: '{source} exists but {cdb} does not: qmail-smtpd refuses the domains listed only there ("553 sorry, that domain isn\'t in my list of allowed rcpthosts")',
    },
    fix: 'run qmail-newmrh after every change to control/morercpthosts',
  },
  check(host, ctx) {
    const source = host.tree.file(controlFile(host, 'morercpthosts'));
    if (!source) return;
    const cdbPath = `${source.path}.cdb`;
    const cdb = host.tree.file(cdbPath);
    if (!cdb) {
      // Without rcpthosts nothing is refused at all (MH4001), and morercpthosts.cdb is not even opened.
      if (host.tree.exists(controlFile(host, 'rcpthosts'))) ctx.report({ messageId: 'missing', data: { source: source.path, cdb: cdbPath }, path: source.path, span: AT_START });
      return;
    }
    if (cdb.mtimeMs < source.mtimeMs) {
      ctx.report({ messageId: 'stale', data: { cdb: cdb.path, cdbTime: stamp(cdb.mtimeMs), source: source.path, sourceTime: stamp(source.mtimeMs) }, path: cdb.path, span: AT_START });
    }
  },
});
