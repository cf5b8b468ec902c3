import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './cli.js';
import { tempDir } from './real.js';

/**
 * A fresh copy of the bundled example host (examples/etc, deliberately unsafe) as `root/etc`, with the
 * example policy beside it (unless `withPolicy` is false), in a new temp directory named from `prefix`.
 */
export function exampleRoot(prefix = 'mh-example-', withPolicy = true): { root: string; policy: string } {
  const dir = tempDir(prefix);
  const root = join(dir, 'root');
  mkdirSync(root);
  cpSync(join(ROOT, 'examples', 'etc'), join(root, 'etc'), { recursive: true });
  const policy = join(dir, 'policy.yaml');
  if (withPolicy) writeFileSync(policy, readFileSync(join(ROOT, 'examples', 'policy.yaml')));
  return { root, policy };
}
