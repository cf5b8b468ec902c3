import { defineGroup } from '../../src/core/rule-group.js';
import decodeAlias from './MH2001-decode-alias.js';
import dangerousProgram from './MH2002-dangerous-program.js';
import unquotedProgramArgs from './MH2003-unquoted-program-args.js';
import pseudoAccountAlias from './MH2004-pseudo-account-alias.js';
import requiredAliasMissing from './MH2005-required-alias-missing.js';
import duplicateAlias from './MH2006-duplicate-alias.js';
import lostContinuation from './MH2007-lost-continuation.js';
import missingColon from './MH2008-missing-colon.js';
import emptyAlias from './MH2009-empty-alias.js';
import crlfLineEnding from './MH2010-crlf-line-ending.js';
import includeTarget from './MH2011-include-target.js';
import fileTarget from './MH2012-file-target.js';
import programAlias from './MH2013-program-alias.js';
import blankInName from './MH2014-blank-in-name.js';
import entryInContinuation from './MH2015-entry-in-continuation.js';
import commentAfterValue from './MH2016-comment-after-value.js';
import malformedAddress from './MH2017-malformed-address.js';

export const group = defineGroup({
  name: 'aliases',
  title: 'aliases',
  ids: { from: 'MH2000', to: 'MH2999' },
  kinds: ['aliases'],
  rules: [
    decodeAlias,
    dangerousProgram,
    unquotedProgramArgs,
    pseudoAccountAlias,
    requiredAliasMissing,
    duplicateAlias,
    lostContinuation,
    missingColon,
    emptyAlias,
    crlfLineEnding,
    includeTarget,
    fileTarget,
    programAlias,
    blankInName,
    entryInContinuation,
    commentAfterValue,
    malformedAddress,
  ],
});
