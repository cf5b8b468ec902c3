import { posix } from 'node:path';
import type { Span } from '../core/types.js';
import type { CfDocument } from '../parsers/sendmail-cf.js';
import type { SendmailModel } from './sendmail.js';

/** One map of AliasFile: its class (`implicit` when none is written) and the file it names. */
export interface AliasSource {
  /** Map class, lower case: `implicit`, `hash`, `btree`, `text`, `nis`, `ldap`, … */
  class: string;
  /** The source file as written (relative names are relative to the queue directory, see inQueueDirectory). */
  path: string;
  /** The database newaliases builds from it (`<path>.db`), for the classes that have one. */
  db?: string;
  /** The AliasFile value this map comes from. */
  span: Span;
}

/**
 * Classes whose spec names a file sendmail reads aliases from. Measured with 8.17.1.9 (`sendmail -bi`):
 * implicit, hash and btree build `<file>.db` (implicit is `-N /etc/aliases` too); text builds nothing
 * and reads the file; dbm and cdb are "unknown alias class" in Debian's build (NEWDB only).
 */
const FILE_CLASSES: ReadonlyMap<string, boolean> = new Map([
  ['implicit', true],
  ['hash', true],
  ['btree', true],
  ['text', false],
]);

/**
 * The alias maps of a configuration, in the order sendmail searches them. Every AliasFile line adds
 * its maps (measured: two lines, two databases built by `sendmail -bi`); a value is a comma list of
 * `[class:][-flags ]file [ignored words]`, read as sendmail's setalias() and map_parseargs() do: a
 * class only when `:` comes before any blank, comma or slash; flags start with `-` and carry their
 * argument attached; the first other word is the file. An empty value means `aliases`. Maps of
 * classes without a file (nis, ldap, …) are left out.
 */
export function aliasSources(model: SendmailModel): AliasSource[] {
  const out: AliasSource[] = [];
  for (const setting of model.all('AliasFile')) {
    const value = setting.value.trim() === '' ? 'aliases' : setting.value;
    for (const item of splitSpecs(value)) {
      const colon = /^[^\s,/:]*:/.exec(item);
      const cls = colon ? colon[0].slice(0, -1).toLowerCase() : 'implicit';
      const spec = colon ? item.slice(colon[0].length) : item;
      const path = spec.split(/\s+/).find((w) => w !== '' && !w.startsWith('-'));
      const hasDb = FILE_CLASSES.get(cls);
      if (path === undefined || hasDb === undefined) continue;
      out.push({ class: cls, path, ...(hasDb ? { db: `${path}.db` } : {}), span: setting.span });
    }
  }
  return out;
}

/** The comma-separated specs of an AliasFile value; a comma inside double quotes (ldap specs) does not split. */
function splitSpecs(value: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i <= value.length; i++) {
    const c = value[i];
    if (c === '"') quoted = !quoted;
    else if (i === value.length || (c === ',' && !quoted)) {
      const item = value.slice(start, i).trim();
      if (item !== '') out.push(item);
      start = i + 1;
    }
  }
  return out;
}

/**
 * The queue directory sendmail works in (it chdirs there, so relative file names are found there):
 * QueueDirectory, without the `*` of a multiple-queue pattern (`/var/spool/mqueue/q*` → its parent).
 * Undefined when the configuration does not set it.
 */
export function queueDirectory(model: SendmailModel): string | undefined {
  const value = model.get('QueueDirectory')?.value.trim();
  if (!value) return undefined;
  return value.endsWith('*') ? posix.dirname(value) : value;
}

/** A file name as sendmail opens it: absolute as written, relative ones in the queue directory (`fallbackQueue` when unset). */
export function inQueueDirectory(model: SendmailModel, path: string, fallbackQueue: string): string {
  return path.startsWith('/') ? posix.normalize(path) : posix.join(queueDirectory(model) ?? fallbackQueue, path);
}

/** A map a cf declares (`K` line), as sendmail reads it: its class and the file it names. */
export interface MapSpec {
  /** Map class, lower case (`hash`, `btree`, `text`, `ldap`, …). */
  class: string;
  /** The last word that is not a flag: the file (for the classes that have one), as written. */
  path?: string;
  /** `-o`: an optional map (a missing file is not an error). */
  optional: boolean;
  span: Span;
}

/**
 * The declaration of a named map in a cf (`Kaccess hash -T<TMPF> -o /etc/mail/access`); a later K
 * line for the same map replaces the earlier one. Undefined when the cf declares no such map.
 */
export function mapSpec(doc: CfDocument, name: string): MapSpec | undefined {
  let found: MapSpec | undefined;
  const { lines } = doc;
  for (const i of lines.withLetter('K')) {
    const line = lines.at(i);
    const m = /^K\s*(\S+)\s+(\S+)\s*(.*)$/.exec(line.text.trim());
    if (!m || m[1] !== name) continue;
    const words = m[3]!.split(/\s+/).filter(Boolean);
    const path = words.filter((w) => !w.startsWith('-')).pop();
    found = { class: m[2]!.toLowerCase(), ...(path ? { path } : {}), optional: words.includes('-o'), span: line.span };
  }
  return found;
}

/** A mailer's program (P=), when it is a file sendmail executes (not `[IPC]`, `[FILE]`, `[LPC]`, …). */
export interface MailerProgram {
  mailer: string;
  path: string;
  /** The F= flags (`l`: a local mailer, whose failures sendmail treats as temporary). */
  flags: string;
  span: Span;
}

/**
 * The programs the mailers of a cf run, one per mailer (a later M line of the same name replaces the
 * earlier one), in the order the mailers are defined. P= values in brackets are sendmail's built-in
 * deliveries; a relative P= is left out (sendmail would look for it in the queue directory, never meant).
 */
export function mailerPrograms(doc: CfDocument): MailerProgram[] {
  const byName = new Map<string, MailerProgram | undefined>();
  for (const m of doc.mailers) {
    const p = m.fields.get('P');
    const path = p?.value.trim() ?? '';
    byName.delete(m.name);
    byName.set(m.name, p && path.startsWith('/') ? { mailer: m.name, path, flags: m.fields.get('F')?.value ?? '', span: p.span } : undefined);
  }
  return [...byName.values()].filter((p): p is MailerProgram => p !== undefined);
}
