import type { AnyRule } from '../../src/core/rule.js';

export const sendmailRelayRules: AnyRule[] = [];
