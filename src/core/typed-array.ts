/** A typed array of `length` elements holding `a`'s elements first: for arrays that grow by doubling. */
export function grown<T extends Uint8Array | Uint16Array | Uint32Array | Int32Array>(a: T, length: number): T {
  const bigger = new (a.constructor as new (n: number) => T)(length);
  bigger.set(a);
  return bigger;
}
