import { defineRule } from '../../src/core/rule.js';
import { requirementSubject, isTlsRequirementTag, tlsRequirement } from '../../src/model/access-tls.js';

/** The least key length this rule accepts: every cipher below it (DES, 3DES's 112, export ciphers) is broken or deprecated. */
const MIN_BITS = 128;

export default defineRule({
  meta: {
    id: 'MH3006',
    slug: 'tls-requirement-weak',
    kinds: ['access'],
    description: 'A TLS_Srv, TLS_Clt or TLS_Rcpt entry that asks for fewer than 128 bits (ENCR:40, VERIFY:56, ENCR:112) lets a connection with a broken cipher, or a SASL security layer of that strength, pass.',
    severity: 'low',
    tags: ['access', 'tls'],
    references: ['sendmail-cf-README:STARTTLS', 'RFC:7525'],
    messages: {
      weak: '"{entry} {value}" accepts {who} with a key of {bits} bits, less than {min}',
    },
    fix: 'ask for 128 bits or more: ENCR:128 or VERIFY:128',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (let i = 0; i < t.count; i++) {
      if (!isTlsRequirementTag(t.tag[i]!)) continue;
      const e = t.view(i);
      const req = tlsRequirement(e.value);
      // VERIFY without bits (or :0) asks for a verified certificate only; that is what it says.
      if (req.kind !== 'require' || req.bits <= 0 || req.bits >= MIN_BITS) continue;
      ctx.report({ messageId: 'weak', data: { entry: `${e.tag}:${e.key}`, value: e.value, who: requirementSubject(e), bits: String(req.bits), min: String(MIN_BITS) }, span: e.valueSpan });
    }
  },
});
