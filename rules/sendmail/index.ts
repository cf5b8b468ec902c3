import type { AnyRule } from '../../src/core/rule.js';
import privacyNoexpn from './MH1001-privacy-noexpn.js';

export const sendmailRules: AnyRule[] = [privacyNoexpn];
