import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The installed package's root: the nearest directory above this module with mailharden's
 * package.json. Works from the compiled tree (dist/src/…) and from the bundle (dist/mailharden.js).
 */
function findRoot(): { root: string; version: string } {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      const data = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string; version?: string };
      if (data.name === 'mailharden') return { root: dir, version: data.version ?? '0.0.0' };
    }
    const parent = dirname(dir);
    if (parent === dir) return { root: dir, version: '0.0.0' };
    dir = parent;
  }
}

const found = findRoot();

/** Directory holding package.json, docs/ and templates/. */
export const PACKAGE_ROOT = found.root;
/** The package version from package.json. */
export const VERSION = found.version;
