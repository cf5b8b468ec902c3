/** A typed array of `length` elements holding `a`'s elements first: for arrays that grow by doubling. */
export function grown<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(a: T, length: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(length);
  bigger.set(a);
  return bigger;
}

/** `a` when it has room for `need` elements, else a copy of at least twice its length (the parsers' columns). */
export function growI32(a: Int32Array<ArrayBuffer>, need: number): Int32Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

/** The same for a byte column. */
export function growU8(a: Uint8Array<ArrayBuffer>, need: number): Uint8Array<ArrayBuffer> {
  if (need <= a.length) return a;
  const b = new Uint8Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}
