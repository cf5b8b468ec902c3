import type { AnyRule } from '../../src/core/rule.js';

export const sendmailSyntaxRules: AnyRule[] = [];
