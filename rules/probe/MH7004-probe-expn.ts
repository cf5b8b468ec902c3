import { defineRule } from '../../src/core/rule.js';
import { answered, lineSpan, quote } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7004',
    slug: 'probe-expn',
    kinds: ['probe'],
    description: 'The running server must not expand lists and aliases for EXPN: it shows who receives them.',
    severity: 'medium',
    tags: ['disclosure', 'expn', 'probe'],
    references: ['DISA-STIG:GEN004660', 'CIS-AIX-7.2:4.5.4.2', 'KISA:U-70', 'SSG-RHEL5:mail_expn_active', 'AIX7-STIG:AIX7-00-003117'],
    messages: { answered: '{command} was answered {code}, expanding the alias: "{reply}"' },
    fix: 'add noexpn to PrivacyOptions (EXPN then answers "502 5.7.0 Sorry, we do not allow this operation"; it also turns VERB off)',
  },
  check(doc, ctx) {
    const a = answered(doc, 'EXPN');
    if (a) ctx.report({ messageId: 'answered', data: { command: a.e.command, code: a.code, reply: quote(a.e) }, span: lineSpan(a.l) });
  },
});
