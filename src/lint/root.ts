import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { applyIgnores, lintHost, lintParsed } from '../core/engine.js';
import { UserError } from '../core/errors.js';
import { SourceFile } from '../core/source.js';
import type { FileKind, Finding } from '../core/types.js';
import type { FoundFile, HostDocument } from '../host/document.js';
import { detectProfile, LAYOUTS, qmailPaths, readAccounts, type Layout, type Profile } from '../host/layout.js';
import { aliasFiles } from '../host/paths.js';
import { HostTree } from '../host/tree.js';
import { looksLikeArchive, readArchive } from '../host/archive.js';
import { parseAs, tooLarge, wholeLimit, type AnyDocument } from '../parsers/documents.js';
import { QMAIL_CONTROL_NAMES } from '../parsers/qmail-control.js';
import type { OptionFinder } from './options.js';
import { rulesFor, type CheckedFile } from '../core/report.js';
import type { RuleMeta } from '../core/rule.js';
import { binaryReason, looksBinary } from './read.js';
import { shownPath } from './shown-path.js';

/**
 * The mail files a layout names, with their kinds, in a stable order (the MTA's cf first, then
 * submit.cf): sendmail's files, then qmail's control files, its qmail-smtpd run scripts and the
 * tcpserver rules. `aliases` are the alias files in force (the MTA cf's AliasFile); the layout's
 * when not given.
 */
export function mailFiles(layout: Layout, aliases: readonly string[] = [layout.aliases]): { path: string; kind: FileKind }[] {
  const d = layout.mailDir;
  const control = qmailPaths(layout).control;
  return [
    { path: `${d}/sendmail.cf`, kind: 'sendmail-cf' },
    { path: `${d}/sendmail.mc`, kind: 'sendmail-mc' },
    { path: `${d}/submit.cf`, kind: 'sendmail-cf' },
    { path: `${d}/submit.mc`, kind: 'sendmail-mc' },
    ...aliases.map((path) => ({ path, kind: 'aliases' as const })),
    { path: `${d}/access`, kind: 'access' },
    ...QMAIL_CONTROL_NAMES.map((name) => ({ path: `${control}/${name}`, kind: 'qmail-control' as const })),
    ...layout.runScripts.map((path) => ({ path, kind: 'qmail-run' as const })),
    ...layout.tcpRules.map((path) => ({ path, kind: 'tcp-rules' as const })),
  ];
}

/**
 * `lint --root DIR`: finds the system's mail files under DIR through its layout, lints each one, then
 * runs the host rules (modes, owners, attributes, derived files) once over the tree. Returns the
 * paths of the files linted, as findings show them; findings go to `add`.
 */
export async function lintRoot(rootArg: string, profileArg: Profile | undefined, type: FileKind | undefined, cwd: string, options: OptionFinder, add: (f: readonly Finding[]) => void, metas: readonly RuleMeta[] = []): Promise<CheckedFile[]> {
  if (type) throw new UserError('--type does not apply to --root: each file has the kind its place in the layout says');
  const root = resolve(cwd, rootArg);
  let isDir = false;
  let isFile = false;
  try {
    const st = statSync(root);
    isDir = st.isDirectory();
    isFile = st.isFile();
  } catch (e) {
    throw new UserError(`${rootArg}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : `cannot read: ${(e as NodeJS.ErrnoException).code}`}`);
  }
  // An archive made by `mailharden collect-script` on a host: read into memory, never unpacked.
  const archive = isFile && looksLikeArchive(root, undefined) ? readArchive(root, rootArg) : undefined;
  if (!isDir && !archive) throw new UserError(`${rootArg}: --root needs a directory, or a .tar.gz made by \`mailharden collect-script\``);
  const tree = archive ? new HostTree(root, archive.attributes(root), archive) : new HostTree(root);
  if (archive?.full) tree.problems.push({ path: '/', reason: 'io', detail: 'the collector stopped at its limit of paths (MAILHARDEN_MAX_ENTRIES): some paths are not in the archive' });
  const layout = LAYOUTS[profileArg ?? detectProfile(tree)];
  const show = (treePath: string): string => shownPath(cwd, tree.hostPath(treePath));
  const found: FoundFile[] = [];
  const checked: CheckedFile[] = [];
  const linted = new Set<string>();
  /** The share of the memory budget that the documents kept so far take (1 is all of it). */
  let used = 0;
  const host: HostDocument = {
    kind: 'host',
    tree,
    layout,
    accounts: readAccounts(tree),
    files: found,
    fileOf(kind, path) {
      return found.find((f) => f.doc.kind === kind && (path === undefined || f.path === path))?.doc as never;
    },
  };
  const take = async (path: string, kind: FileKind): Promise<void> => {
    const meta = tree.stat(path);
    if (!meta || meta.type !== 'file') return;
    // One file reached by two names (/service/qmail-smtpd is a link to /var/qmail/supervise/qmail-smtpd) is linted once.
    const real = tree.resolve(path)!;
    if (linted.has(real)) return;
    linted.add(real);
    // A file not read is said (MH6000), never skipped in silence.
    if (meta.size > wholeLimit(kind)) {
      tree.problems.push({ path, reason: 'io', detail: `${tooLarge(kind, meta.size)}, so it was not checked` });
      return;
    }
    // The documents stay in memory for the host rules, so the files share one budget: each takes its
    // size's share of its kind's limit, and together they may take one whole limit, what a single file
    // of any kind may cost (a cf of 64 MiB and an access map of 64 MiB would otherwise add up).
    const share = meta.size / wholeLimit(kind);
    if (used + share > 1) {
      tree.problems.push({ path, reason: 'io', detail: `${(meta.size / 1024 / 1024).toFixed(1)} MiB, with the ${found.length} mail files read before it, is more than mailharden keeps in memory for one run, so it was not checked` });
      return;
    }
    used += share;
    const text = tree.read(path, wholeLimit(kind));
    if (text === undefined) return;
    if (looksBinary(text)) {
      tree.problems.push({ path, reason: 'io', detail: `${binaryReason(kind)}, so it was not checked` });
      return;
    }
    const file = new SourceFile(show(path), text);
    const doc: AnyDocument = parseAs(kind, file);
    found.push({ path, doc });
    const opts = await options(tree.hostPath(path));
    checked.push({ file: file.path, kind, rules: rulesFor(metas, kind, opts.enabled) });
    add(lintParsed(file, kind, doc, opts));
  };
  // The MTA's cf comes first: the alias files it names (AliasFile) are the ones linted, as the real
  // files (/etc/mail/aliases on Debian is a link to /etc/aliases, the file to edit).
  const [cf] = mailFiles(layout);
  await take(cf!.path, cf!.kind);
  const aliases = [...new Set(aliasFiles(host).map((a) => tree.resolve(a.source) ?? a.source))];
  for (const { path, kind } of mailFiles(layout, aliases)) if (path !== cf!.path) await take(path, kind);
  // The configuration for the tree as a whole: the one in (or above) its root directory.
  const base = await options(`${tree.hostPath('/')}/.`);
  const hostFindings = lintHost(host, { ...base, show });
  // Config ignores match the path each finding is about.
  for (const f of hostFindings) applyIgnores(f, (await options(resolve(cwd, f.file))).ignores, base.rules);
  add(hostFindings);
  checked.push({ file: show('/'), kind: 'host', rules: rulesFor(metas, 'host', base.enabled) });
  return checked;
}
