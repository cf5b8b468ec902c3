import type { SourceFile } from '../core/source.js';
import type { FileKind } from '../core/types.js';
import { modelFromCf, modelFromMc, type SendmailModel } from '../model/sendmail.js';
import { parseAccess, type AccessDocument } from './access.js';
import { aliasesCut, parseAliases, type AliasesDocument } from './aliases.js';
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

/**
 * Kinds whose large files may be linted in parts, with where to cut: the offset of the last line start
 * in the file's bytes (after `from`) at which the parser's state is empty, or -1. Other kinds are read whole.
 */
export type PartCut = (bytes: Uint8Array, from: number) => number;

const cuts: { readonly [K in FileKind]?: PartCut } = {
  aliases: aliasesCut,
};

/** The cut function for a kind, or undefined when its files are read whole. */
export function partCut(kind: FileKind): PartCut | undefined {
  return cuts[kind];
}

/**
 * The largest file of each kind read whole, in MiB. What a parser keeps per byte is bounded (the most
 * entries, calls or lines kept as objects are capped, a rule lists at most 20,000 findings in a file),
 * and these limits keep the worst input of each kind under about 1 GB (test/bounds.test.ts measures
 * it; docs/performance.md shows the figures). An aliases file larger than 1 MiB is read in parts
 * instead, except under --root, where the host rules need it whole: an aliases file of one-line
 * programs costs about 190 MB per MB read whole, hence its 4 MiB. A qmail run script keeps an object
 * per word of the commands that start tcpserver (one command of 4 million words: about 48 MB per MB),
 * hence its 8 MiB; a control file keeps 4 bytes per line.
 */
const WHOLE_LIMIT_MIB: { readonly [K in FileKind]: number } = {
  'sendmail-cf': 64,
  'sendmail-mc': 64,
  aliases: 4,
  access: 64,
  'tcp-rules': 64,
  'qmail-control': 64,
  'qmail-run': 8,
};

/** The largest file of a kind mailharden reads whole, in bytes. */
export function wholeLimit(kind: FileKind): number {
  return WHOLE_LIMIT_MIB[kind] * 1024 * 1024;
}

/** Why a file of `size` bytes is not read whole: one line for an error or finding. */
export function tooLarge(kind: FileKind, size: number): string {
  return `${(size / 1024 / 1024).toFixed(1)} MiB is more than mailharden reads of a ${kind} file (${WHOLE_LIMIT_MIB[kind]} MiB)`;
}
