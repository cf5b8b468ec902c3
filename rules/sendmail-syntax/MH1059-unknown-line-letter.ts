import { isJsSpace } from '../../src/core/trim.js';
import { defineRule } from '../../src/core/rule.js';
import { CF_LETTERS } from '../../src/parsers/sendmail-cf.js';
import { clip, visible } from '../../src/model/cf-syntax.js';

/**
 * Letters readcf() has a case for only in some builds: L (XLA load averages) and L/G (Sun NIS+
 * lookups). Debian's sendmail 8.17 has neither and refuses both (`sendmail -bC`, verified).
 */
const BUILD_ONLY = new Set(['L', 'G']);

/** The ASCII command letters that need no look (every letter readcf knows but P, whose line needs a look). */
const FINE = new Uint8Array(128);
for (const letter of CF_LETTERS) if (letter !== 'P') FINE[letter.charCodeAt(0)] = 1;

export default defineRule({
  meta: {
    id: 'MH1059',
    slug: 'unknown-line-letter',
    kinds: ['sendmail-cf'],
    description: 'A line starts with a character that is not a cf command letter, so sendmail refuses the whole file.',
    severity: 'critical',
    tags: ['syntax', 'fatal'],
    references: [],
    messages: {
      letter: 'a cf line cannot start with "{letter}": sendmail refuses the file (unknown configuration line "{line}")',
      lowerCase: 'cf command letters are upper case, and "{letter}" is not one: sendmail refuses the file (unknown configuration line "{line}")',
      buildOnly: '"{letter}" lines exist only in sendmail builds with XLA or Sun extensions; Debian\'s sendmail 8.17 refuses the file (unknown configuration line "{line}")',
      precedence: 'a P line needs "name=value": without "=" sendmail refuses the file (unknown configuration line "{line}")',
    },
    fix: 'start the line with a command letter (R S D C F M H O P V K E Q X T), or make it a comment with "#"',
  },
  check(doc, ctx) {
    const { lines } = doc;
    for (let i = 0; i < lines.length; i++) {
      const code = lines.letterCode(i);
      // -1: no statement; a first line that starts with a blank is MH1052's.
      if (code < 0 || (code < 128 && FINE[code] === 1) || isJsSpace(code)) continue;
      const letter = lines.letter(i);
      if (CF_LETTERS.has(letter) && letter !== 'P') continue;
      const line = lines.at(i);
      const { joined } = line;
      const data = { letter: visible(letter), line: clip(visible(line.text)) };
      const span = joined.span(0, 1);
      if (letter === 'P') {
        if (!line.text.includes('=')) ctx.report({ messageId: 'precedence', data, span: joined.span(0, line.text.length) });
      } else if (BUILD_ONLY.has(letter)) {
        ctx.report({ messageId: 'buildOnly', data, span });
      } else if (!CF_LETTERS.has(letter)) {
        const upper = letter.toUpperCase();
        if (upper !== letter && CF_LETTERS.has(upper) && !BUILD_ONLY.has(upper)) ctx.report({ messageId: 'lowerCase', data, span, fix: `write the command letter in upper case: ${upper}` });
        else ctx.report({ messageId: 'letter', data, span });
      }
    }
  },
});
