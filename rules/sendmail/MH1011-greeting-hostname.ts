import { defineRule } from '../../src/core/rule.js';

/**
 * Whether the first word of a greeting names this host: it uses `$j` (the fully qualified name, also
 * inside a conditional such as op.me's `$?{if_name}${if_name}$|$j$.`), is `$w.$m`, or is a literal
 * domain name with at least one dot and a last label that is not numeric.
 */
function namesHost(word: string): boolean {
  if (/\$&?(?:j|\{j\})/.test(word) || word === '$w.$m') return true;
  return /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.?$/.test(word);
}

export default defineRule({
  meta: {
    id: 'MH1011',
    slug: 'greeting-hostname',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'The SMTP greeting must begin with the server\'s fully qualified host name, because sendmail inserts "ESMTP" after its first word.',
    severity: 'low',
    tags: ['greeting', 'smtp'],
    references: ['RFC:5321'],
    messages: {
      empty: 'the SMTP greeting is empty: clients see "220  ESMTP" with no host name',
      notHost: 'the SMTP greeting starts with "{word}", not the fully qualified host name: sendmail inserts ESMTP after the first word, so clients see "220 {word} ESMTP …"',
    },
    fix: "begin the greeting with $j, the fully qualified host name (in the .mc: define(`confSMTP_LOGIN_MSG', `$j')dnl)",
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    // Unset: the binary's own greeting begins with $j.
    const greeting = doc.sendmail.get('SmtpGreetingMessage');
    if (!greeting) return;
    // srvrsmtp.c splits the expanded greeting at its first space, and readcf trims leading blanks.
    const word = greeting.value.trim().split(' ')[0] ?? '';
    if (word === '') ctx.report({ messageId: 'empty', span: greeting.span });
    else if (!namesHost(word)) ctx.report({ messageId: 'notHost', data: { word }, span: greeting.span });
  },
});
