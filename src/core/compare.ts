/** Orders ASCII strings by code unit: no locale collation (ICU is slow to start and not needed for ids). */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
