import { defineRule } from '../../src/core/rule.js';
import { answered, lineSpan, quote } from '../../src/probe/spans.js';

export default defineRule({
  meta: {
    id: 'MH7003',
    slug: 'probe-vrfy',
    kinds: ['probe'],
    description: 'The running server must not confirm addresses to VRFY (250/251): it lets anyone list the users.',
    severity: 'medium',
    tags: ['disclosure', 'vrfy', 'probe'],
    references: ['DISA-STIG:GEN004680', 'KISA:U-70', 'CIS-AIX-7.2:4.5.4.2', 'SSG-RHEL5:mail_vrfy_active', 'AIX7-STIG:AIX7-00-003117'],
    messages: { answered: '{command} was answered {code}, confirming the address: "{reply}"' },
    fix: 'add novrfy to PrivacyOptions (VRFY then answers "252 2.5.2 Cannot VRFY user"); in the .mc: define(`confPRIVACY_FLAGS\', `…,novrfy\')dnl',
  },
  check(doc, ctx) {
    const a = answered(doc, 'VRFY');
    if (a) ctx.report({ messageId: 'answered', data: { command: a.e.command, code: a.code, reply: quote(a.e) }, span: lineSpan(a.l) });
  },
});
