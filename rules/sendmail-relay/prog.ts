import { baseName, isShell } from '../../src/model/programs.js';

export { isShell };

/** The first word of a mailer's A= field: what the program sees as argv[0]. */
export function argv0(argv: string): string {
  return argv.trim().split(/\s+/)[0] ?? '';
}

export function isSmrsh(path: string): boolean {
  return baseName(path) === 'smrsh';
}
