import { defineRule } from '../../src/core/rule.js';
import { AT_START, controlFile } from '../../src/host/qmail-paths.js';

/** The most of a cdb read to check it (a morercpthosts.cdb of a million domains is about 40 MiB). */
const MAX_CDB = 64 * 1024 * 1024;

/**
 * Where a cdb is not one that cdb_seek can walk (cdb_seek.c): the 2048-byte header of 256 tables
 * (position, slots), each table inside the file, each slot pointing at a record inside the file.
 * qmail-smtpd treats any read past the end as an error; undefined when the file is sound.
 */
export function cdbDefect(b: Buffer): string | undefined {
  if (b.length < 2048) return `${b.length} bytes, less than the 2048-byte header of a cdb`;
  // cdbmake writes the tables one after the other: slots past the file's size in all mean tables that
  // overlap, which no cdb has (and checking them could take 256 passes over the file).
  let budget = Math.floor((b.length - 2048) / 8);
  for (let t = 0; t < 256; t++) {
    const pos = b.readUInt32LE(t * 8);
    const slots = b.readUInt32LE(t * 8 + 4);
    if (slots === 0) continue;
    if (pos < 2048 || pos + slots * 8 > b.length) return `hash table ${t} lies outside the file`;
    budget -= slots;
    if (budget < 0) return `hash table ${t} overlaps the tables before it`;
    for (let s = 0; s < slots; s++) {
      const rec = b.readUInt32LE(pos + s * 8 + 4);
      if (rec === 0) continue;
      if (rec + 8 > b.length) return `a record of hash table ${t} lies outside the file`;
      const end = rec + 8 + b.readUInt32LE(rec) + b.readUInt32LE(rec + 4);
      if (end > b.length) return `a record of hash table ${t} runs past the end of the file`;
    }
  }
  return undefined;
}

export default defineRule({
  meta: {
    id: 'MH4014',
    slug: 'morercpthosts-cdb-broken',
    kinds: ['host'],
    description: 'A control/morercpthosts.cdb that is not a valid cdb makes qmail-smtpd answer "421 unable to read controls" to every recipient whose domain is not in rcpthosts.',
    severity: 'medium',
    tags: ['qmail', 'host', 'syntax'],
    references: ['qmail-smtpd.8:morercpthosts'],
    messages: {
      broken: '{cdb} is not a valid cdb ({why}): qmail-smtpd answers "421 unable to read controls" to every recipient whose domain is not in rcpthosts',
    },
    fix: 'rebuild it from control/morercpthosts with qmail-newmrh (or remove it when there is no morercpthosts)',
  },
  check(host, ctx) {
    // Without rcpthosts, morercpthosts.cdb is never opened (MH4001).
    if (!host.tree.exists(controlFile(host, 'rcpthosts'))) return;
    const path = controlFile(host, 'morercpthosts.cdb');
    const meta = host.tree.file(path);
    if (!meta || meta.size > MAX_CDB) return;
    const bytes = host.tree.bytes(path, MAX_CDB);
    if (!bytes) return;
    const why = cdbDefect(bytes);
    if (why) ctx.report({ messageId: 'broken', data: { cdb: meta.path, why }, path: meta.path, span: AT_START });
  },
});
