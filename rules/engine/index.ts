import type { AnyRule } from '../../src/core/rule.js';
import parseError from './MH0001-parse-error.js';
import badSuppression from './MH0002-bad-suppression.js';
import unusedSuppression from './MH0003-unused-suppression.js';
import noReason from './MH0004-suppression-without-reason.js';
import unclosed from './MH0005-unclosed-suppression.js';
import expired from './MH0006-expired-suppression.js';

export const engineRules: AnyRule[] = [parseError, badSuppression, unusedSuppression, noReason, unclosed, expired];
