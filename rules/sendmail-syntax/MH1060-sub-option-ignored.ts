import { defineRule, type RuleContext } from '../../src/core/rule.js';
import type { CfOption } from '../../src/parsers/sendmail-cf.js';
import { takesSubOptions } from '../../src/model/sendmail-options.js';
import { nearest } from '../../src/core/nearest.js';
import { clip, visible } from '../../src/model/cf-syntax.js';

/** Timeout names settimeout() knows (readcf.c TimeOutTab, 8.17.1.9), matched without regard to case. */
const TIMEOUTS = new Set([
  'initial', 'mail', 'rcpt', 'datainit', 'datablock', 'datafinal', 'command', 'rset', 'helo', 'quit', 'misc',
  'ident', 'fileopen', 'connect', 'iconnect', 'aconnect', 'control', 'lhlo', 'auth', 'starttls', 'hoststatus',
  'queuewarn', 'queuewarn.*', 'queuewarn.normal', 'queuewarn.urgent', 'queuewarn.non-urgent', 'queuewarn.dsn',
  'queuereturn', 'queuereturn.*', 'queuereturn.normal', 'queuereturn.urgent', 'queuereturn.non-urgent', 'queuereturn.dsn',
  'resolver.retrans', 'resolver.retrans.normal', 'resolver.retrans.first',
  'resolver.retry', 'resolver.retry.normal', 'resolver.retry.first',
]);

/** Milter sub-options milter_set_option() knows (milter.c MilterOptTab), matched without regard to case. */
const MILTER = new Set(['loglevel', 'macros.connect', 'macros.helo', 'macros.envfrom', 'macros.envrcpt', 'macros.data', 'macros.eom', 'macros.eoh']);

export default defineRule({
  meta: {
    id: 'MH1060',
    slug: 'sub-option-ignored',
    kinds: ['sendmail-cf'],
    description: 'An O line gives a sub-option that sendmail ignores, or a Timeout or Milter sub-option it does not know and refuses.',
    severity: 'low',
    tags: ['syntax', 'options'],
    references: [],
    messages: {
      ignored: '{name} takes no sub-options: sendmail silently drops ".{sub}" and sets {name} itself to "{value}"',
      timeout: '"{sub}" is not a timeout sendmail knows: it refuses the file (settimeout: invalid timeout {sub})',
      timeoutItem: '"{item}" has no ":" or "=": sendmail silently skips this item of the Timeout list',
      milter: '"{sub}" is not a Milter sub-option: sendmail refuses the file (milter_set_option: invalid Milter option {sub})',
      milterBare: 'Milter is set without a sub-option: sendmail refuses the file (milter_set_option: invalid Milter option, must specify suboption)',
    },
    fix: 'name the setting without a sub-option, or use one the option knows (Timeout.queuereturn, Milter.LogLevel, …)',
  },
  check(doc, ctx) {
    for (const opt of doc.options) {
      if (!opt.name) continue;
      const dot = opt.form === 'long' ? opt.written.indexOf('.') : -1;
      const sub = dot >= 0 ? opt.written.slice(dot + 1) : undefined;
      const subSpan = opt.line.joined.span(2 + dot + 1, 2 + opt.written.length);
      if (opt.name === 'Timeout') {
        if (sub === undefined) checkTimeoutList(opt, ctx);
        else if (!TIMEOUTS.has(sub.toLowerCase())) ctx.report({ messageId: 'timeout', data: { sub: visible(sub) }, span: subSpan, severity: 'critical', fix: suggest('Timeout.', sub, TIMEOUTS) });
      } else if (opt.name === 'Milter') {
        if (sub === undefined) ctx.report({ messageId: 'milterBare', span: opt.writtenSpan, severity: 'critical', fix: 'set one sub-option per line: Milter.LogLevel or Milter.macros.connect, .helo, .envfrom, .envrcpt, .data, .eom, .eoh' });
        else if (!MILTER.has(sub.toLowerCase())) ctx.report({ messageId: 'milter', data: { sub: visible(sub) }, span: subSpan, severity: 'critical', fix: suggest('Milter.', sub, MILTER) });
      } else if (sub !== undefined && !takesSubOptions(opt.name)) {
        ctx.report({ messageId: 'ignored', data: { name: opt.name, sub: visible(sub), value: clip(visible(opt.value)) }, span: opt.line.joined.span(2 + dot, 2 + opt.written.length), fix: `write "O ${opt.name}=…" without ".${visible(sub)}"` });
      }
    }
  },
});

/**
 * `O Timeout=` (and `Or`) without a sub-option takes a list (readcf.c inittimeouts): items split at
 * commas; one starting with a digit sets the old group of timeouts; otherwise `name:value` or
 * `name=value` sets one timeout, and an item with neither is skipped without a word.
 */
function checkTimeoutList(opt: CfOption, ctx: RuleContext<'timeout' | 'timeoutItem'>): void {
  let offset = 0;
  for (const raw of opt.value.split(',')) {
    const lead = raw.length - raw.trimStart().length;
    const item = raw.trimStart();
    const at = opt.valueOffset + offset + lead;
    offset += raw.length + 1;
    if (item === '' || /^\d/.test(item)) continue;
    const colon = item.indexOf(':');
    const sep = colon >= 0 ? colon : item.indexOf('=');
    const span = opt.line.joined.span(at, at + item.length);
    if (sep < 0) ctx.report({ messageId: 'timeoutItem', data: { item: visible(item) }, span });
    else if (!TIMEOUTS.has(item.slice(0, sep).toLowerCase())) ctx.report({ messageId: 'timeout', data: { sub: visible(item.slice(0, sep)) }, span, severity: 'critical', fix: suggest('', item.slice(0, sep), TIMEOUTS) });
  }
}

/** A remedy naming the closest known sub-option, or the list of them. */
function suggest(prefix: string, sub: string, known: ReadonlySet<string>): string {
  const guess = nearest(sub.trim(), known);
  return guess ? `write ${prefix}${guess}` : `use one of: ${[...known].join(', ')}`;
}
