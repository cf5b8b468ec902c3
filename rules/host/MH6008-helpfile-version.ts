import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';
import { octal } from '../../src/host/mode.js';
import { helpFileLeaks } from '../../src/model/helpfile.js';
import { inQueueDirectory } from '../../src/model/cf-paths.js';
import { AT_START, mtaCf, otherWriters, unsafeDirs } from '../../src/host/paths.js';

export default defineRule({
  meta: {
    id: 'MH6008',
    slug: 'helpfile-version',
    kinds: ['host'],
    description: 'The help file must exist in a safe directory, start with a "#vers<TAB>2" line and contain no $v, $Z or version number, or HELP tells every client the sendmail version.',
    severity: 'medium',
    tags: ['host', 'disclosure', 'help'],
    references: ['DISA-STIG:GEN004540'],
    messages: {
      missing: 'HelpFile names {help}, which does not exist: HELP answers "502 5.3.0 Sendmail <version> -- HELP not implemented"',
      notFile: 'HelpFile names {help}, which is not a regular file: sendmail does not read it, and HELP answers "502 5.3.0 Sendmail <version> -- HELP not implemented"',
      unsafeDir: 'sendmail will not read {help}, because {dir} above it has mode {mode} ({who} can write it): HELP answers "502 5.3.0 Sendmail <version> -- HELP not implemented"',
      prepended: 'HELP shows "214-2.0.0 This is Sendmail version <version>" before this line: no "#vers<TAB>2" line comes before the first smtp line{vers}',
      macro: '{macro} on this line expands to {meaning} when HELP shows it',
      literal: 'this line of the help file names a sendmail version, which HELP shows to every client',
    },
    fix: 'make the help file start with "#vers<TAB>2" and remove $v, $Z and version text from it (or empty it: : > /etc/mail/helpfile); do not delete it',
  },
  check(host, ctx) {
    const { tree, layout } = host;
    const cf = mtaCf(host);
    let help = `${layout.mailDir}/helpfile`;
    let anchor: { path: string; span: Span } | undefined;
    const dbs = new Set<string>();
    if (cf) {
      const setting = cf.doc.sendmail.get('HelpFile');
      // Unset or empty HelpFile is MH1012's finding.
      if (!setting || setting.value.trim() === '') return;
      help = setting.value.trim();
      // sendmail runs in its queue directory, so a relative name is found there.
      help = inQueueDirectory(cf.doc.sendmail, help, layout.mqueue);
      anchor = { path: cf.path, span: setting.span };
      for (const flag of (cf.doc.sendmail.get('DontBlameSendmail')?.value ?? '').split(/[\s,]+/)) dbs.add(flag.toLowerCase());
    }
    const meta = tree.stat(help);
    if (!meta) {
      // Without a cf (a qmail system, a repository of other files) there is nothing to miss.
      if (anchor) ctx.report({ messageId: 'missing', data: { help }, ...anchor });
      return;
    }
    if (meta.type !== 'file') {
      ctx.report({ messageId: 'notFile', data: { help }, ...(anchor ?? { path: help, span: AT_START }) });
      return;
    }
    if (!dbs.has('helpfileinunsafedirpath')) {
      // Measured: a help file under a 0775 or 0777 directory is refused; a 1777 one is accepted with TrustStickyBit (Debian's default); the owner does not matter.
      const unsafe = unsafeDirs(tree, help, { trustSticky: dbs.has('truststickybit'), groupWritableOk: dbs.has('groupwritabledirpathsafe') }).filter((u) => u.reason === 'writable');
      if (unsafe.length) {
        const u = unsafe[0]!;
        ctx.report({ messageId: 'unsafeDir', data: { help, dir: u.dir, mode: octal(u.meta.mode), who: otherWriters(u.meta, host.accounts) ?? 'others' }, ...(anchor ?? { path: help, span: AT_START }) });
        return;
      }
    }
    const real = tree.resolve(help)!;
    const text = tree.read(real, 1 << 20);
    if (text === undefined) return;
    // As help() reads it (src/model/helpfile.ts).
    for (const leak of helpFileLeaks(text)) {
      const at = leak.line;
      if (leak.kind === 'macro') {
        const meaning = leak.macro === '$v' ? 'the sendmail version' : 'the version of the configuration (DZ line)';
        ctx.report({ messageId: 'macro', data: { macro: leak.macro, meaning }, path: real, span: { start: { line: at, column: leak.column }, end: { line: at, column: leak.column + 2 } } });
        continue;
      }
      const whole = { start: { line: at, column: 1 }, end: { line: at, column: leak.length + 1 } };
      if (leak.kind === 'prepended') ctx.report({ messageId: 'prepended', data: { vers: leak.vers < 0 ? '' : ` (the file says #vers ${leak.vers})` }, path: real, span: whole });
      else ctx.report({ messageId: 'literal', path: real, span: whole });
    }
  },
});
