import { defineGroup } from '../../src/core/rule-group.js';
import relayclientOpen from './MH5001-relayclient-open.js';
import relayclientBroad from './MH5002-relayclient-broad.js';
import refusesLine from './MH5003-tcprules-refuses-line.js';
import neverMatches from './MH5004-rule-never-matches.js';
import shadowedRule from './MH5005-shadowed-rule.js';
import noDefaultRule from './MH5006-no-default-rule.js';
import ipv6Rule from './MH5007-ipv6-rule.js';
import rangeClipped from './MH5008-range-clipped.js';
import variableNameBlank from './MH5009-variable-name-blank.js';
import relayclientValue from './MH5010-relayclient-value.js';

export const group = defineGroup({
  name: 'tcprules',
  title: 'tcp.smtp rules (tcpserver, tcprules)',
  ids: { from: 'MH5000', to: 'MH5999' },
  kinds: ['tcp-rules'],
  rules: [
    relayclientOpen,
    relayclientBroad,
    refusesLine,
    neverMatches,
    shadowedRule,
    noDefaultRule,
    ipv6Rule,
    rangeClipped,
    variableNameBlank,
    relayclientValue,
  ],
});
