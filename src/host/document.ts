import type { AnyDocument } from '../parsers/documents.js';
import type { Accounts, Layout } from './layout.js';
import type { HostTree } from './tree.js';

/** A mail file found in the tree, with its parsed document. */
export interface FoundFile {
  /** Path in the tree (`/etc/mail/sendmail.cf`). */
  path: string;
  doc: AnyDocument;
}

/** What host rules see: the tree, where the system keeps its mail files, and those files parsed. */
export interface HostDocument {
  kind: 'host';
  tree: HostTree;
  layout: Layout;
  accounts: Accounts;
  files: readonly FoundFile[];
  /** The parsed file of a kind, first found (e.g. the MTA's sendmail.cf before submit.cf). */
  fileOf<K extends AnyDocument['kind']>(kind: K, path?: string): (AnyDocument & { kind: K }) | undefined;
}
