/** What kind of program a name is, for the rules about the prog mailer, aliases and smrsh. */

/** The last component of a path: `/usr/bin/perl` → `perl` (trailing slashes ignored). */
export function baseName(path: string): string {
  // By index, not regex and split: this runs for every word of every program alias.
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 47 /* / */) end--;
  return path.slice(path.lastIndexOf('/', end - 1) + 1, end);
}

/** Programs that run whatever command line they are given. */
const SHELLS = new Set(['sh', 'bash', 'rbash', 'dash', 'ash', 'ksh', 'ksh93', 'mksh', 'pdksh', 'zsh', 'csh', 'tcsh', 'yash', 'posh', 'busybox', 'rc', 'es', 'fish']);
/** Programs that run whatever code they are given (with a version suffix: python3, perl5.36). */
const INTERPRETER = /^(?:perl|python|ruby|php|tclsh|wish|lua|luajit|node|nodejs|expect)[\d.]*$/;
/** General tools that can run commands (sed's e, awk's system) or write any file. */
const TEXT_TOOLS = new Set(['sed', 'awk', 'gawk', 'mawk', 'nawk']);
/** Tools that copy the message wherever their output points. */
const WRITERS = new Set(['cat', 'tee']);

export function isShell(name: string): boolean {
  return SHELLS.has(baseName(name));
}

export function isInterpreter(name: string): boolean {
  return INTERPRETER.test(baseName(name));
}

/** sed and the awks. */
export function isTextTool(name: string): boolean {
  return TEXT_TOOLS.has(baseName(name));
}

/** cat and tee. */
export function isWriter(name: string): boolean {
  return WRITERS.has(baseName(name));
}

/** Tiger's misc011w list beyond shells and interpreters: tools that run commands or write files. */
const GREPS = new Set(['grep', 'egrep', 'fgrep']);

/**
 * What a program turns smrsh into, as "a shell, which runs any command the mail carries"; undefined
 * for a program that may stand in the smrsh directory. The one list for the policy (which refuses
 * such a program), `init --from-system` and MH6005 (which reports one found there).
 */
export function smrshForbidden(path: string): string | undefined {
  const name = baseName(path);
  if (isShell(name)) return 'a shell, which runs any command the mail carries';
  if (isInterpreter(name)) return 'an interpreter, which runs any code the mail carries';
  if (name === 'uudecode') return 'uudecode, which writes files wherever the mail says';
  if (isTextTool(name) || isWriter(name) || GREPS.has(name)) return `${name}, which can run commands or write files`;
  return undefined;
}

/** The first word of a mailer's A= field: what the program sees as argv[0]. */
export function argv0(argv: string): string {
  return argv.trim().split(/\s+/)[0] ?? '';
}

/** Whether a program path is smrsh, the restricted shell of the prog mailer. */
export function isSmrsh(path: string): boolean {
  return baseName(path) === 'smrsh';
}
