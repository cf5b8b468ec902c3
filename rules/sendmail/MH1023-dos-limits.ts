import { defineRule } from '../../src/core/rule.js';
import type { Setting } from '../../src/model/sendmail.js';
import type { Span } from '../../src/core/types.js';
import { atoi } from '../../src/model/option-values.js';

/** The limits checked: option, m4 macro, what goes unlimited, an example value. */
const LIMITS = [
  { option: 'MaxDaemonChildren', macro: 'confMAX_DAEMON_CHILDREN', what: 'the number of SMTP sessions served at once', example: '40' },
  { option: 'ConnectionRateThrottle', macro: 'confCONNECTION_RATE_THROTTLE', what: 'the rate of new connections', example: '15' },
  { option: 'MaxRecipientsPerMessage', macro: 'confMAX_RCPTS_PER_MESSAGE', what: 'the number of recipients of one message', example: '100' },
  { option: 'BadRcptThrottle', macro: 'confBAD_RCPT_THROTTLE', what: 'how many unknown recipients a client may try at full speed', example: '3' },
  { option: 'MaxMessageSize', macro: 'confMAX_MESSAGE_SIZE', what: 'the size of a message', example: '10485760' },
] as const;

const after = (a: Span, b: Span): boolean => a.start.line > b.start.line || (a.start.line === b.start.line && a.start.column > b.start.column);

/** The setting in effect; MaxMessageSize is also set by the old `MinFreeBlocks=blocks/size` form. */
function effective(all: (name: string) => readonly Setting[], option: string): { setting: Setting; value: string } | undefined {
  const own = all(option);
  const last = own[own.length - 1];
  let best = last ? { setting: last, value: last.value } : undefined;
  if (option === 'MaxMessageSize') {
    for (const s of all('MinFreeBlocks')) {
      if (s.value.includes('/') && (!best || after(s.span, best.setting.span))) best = { setting: s, value: s.value.slice(s.value.indexOf('/') + 1) };
    }
  }
  return best;
}

export default defineRule({
  meta: {
    id: 'MH1023',
    slug: 'dos-limits',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'Advice: set MaxDaemonChildren, ConnectionRateThrottle, MaxRecipientsPerMessage, BadRcptThrottle and MaxMessageSize, which sendmail leaves unlimited.',
    severity: 'info',
    tags: ['dos'],
    references: ['EX16-STIG:EX16-ED-000300', 'EX16-STIG:EX16-ED-000320'],
    messages: {
      unset: '{option} is not set: sendmail puts no limit on {what} (set {macro} in the .mc)',
      zero: '{option}={value} puts no limit on {what} (set {macro} in the .mc to a positive value)',
    },
    fix: 'set each limit to a positive value that fits the site',
  },
  check(doc, ctx) {
    // A configuration that runs no SMTP daemon (the MSP's submit.cf) answers no client: see SendmailModel.servesSmtp.
    if (!doc.sendmail.servesSmtp) return;
    const model = doc.sendmail;
    for (const limit of LIMITS) {
      const found = effective((name) => model.all(name), limit.option);
      const data = { option: limit.option, what: limit.what, macro: limit.macro, value: found?.value ?? '' };
      const fix = `set ${limit.option} (in the .mc: define(\`${limit.macro}', \`${limit.example}')dnl)`;
      if (!found) ctx.report({ messageId: 'unset', data, span: model.anchor, fix });
      else if (atoi(found.value) <= 0) ctx.report({ messageId: 'zero', data, span: found.setting.span, fix });
    }
  },
});
