import { defineRule } from '../../src/core/rule.js';
import { argv0, isShell, isSmrsh } from '../../src/model/programs.js';

export default defineRule({
  meta: {
    id: 'MH1032',
    slug: 'smrsh-argv',
    kinds: ['sendmail-cf'],
    description: 'The P= and A= fields of the prog mailer must agree on smrsh: A= only names argv[0], P= chooses the program.',
    severity: 'info',
    tags: ['smrsh', 'program'],
    references: ['sendmail-cf-README:smrsh'],
    messages: {
      shellArgv: 'P= runs smrsh but A= starts with "{argv0}": smrsh still checks every command, but its messages in bounces read "{argv0}:" instead of "smrsh:"',
      smrshArgv: 'A= starts with "smrsh" but P= runs {path}: the shell executes the command, only its $0 reads "smrsh"',
    },
    fix: 'write the Mprog line as m4 does: P=<path of smrsh>, A=smrsh -c $u',
  },
  check(doc, ctx) {
    const mailer = doc.mailers.filter((m) => m.name === 'prog').pop();
    const p = mailer?.fields.get('P');
    const a = mailer?.fields.get('A');
    if (!p || !a) return;
    const first = argv0(a.value);
    if (isSmrsh(p.value) && isShell(first)) ctx.report({ messageId: 'shellArgv', data: { argv0: first }, span: a.span });
    else if (isShell(p.value) && isSmrsh(first)) ctx.report({ messageId: 'smrshArgv', data: { path: p.value }, span: a.span });
  },
});
