/**
 * Groups of indices whose keys are equal, each group in index order; keys that occur once are left
 * out. A Map over a million fresh strings costs more than half a second in V8, so this hashes the
 * keys (FNV-1a) into a typed array, sorts hash and index packed into one double, and compares the
 * strings only within runs of equal hashes: linear work apart from one numeric sort.
 */
export function duplicateGroups(keys: readonly string[]): number[][] {
  const n = keys.length;
  if (n > 1 << 24) return viaMap(keys);
  const packed = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let h = 0x811c9dc5;
    for (let c = 0; c < k.length; c++) h = Math.imul(h ^ k.charCodeAt(c), 0x01000193);
    // 29 bits of hash above 24 bits of index fit a double's 53-bit integer range exactly.
    packed[i] = (h >>> 3) * 0x1000000 + i;
  }
  packed.sort();
  const groups: number[][] = [];
  let runStart = 0;
  for (let i = 1; i <= n; i++) {
    if (i < n && Math.floor(packed[i]! / 0x1000000) === Math.floor(packed[runStart]! / 0x1000000)) continue;
    if (i - runStart > 1) {
      const run: number[] = [];
      for (let j = runStart; j < i; j++) run.push(packed[j]! % 0x1000000);
      groups.push(...splitByKey(run, keys));
    }
    runStart = i;
  }
  return groups.sort((a, b) => a[0]! - b[0]!);
}

/** Splits indices with equal hashes into groups of equal keys (hash collisions are rare and small). */
function splitByKey(run: number[], keys: readonly string[]): number[][] {
  const byKey = new Map<string, number[]>();
  for (const i of run.sort((a, b) => a - b)) {
    const list = byKey.get(keys[i]!);
    if (list) list.push(i);
    else byKey.set(keys[i]!, [i]);
  }
  return [...byKey.values()].filter((g) => g.length > 1);
}

function viaMap(keys: readonly string[]): number[][] {
  const byKey = new Map<string, number[]>();
  keys.forEach((k, i) => {
    const list = byKey.get(k);
    if (list) list.push(i);
    else byKey.set(k, [i]);
  });
  return [...byKey.values()].filter((g) => g.length > 1);
}
