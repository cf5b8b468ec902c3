import type { SourceFile } from '../core/source.js';
import type { FileKind } from '../core/types.js';
import { modelFromCf, modelFromMc, type SendmailModel } from '../model/sendmail.js';
import { parseAccess, type AccessDocument } from './access.js';
import { parseAliases, type AliasesDocument } from './aliases.js';
import { parseQmailControl, type QmailControlDocument } from './qmail-control.js';
import { parseQmailRun, type QmailRunDocument } from './qmail-run.js';
import { parseSendmailCf, type CfDocument } from './sendmail-cf.js';
import { parseSendmailMc, type McDocument } from './sendmail-mc.js';
import { parseTcpRules, type TcpRulesDocument } from './tcprules.js';

export type SendmailCfDoc = CfDocument & { sendmail: SendmailModel };
export type SendmailMcDoc = McDocument & { sendmail: SendmailModel };

/** The parsed document of each file kind. */
export interface Documents {
  'sendmail-cf': SendmailCfDoc;
  'sendmail-mc': SendmailMcDoc;
  aliases: AliasesDocument;
  access: AccessDocument;
  'tcp-rules': TcpRulesDocument;
  'qmail-control': QmailControlDocument;
  'qmail-run': QmailRunDocument;
}

export type DocumentFor<K extends FileKind> = Documents[K];
export type AnyDocument = Documents[FileKind];

/** Parses a file as the given kind. Parsers never throw: what they cannot read becomes `problems`. */
export function parseAs<K extends FileKind>(kind: K, file: SourceFile): Documents[K] {
  return parsers[kind](file) as Documents[K];
}

const parsers: { [K in FileKind]: (file: SourceFile) => Documents[K] } = {
  'sendmail-cf': (file) => {
    const doc = parseSendmailCf(file);
    return Object.assign(doc, { sendmail: modelFromCf(doc) });
  },
  'sendmail-mc': (file) => {
    const doc = parseSendmailMc(file);
    return Object.assign(doc, { sendmail: modelFromMc(doc) });
  },
  aliases: parseAliases,
  access: parseAccess,
  'tcp-rules': parseTcpRules,
  'qmail-control': parseQmailControl,
  'qmail-run': parseQmailRun,
};
