import { defineRule } from '../../src/core/rule.js';
import type { Span } from '../../src/core/types.js';
import type { PrivacyWordAt } from '../../src/model/sendmail.js';
import { PRIVACY_FLAGS } from '../../src/model/sendmail-options.js';
import type { SendmailCfDoc } from '../../src/parsers/documents.js';
import { commentCuts, nearest } from './cf-syntax.js';

export default defineRule({
  meta: {
    id: 'MH1058',
    slug: 'unknown-privacy-flag',
    kinds: ['sendmail-cf', 'sendmail-mc'],
    description: 'PrivacyOptions holds a word that is not a privacy flag, so sendmail refuses the whole file.',
    severity: 'critical',
    tags: ['syntax', 'privacy', 'fatal'],
    references: [],
    messages: {
      unknown: '"{flag}" is not a PrivacyOptions flag: sendmail refuses the file (readcf: Op line: {flag} unrecognized)',
      unknownMc: '"{flag}" is not a PrivacyOptions flag: m4 copies it into the .cf, and sendmail refuses that file (readcf: Op line: {flag} unrecognized)',
    },
    fix: 'use only the flags sendmail knows: public, needmailhelo, needexpnhelo, needvrfyhelo, noexpn, novrfy, noverb, restrictmailq, restrictqrun, restrictexpand, noetrn, authwarnings, noreceipts, nobodyreturn, noactualrecipient, goaway',
  },
  check(doc, ctx) {
    const words = doc.kind === 'sendmail-cf' ? cfWords(doc) : modelWords(doc.sendmail.privacyWords);
    for (const { word, span } of words) {
      if (PRIVACY_FLAGS.has(word.toLowerCase())) continue;
      const guess = nearest(word, PRIVACY_FLAGS.keys());
      ctx.report({ messageId: doc.kind === 'sendmail-mc' ? 'unknownMc' : 'unknown', data: { flag: word }, span, ...(guess ? { fix: `correct the flag, probably to ${guess}` } : {}) });
    }
  },
});

/** readcf's words: runs of letters and digits, so "no-expn" is "no" and "expn", and "noexpn;novrfy" two flags. */
const WORD = /[A-Za-z0-9]+/g;

/**
 * The words of every PrivacyOptions line of a .cf, read from the line's own text: a comment cut on one
 * physical line leaves the continuation lines after it in the value (readcf.c translate_dollars).
 */
function cfWords(doc: SendmailCfDoc): { word: string; span: Span }[] {
  const out: { word: string; span: Span }[] = [];
  for (const opt of doc.options) {
    if (opt.name !== 'PrivacyOptions') continue;
    const { joined, commentAt } = opt.line;
    const cuts = commentAt === undefined ? [] : commentCuts(joined.text);
    for (const m of joined.text.slice(opt.valueOffset).matchAll(WORD)) {
      const at = opt.valueOffset + m.index;
      if (!cuts.some((c) => at >= c.at && at < c.end)) out.push({ word: m[0], span: joined.span(at, at + m[0].length) });
    }
  }
  return out;
}

/** The words of the model's PrivacyOptions values (.mc), split again as readcf splits them. */
function modelWords(words: readonly PrivacyWordAt[]): { word: string; span: Span }[] {
  const out: { word: string; span: Span }[] = [];
  for (const w of words) {
    if (w.known) {
      out.push({ word: w.word, span: w.span });
      continue;
    }
    const exact = w.span.start.line === w.span.end.line && w.span.end.column - w.span.start.column === w.word.length;
    for (const m of w.word.matchAll(WORD)) {
      const column = w.span.start.column + m.index;
      out.push({ word: m[0], span: exact ? { start: { line: w.span.start.line, column }, end: { line: w.span.start.line, column: column + m[0].length } } : w.span });
    }
  }
  return out;
}
