import type { AnyRule } from '../../src/core/rule.js';
import unreadablePath from './MH6000-unreadable-path.js';
import queuePermissions from './MH6001-queue-permissions.js';

export const hostRules: AnyRule[] = [unreadablePath, queuePermissions];
