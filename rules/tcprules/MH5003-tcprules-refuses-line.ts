import { defineRule } from '../../src/core/rule.js';
import type { TcpRefusal } from '../../src/parsers/tcprules.js';

/** The remedy for each reason tcprules refuses a line. */
const FIXES: Record<Exclude<TcpRefusal, 'ipv6'>, string> = {
  cr: 'convert the file to LF line endings (dos2unix), then run tcprules again',
  action: 'write allow or deny in lower case right after the colon',
  item: 'write the variables as ,VAR="value" with nothing between the items and nothing after the last one',
  range: 'write a range as two numbers in one octet, such as 192.168.16-31.',
};

export default defineRule({
  meta: {
    id: 'MH5003',
    slug: 'tcprules-refuses-line',
    kinds: ['tcp-rules'],
    description: 'A line is one tcprules cannot parse, so it stops with exit 100 and keeps the old cdb: no change to the file takes effect.',
    severity: 'critical',
    tags: ['tcprules', 'syntax', 'qmail'],
    references: [],
    messages: {
      refused: 'tcprules cannot parse this line ({reason}): it stops here with exit 100 and keeps the old cdb, so no change to this file takes effect',
      crlf: 'tcprules cannot parse this line: it ends in a carriage return, as {lines} rule lines of this file do (CRLF line endings); tcprules stops at the first with exit 100 and keeps the old cdb',
    },
    fix: 'correct the line, then run tcprules again and check its exit status',
  },
  check(doc, ctx) {
    let crSeen = false;
    const t = doc.table;
    for (const i of t.noted().refused) {
      const code = t.refusedCode(i);
      if (code === undefined || code === 'ipv6' || (code === 'cr' && crSeen)) continue;
      const r = t.refused(i)!;
      if (r.code === 'ipv6') continue;
      if (r.code === 'cr') {
        if (!crSeen) ctx.report({ messageId: 'crlf', data: { lines: doc.crLines }, span: r.span, fix: FIXES.cr });
        crSeen = true;
        continue;
      }
      const comment = t.address(i).trimStart().startsWith('#');
      ctx.report({ messageId: 'refused', data: { reason: r.message }, span: r.span, fix: comment ? 'start a comment with # in the first column: an indented # line is read as a rule' : FIXES[r.code] });
    }
  },
});
