import { lstatSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry under a directory, to prove what a run did or did not change: files as mode and
 * content, links as `-> target`, directories (`path/`) as their mode.
 */
export function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out.set(`${p.slice(dir.length)}/`, (st.mode & 0o7777).toString(8));
        walk(p);
      } else out.set(p.slice(dir.length), st.isSymbolicLink() ? `-> ${readlinkSync(p)}` : `${(st.mode & 0o7777).toString(8)} ${readFileSync(p, 'latin1')}`);
    }
  };
  walk(dir);
  return out;
}

/** The paths whose entry differs between two snapshots. */
export const changedPaths = (a: Map<string, string>, b: Map<string, string>): string[] => [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
