import { byCodeUnit } from '../src/core/compare.js';
import type { AnyRule } from '../src/core/rule.js';
import { accessRules } from './access/index.js';
import { aliasesRules } from './aliases/index.js';
import { engineRules } from './engine/index.js';
import { hostRules } from './host/index.js';
import { probeRules } from './probe/index.js';
import { qmailRules } from './qmail/index.js';
import { sendmailRelayRules } from './sendmail-relay/index.js';
import { sendmailSyntaxRules } from './sendmail-syntax/index.js';
import { sendmailRules } from './sendmail/index.js';
import { tcprulesRules } from './tcprules/index.js';

/** Every rule, in id order. The only module that imports specific rules. */
export const rules: readonly AnyRule[] = [
  ...engineRules,
  ...sendmailRules,
  ...sendmailSyntaxRules,
  ...sendmailRelayRules,
  ...aliasesRules,
  ...accessRules,
  ...qmailRules,
  ...tcprulesRules,
  ...hostRules,
  ...probeRules,
].sort((a, b) => byCodeUnit(a.meta.id, b.meta.id));
