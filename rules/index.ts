import { byCodeUnit } from '../src/core/compare.js';
import type { AnyRule } from '../src/core/rule.js';
import type { RuleGroup } from '../src/core/rule-group.js';
import { group as access } from './access/index.js';
import { group as aliases } from './aliases/index.js';
import { group as engine } from './engine/index.js';
import { group as host } from './host/index.js';
import { group as probe } from './probe/index.js';
import { group as qmail } from './qmail/index.js';
import { group as sendmailAbuse } from './sendmail-abuse/index.js';
import { group as sendmailAuth } from './sendmail-auth/index.js';
import { group as sendmailLimits } from './sendmail-limits/index.js';
import { group as sendmailRelay } from './sendmail-relay/index.js';
import { group as sendmailSyntax } from './sendmail-syntax/index.js';
import { group as sendmailTls } from './sendmail-tls/index.js';
import { group as sendmail } from './sendmail/index.js';
import { group as tcprules } from './tcprules/index.js';

/** The rule groups (one a folder), in the order of their id ranges. The only module that imports specific rules. */
export const groups: readonly RuleGroup[] = [engine, sendmail, sendmailRelay, sendmailSyntax, sendmailTls, sendmailAuth, sendmailAbuse, sendmailLimits, aliases, access, qmail, tcprules, host, probe];

/** Every rule, in id order. */
export const rules: readonly AnyRule[] = groups.flatMap((g) => g.rules).sort((a, b) => byCodeUnit(a.meta.id, b.meta.id));
