import { defineRule } from '../../src/core/rule.js';
import { PRIVACY_FLAGS } from '../../src/model/sendmail-options.js';
import { nearest } from '../../src/core/nearest.js';

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
    // The model reads the words as readcf does: runs of letters and digits, comments cut per physical line.
    for (const w of doc.sendmail.unknownPrivacyWords) {
      const { word, span } = w;
      const guess = nearest(word, PRIVACY_FLAGS.keys());
      ctx.report({ messageId: doc.kind === 'sendmail-mc' ? 'unknownMc' : 'unknown', data: { flag: word }, span, ...(guess ? { fix: `correct the flag, probably to ${guess}` } : {}) });
    }
  },
});
