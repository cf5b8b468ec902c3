import { defineGroup } from '../../src/core/rule-group.js';
import optionWithoutSpace from './MH1050-option-without-space.js';
import continuationSwallowed from './MH1051-continuation-swallowed.js';
import brokenContinuation from './MH1052-broken-continuation.js';
import commentTruncatesValue from './MH1053-comment-truncates-value.js';
import optionBadSeparator from './MH1054-option-bad-separator.js';
import unknownOption from './MH1055-unknown-option.js';
import ambiguousOption from './MH1056-ambiguous-option.js';
import abbreviatedOption from './MH1057-abbreviated-option.js';
import unknownPrivacyFlag from './MH1058-unknown-privacy-flag.js';
import unknownLineLetter from './MH1059-unknown-line-letter.js';
import subOptionIgnored from './MH1060-sub-option-ignored.js';
import hashIsNotComment from './MH1061-hash-is-not-comment.js';

export const group = defineGroup({
  name: 'sendmail-syntax',
  title: 'sendmail.cf and .mc syntax that sendmail reads otherwise than it looks',
  ids: { from: 'MH1050', to: 'MH1069' },
  kinds: ['sendmail-cf', 'sendmail-mc'],
  rules: [
    optionWithoutSpace,
    continuationSwallowed,
    brokenContinuation,
    commentTruncatesValue,
    optionBadSeparator,
    unknownOption,
    ambiguousOption,
    abbreviatedOption,
    unknownPrivacyFlag,
    unknownLineLetter,
    subOptionIgnored,
    hashIsNotComment,
  ],
});
