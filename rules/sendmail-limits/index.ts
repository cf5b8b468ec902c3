import { defineGroup } from '../../src/core/rule-group.js';
import minFreeBlocksOff from './MH1100-min-free-blocks-off.js';
import noopLimitOff from './MH1101-noop-limit-off.js';

export const group = defineGroup({
  name: 'sendmail-limits',
  title: 'sendmail.cf and .mc: resource limits (disk space, useless commands, load)',
  ids: { from: 'MH1100', to: 'MH1119' },
  kinds: ['sendmail-cf', 'sendmail-mc'],
  rules: [minFreeBlocksOff, noopLimitOff],
});
