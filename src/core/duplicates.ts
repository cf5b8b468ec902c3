/**
 * Groups of indices whose keys are equal, each group in index order, groups ordered by their first
 * index; keys that occur once are left out. A Map over a million fresh strings costs more than half a
 * second in V8, so this is an open-addressing table of FNV-1a hashes in typed arrays: strings are
 * compared only when their full hashes are equal, and memory is two small arrays per key.
 */
export function duplicateGroups(keys: readonly string[]): number[][] {
  const n = keys.length;
  let size = 16;
  while (size < n * 2) size *= 2;
  const mask = size - 1;
  const slots = new Int32Array(size).fill(-1);
  const hashes = new Uint32Array(n);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const k = keys[i]!;
    let h = 0x811c9dc5;
    for (let c = 0; c < k.length; c++) h = Math.imul(h ^ k.charCodeAt(c), 0x01000193);
    h >>>= 0;
    hashes[i] = h;
    let s = h & mask;
    for (;;) {
      const j = slots[s]!;
      if (j < 0) {
        slots[s] = i;
        break;
      }
      if (hashes[j] === h && keys[j] === k) {
        const g = groups.get(j);
        if (g) g.push(i);
        else groups.set(j, [j, i]);
        break;
      }
      s = (s + 1) & mask;
    }
  }
  return [...groups.values()].sort((a, b) => a[0]! - b[0]!);
}
