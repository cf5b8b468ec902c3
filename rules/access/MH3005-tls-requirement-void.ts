import { defineRule } from '../../src/core/rule.js';
import { requirementSubject, isTlsRequirementTag, tlsRequirement, unusedRcptKey } from '../../src/model/access-tls.js';

export default defineRule({
  meta: {
    id: 'MH3005',
    slug: 'tls-requirement-void',
    kinds: ['access'],
    description: 'A TLS_Srv, TLS_Clt or TLS_Rcpt entry must be one that sendmail enforces: a value it does not read as VERIFY, VERIFY:bits or ENCR:bits, ENCR:0, an extension it does not know, or a TLS_Rcpt key it never looks up requires nothing.',
    severity: 'medium',
    tags: ['access', 'tls'],
    references: ['sendmail-cf-README:STARTTLS', 'RFC:3207'],
    messages: {
      none: '"{entry} {value}" requires nothing of {who}: {reason}, so sendmail accepts the connection even without STARTTLS',
      unknown: '"{entry} {value}": sendmail does not know the extension "{unknown}" and accepts the connection without checking {skipped}',
      key: '"{entry}" is never looked up ({reason}), so mail to it is not held to "{value}"',
    },
    fix: 'write the requirement as cf/README gives it: VERIFY, VERIFY:bits or ENCR:bits (128 or more), with PERM+ or TEMP+ before it and +CN, +CN:name, +CS:name, +CI:name or +CITag:tag after it, and nothing else on the line',
  },
  check(doc, ctx) {
    const t = doc.table;
    for (let i = 0; i < t.count; i++) {
      if (!isTlsRequirementTag(t.tag[i]!)) continue;
      const e = t.view(i);
      const entry = `${e.tag}:${e.key}`;
      const unused = unusedRcptKey(e);
      if (unused) {
        ctx.report({ messageId: 'key', data: { entry, reason: unused, value: e.value }, span: e.keySpan });
        continue;
      }
      const req = tlsRequirement(e.value);
      if (req.kind === 'none') ctx.report({ messageId: 'none', data: { entry, value: e.value, who: requirementSubject(e), reason: req.reason }, span: e.valueSpan });
      else if (req.unknown !== undefined) {
        const skipped = req.skipped.length === 1 ? 'it' : `it or ${req.skipped.slice(1).map((s) => `"${s}"`).join(', ')}`;
        ctx.report({ messageId: 'unknown', data: { entry, value: e.value, unknown: req.unknown, skipped }, span: e.valueSpan });
      }
    }
  },
});
