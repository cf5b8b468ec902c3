import { defineGroup } from '../../src/core/rule-group.js';
import minFreeBlocksOff from './MH1100-min-free-blocks-off.js';
import noopLimitOff from './MH1101-noop-limit-off.js';
import connectionLimitsUnread from './MH1102-connection-limits-unread.js';

export const group = defineGroup({
  name: 'sendmail-limits',
  title: 'sendmail.cf, .mc and the access map they read: resource and connection limits (disk space, useless commands, ClientRate/ClientConn)',
  ids: { from: 'MH1100', to: 'MH1119' },
  kinds: ['sendmail-cf', 'sendmail-mc', 'host'],
  rules: [minFreeBlocksOff, noopLimitOff, connectionLimitsUnread],
});
