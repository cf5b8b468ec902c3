import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { Finding } from '../../src/core/types.js';

/** Where the snapshots live: in the source tree (tests run from dist/test/). */
export const SNAPSHOTS = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'test', 'snapshots');

/** `UPDATE_SNAPSHOTS=1 npm test` writes every snapshot anew instead of comparing. */
export const updating = process.env.UPDATE_SNAPSHOTS === '1';

/**
 * Compares `actual` with the snapshot stored at `name` (a path under test/snapshots/), or writes it
 * when updating. A missing snapshot fails: a new fixture gets its snapshot by the update command,
 * and the snapshot is then part of the change a reviewer reads.
 */
export function matchSnapshot(name: string, actual: string): void {
  const path = join(SNAPSHOTS, name);
  if (updating) {
    let old: string | undefined;
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      old = undefined;
    }
    if (old !== actual) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, actual);
    }
    return;
  }
  let expected: string;
  try {
    expected = readFileSync(path, 'utf8');
  } catch {
    assert.fail(`no snapshot test/snapshots/${name}: run UPDATE_SNAPSHOTS=1 npm test and review the new file`);
  }
  assert.equal(actual, expected, `output differs from test/snapshots/${name} (UPDATE_SNAPSHOTS=1 npm test rewrites it; review the diff)`);
}

/** Every snapshot file under test/snapshots/, as paths relative to it. */
export function storedSnapshots(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(dir, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(SNAPSHOTS, p));
    }
  };
  walk(SNAPSHOTS);
  return out;
}

/** Snapshots no test asked for: removed when updating, a failure otherwise (a fixture renamed or gone). */
export function checkOrphans(asked: ReadonlySet<string>): void {
  const orphans = storedSnapshots().filter((n) => !asked.has(n));
  if (updating) {
    for (const n of orphans) rmSync(join(SNAPSHOTS, n));
    return;
  }
  assert.deepEqual(orphans, [], 'snapshots that no fixture makes any more (UPDATE_SNAPSHOTS=1 npm test removes them)');
}

/**
 * What the snapshot of a list of findings holds beyond the text output: each finding's exact span,
 * and the suppressed ones with what suppressed them (the text output leaves those out).
 */
export function findingDetails(findings: readonly Finding[]): string {
  if (!findings.length) return '';
  const lines = findings.map((f) => {
    const where = `${f.file}:${f.line}:${f.column}-${f.endLine}:${f.endColumn}`;
    const s = f.suppression ? ` suppressed (${f.suppression.kind}: ${f.suppression.reason ?? ''} @ ${f.suppression.source})` : f.suppressed ? ' suppressed' : '';
    return `${where} ${f.ruleId} ${f.severity}${s}`;
  });
  return `--- spans\n${lines.join('\n')}\n`;
}
