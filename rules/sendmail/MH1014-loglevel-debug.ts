import { defineRule } from '../../src/core/rule.js';
import { atoi } from '../../src/model/option-values.js';

export default defineRule({
  meta: {
    id: 'MH1014',
    slug: 'loglevel-debug',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'LogLevel must not be above 64: op.me reserves those levels for debugging output that no normal site sets.',
    severity: 'low',
    tags: ['logging'],
    references: [],
    messages: { debug: 'LogLevel {level} is a debugging level (above 64): sendmail logs every SMTP command and much more, filling the logs' },
    fix: "set LogLevel between 9 and 14 (in the .mc: define(`confLOG_LEVEL', `9')dnl)",
  },
  check(doc, ctx) {
    const setting = doc.sendmail.get('LogLevel');
    if (!setting) return;
    const level = atoi(setting.value);
    if (level > 64) ctx.report({ messageId: 'debug', data: { level }, span: setting.span });
  },
});
