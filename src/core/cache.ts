/**
 * The values worked out for each document (or an object of one), by key, then by document: a key's
 * values are dropped with their documents, and an object costs one WeakMap entry per key it has.
 */
const byKey = new Map<string, WeakMap<object, unknown>>();

/**
 * The value `key` of `doc`, worked out by `compute` the first time any rule asks and the same value
 * after that, for as long as the document lives. A key names one computation (`'tcprules.model'`), so
 * it must not be reused for another; `doc` may also be an object a document keeps (an alias target).
 */
export function cached<D extends object, T>(doc: D, key: string, compute: (doc: D) => T): T {
  let values = byKey.get(key);
  if (values === undefined) byKey.set(key, (values = new WeakMap()));
  const value = values.get(doc) as T | undefined;
  if (value !== undefined || values.has(doc)) return value as T;
  const computed = compute(doc);
  values.set(doc, computed);
  return computed;
}
