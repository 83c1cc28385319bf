import { flattenNumeric } from './flatten';
import { keyFilter } from './key-filter';

/** One compared key. `a`/`b` are absent when the key exists in only one run. */
export interface CompareRow {
  key: string;
  a?: number;
  b?: number;
  /** b - a, when both runs have the key. */
  delta?: number;
  /** (b - a) / |a| * 100; absent when a is 0 (undefined ratio) or a run lacks the key. */
  deltaPct?: number;
  /** Which run alone has the key. */
  only?: 'a' | 'b';
}

/** Keys of summary.json that are inputs echoed back, not results. */
export const SKIPPED_SUMMARY_KEYS: readonly string[] = ['scenario'];

/**
 * Compares two parsed summary.json documents key by key (every numeric leaf, dotted keys, sorted),
 * optionally restricted by `only` (see {@link keyFilter}).
 */
export function compareSummaries(a: unknown, b: unknown, only?: string): CompareRow[] {
  const fa = flattenNumeric(a, SKIPPED_SUMMARY_KEYS);
  const fb = flattenNumeric(b, SKIPPED_SUMMARY_KEYS);
  const keep = only === undefined ? () => true : keyFilter(only);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])].filter(keep).sort();
  return keys.map((key): CompareRow => {
    const va = fa.get(key);
    const vb = fb.get(key);
    if (va === undefined) return { key, b: vb!, only: 'b' };
    if (vb === undefined) return { key, a: va, only: 'a' };
    const delta = vb - va;
    return va === 0 ? { key, a: va, b: vb, delta } : { key, a: va, b: vb, delta, deltaPct: (delta / Math.abs(va)) * 100 };
  });
}
