import { defineRule } from '../../src/core/rule.js';
import { finalLine, lineSpan, quote } from './spans.js';

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
    const e = doc.find('VRFY');
    const l = e && finalLine(e);
    if (e?.reply && l && (e.reply.code === 250 || e.reply.code === 251)) ctx.report({ messageId: 'answered', data: { command: e.command, code: e.reply.code, reply: quote(e) }, span: lineSpan(l) });
  },
});
