import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { docExamples as examplesIn, type DocExample } from '../../src/core/rule-docs.js';

export const RULES_DIR = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', 'rules');

/** A rule's source and documentation files, found on disk by their `MHnnnn-slug` names. */
export interface RuleFiles {
  id: string;
  slug: string;
  group: string;
  ts: string;
  md?: string;
}

export function ruleFiles(): RuleFiles[] {
  const out: RuleFiles[] = [];
  for (const group of readdirSync(RULES_DIR, { withFileTypes: true })) {
    if (!group.isDirectory()) continue;
    const names = readdirSync(join(RULES_DIR, group.name));
    for (const n of names) {
      const m = /^(MH\d{4})-([a-z0-9-]+)\.ts$/.exec(n);
      if (!m) continue;
      const md = `${m[1]}-${m[2]}.md`;
      const f: RuleFiles = { id: m[1]!, slug: m[2]!, group: group.name, ts: join(RULES_DIR, group.name, n) };
      if (names.includes(md)) f.md = join(RULES_DIR, group.name, md);
      out.push(f);
    }
  }
  return out;
}

/** Fenced examples under the `## Incorrect` and `## Correct` headings of a rule doc. */
export function docExamples(mdPath: string): DocExample[] {
  return examplesIn(readFileSync(mdPath, 'utf8'));
}
