import type { AnyRule } from '../../src/core/rule.js';
import broadRelay from './MH3001-broad-relay.js';
import fromRelay from './MH3002-from-relay.js';
import publicRelay from './MH3003-public-relay.js';

export const accessRules: AnyRule[] = [broadRelay, fromRelay, publicRelay];
