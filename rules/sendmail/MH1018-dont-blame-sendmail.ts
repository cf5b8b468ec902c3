import { defineRule } from '../../src/core/rule.js';
import type { Setting } from '../../src/model/sendmail.js';

/**
 * The effective DontBlameSendmail flags, as readcf.c builds them: words are runs of letters and
 * digits; `safe` clears every flag set so far, any other word adds one, and lines accumulate.
 */
function effectiveFlags(settings: readonly Setting[]): string[] {
  const flags = new Map<string, string>();
  for (const s of settings) {
    for (const word of s.value.match(/[A-Za-z0-9]+/g) ?? []) {
      if (word.toLowerCase() === 'safe') flags.clear();
      else if (!flags.has(word.toLowerCase())) flags.set(word.toLowerCase(), word);
    }
  }
  return [...flags.values()];
}

export default defineRule({
  meta: {
    id: 'MH1018',
    slug: 'dont-blame-sendmail',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'DontBlameSendmail must be left at "safe": every other flag turns off one of sendmail\'s file safety checks.',
    severity: 'medium',
    tags: ['file-safety'],
    references: ['sendmail-cf-README:DontBlameSendmail'],
    messages: { flags: 'DontBlameSendmail turns off file safety checks: {flags}' },
    fix: "remove the DontBlameSendmail setting (the default is safe) and fix the file modes that needed it (in the .mc: drop define(`confDONT_BLAME_SENDMAIL', …))",
  },
  check(doc, ctx) {
    const settings = doc.sendmail.all('DontBlameSendmail');
    const flags = effectiveFlags(settings);
    if (flags.length > 0) ctx.report({ messageId: 'flags', data: { flags: flags.join(', ') }, span: settings[settings.length - 1]!.span, subject: flags.join(',') });
  },
});
