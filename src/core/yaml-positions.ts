import type { Document, LineCounter } from 'yaml';

/** The 1-based line and column of the YAML node at a JSON pointer path (or of its nearest parent). */
export function positionOfPath(doc: Document, counter: LineCounter, path: readonly (string | number)[], wantKey = false): { line: number; col: number } {
  for (let len = path.length; len >= 0; len--) {
    const sub = path.slice(0, len);
    const node = (sub.length === 0 ? doc.contents : doc.getIn(sub, true)) as { range?: [number, number, number] } | null | undefined;
    if (wantKey && len === path.length && len > 0) {
      const key = keyNode(doc, sub);
      if (key?.range) return counter.linePos(key.range[0]);
    }
    if (node && node.range) return counter.linePos(node.range[0]);
  }
  return { line: 1, col: 1 };
}

/** The key node of a map entry at `path`, to point at a misspelled key rather than its value. */
function keyNode(doc: Document, path: readonly (string | number)[]): { range?: [number, number, number] } | undefined {
  const parent = (path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true)) as { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | null;
  const last = path[path.length - 1];
  return parent?.items?.find((p) => p.key && (p.key as { value?: unknown }).value === last)?.key;
}

/** Splits an ajv instancePath (`/rules/MH1001`) into its segments. */
export function pointerSegments(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
