/** The values worked out for each document (or an object of one), by key; dropped with the document. */
const values = new WeakMap<object, Map<string, unknown>>();

/**
 * The value `key` of `doc`, worked out by `compute` the first time any rule asks and the same value
 * after that, for as long as the document lives. A key names one computation (`'tcprules.model'`), so
 * it must not be reused for another; `doc` may also be an object a document keeps (an alias target).
 */
export function cached<D extends object, T>(doc: D, key: string, compute: (doc: D) => T): T {
  let byKey = values.get(doc);
  if (byKey === undefined) values.set(doc, (byKey = new Map()));
  if (byKey.has(key)) return byKey.get(key) as T;
  const value = compute(doc);
  byKey.set(key, value);
  return value;
}
