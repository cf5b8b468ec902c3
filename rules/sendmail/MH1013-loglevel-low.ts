import { defineRule } from '../../src/core/rule.js';
import { atoi } from '../../src/model/option-values.js';

/** What each log level adds (op.me §4.8), for the levels a LogLevel below 9 gives up. */
const LOGGED_AT: Record<number, string> = {
  1: 'serious system failures',
  2: 'lost connections and protocol failures',
  3: 'malformed addresses and connection timeouts',
  4: 'connections rejected by check_ rulesets',
  5: 'message collection statistics',
  6: 'VRFY and EXPN commands',
  7: 'delivery failures',
  8: 'successful deliveries',
  9: 'deferred messages',
};

export default defineRule({
  meta: {
    id: 'MH1013',
    slug: 'loglevel-low',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'LogLevel must be at least 9, the level at which sendmail logs deliveries and deferrals.',
    severity: 'low',
    tags: ['logging'],
    references: ['DISA-STIG:GEN004440', 'AIX7-STIG:AIX7-00-003038', 'SSG-RHEL5:mail_log_level'],
    messages: { low: 'LogLevel {shown} is below 9: sendmail does not log {lost}' },
    fix: "set LogLevel to 9 or more (in the .mc: define(`confLOG_LEVEL', `9')dnl)",
  },
  check(doc, ctx) {
    // Unset: the binary default is 9 (conf.c setdefaults(); op.me "Defaults to 9").
    const setting = doc.sendmail.get('LogLevel');
    if (!setting) return;
    const level = atoi(setting.value);
    if (level >= 9) return;
    const lost: string[] = [];
    for (let l = Math.max(level + 1, 1); l <= 9; l++) lost.push(LOGGED_AT[l]!);
    const shown = setting.value.trim() === String(level) ? String(level) : `"${setting.value}" (read as ${level})`;
    ctx.report({ messageId: 'low', data: { shown, lost: lost.join(', ') }, span: setting.span, subject: 'LogLevel' });
  },
});
