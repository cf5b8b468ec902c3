import { posix } from 'node:path';

/** The policy's name as generated comments show it: its base name, in characters safe in a config line or a script. */
export function policyLabel(path: string): string {
  return (posix.basename(path).replace(/[^A-Za-z0-9._-]/g, '_') || 'policy').slice(0, 100);
}
