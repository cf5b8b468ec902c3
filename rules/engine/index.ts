import { defineGroup } from '../../src/core/rule-group.js';
import { FILE_KINDS } from '../../src/core/types.js';
import parseError from './MH0001-parse-error.js';
import badSuppression from './MH0002-bad-suppression.js';
import unusedSuppression from './MH0003-unused-suppression.js';
import noReason from './MH0004-suppression-without-reason.js';
import unclosed from './MH0005-unclosed-suppression.js';
import expired from './MH0006-expired-suppression.js';

export const group = defineGroup({
  name: 'engine',
  title: 'parse errors and suppression directives, in every file kind',
  ids: { from: 'MH0000', to: 'MH0999' },
  kinds: FILE_KINDS,
  rules: [
    parseError,
    badSuppression,
    unusedSuppression,
    noReason,
    unclosed,
    expired,
  ],
});
