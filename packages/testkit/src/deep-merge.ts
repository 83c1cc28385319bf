/** A plain object literal (not an array, class instance, or driver definition). */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Partial overrides, recursively; arrays and non-plain objects are replaced whole. */
export type DeepPartial<T> = T extends readonly unknown[] ? T : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * Merges `override` into `base` without mutating either: plain objects merge key by key, anything
 * else (arrays, numbers, driver definitions) in the override replaces the base value. Arrays are
 * replaced because merging `nodes: [a, b]` element-wise into a default of one node would be a
 * surprising machine. An explicit `undefined` in the override leaves the base value.
 */
export function deepMerge<T>(base: T, override: DeepPartial<T> | undefined): T {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override as T;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (value === undefined) continue;
    out[key] = key in base ? deepMerge(base[key], value as DeepPartial<unknown>) : value;
  }
  return out as T;
}
