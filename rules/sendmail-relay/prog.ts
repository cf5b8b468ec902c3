/** Last component of a path: `/usr/libexec/sendmail/smrsh` → `smrsh`. */
export function baseName(path: string): string {
  return path.replace(/\/+$/, '').split('/').pop() ?? '';
}

/** The first word of a mailer's A= field: what the program sees as argv[0]. */
export function argv0(argv: string): string {
  return argv.trim().split(/\s+/)[0] ?? '';
}

/**
 * Programs that run whatever command line they are given. With one of them as the prog mailer,
 * `-c $u` executes the alias text as a shell command.
 */
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'ksh', 'ksh93', 'mksh', 'pdksh', 'zsh', 'csh', 'tcsh', 'yash', 'posh', 'busybox', 'rc', 'es', 'fish']);

export function isShell(path: string): boolean {
  return SHELLS.has(baseName(path));
}

export function isSmrsh(path: string): boolean {
  return baseName(path) === 'smrsh';
}
