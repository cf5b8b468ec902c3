import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers/cli.js';

/**
 * Module import cycles among src/ and rules/, read from the compiled JavaScript (so type-only imports,
 * which the compiler drops, do not count): static `import … from`, `export … from`, bare `import`, and
 * dynamic `import()` of a relative path. A cycle makes the load order decide what a module sees.
 */
const FROM = /\b(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+\.js)['"]/g;

/** The compiled modules whose TypeScript source still exists (a file moved away leaves its old output behind). */
function modules(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...modules(p));
    else if (e.name.endsWith('.js') && existsSync(join(ROOT, relative(join(ROOT, 'dist'), p)).replace(/\.js$/, '.ts'))) out.push(p);
  }
  return out;
}

function importGraph(): Map<string, string[]> {
  const files = ['src', 'rules'].flatMap((d) => modules(join(ROOT, 'dist', d)));
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const targets = [...readFileSync(file, 'utf8').matchAll(FROM)].map((m) => resolve(dirname(file), m[1]!));
    graph.set(file, [...new Set(targets.filter((t) => known.has(t)))].sort());
  }
  return graph;
}

/** Strongly connected components with more than one module, or a module importing itself (Tarjan). */
function cycles(graph: Map<string, string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  let next = 0;
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) visit(v);
  return found;
}

describe('module imports', () => {
  it('reads the graph: the library entry imports the lint job, the rule registry its groups', () => {
    const graph = importGraph();
    const at = (p: string) => graph.get(join(ROOT, 'dist', p)) ?? assert.fail(`${p} not compiled`);
    assert.ok(at('src/index.js').length > 3);
    assert.ok(at('rules/index.js').includes(join(ROOT, 'dist', 'rules', 'aliases', 'index.js')));
    // A dynamic import() is an edge too.
    assert.ok([...graph.values()].some((ts) => ts.includes(join(ROOT, 'dist', 'src', 'baseline', 'baseline.js'))));
  });

  it('has no cycle among src/ and rules/ modules (static or dynamic imports)', () => {
    const shown = cycles(importGraph()).map((c) => c.map((f) => relative(join(ROOT, 'dist'), f)).join(' <-> '));
    assert.deepEqual(shown, []);
  });
});
