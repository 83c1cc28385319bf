import { flattenNumeric } from '../compare/flatten';

/**
 * Summary values a sweep reports when the summary has no `metrics` record of its own: how much
 * fragmentation the run caused (extfrag events), what compaction and migration did about it, and
 * how high-order allocations fared.
 */
export const DEFAULT_SWEEP_METRICS: readonly string[] = [
  'extfrag.total',
  'extfrag.fragmenting',
  'counters.compact_stall',
  'counters.compact_success',
  'counters.compact_fail',
  'counters.pgmigrate_success',
  'memory.freePages',
];

/**
 * The metrics of one run for the sweep table: every numeric leaf of `summary.metrics` when the
 * summary has one, else {@link DEFAULT_SWEEP_METRICS}; plus the overall high-order success rate.
 */
export function keyMetrics(summary: unknown): Record<string, number> {
  const s = summary as { metrics?: unknown; workload?: { highOrder?: { orders: { attempts: number; successes: number }[] }[] } };
  const out: Record<string, number> = {};
  if (s.metrics !== undefined && s.metrics !== null && typeof s.metrics === 'object') {
    for (const [k, v] of flattenNumeric(s.metrics)) out[`metrics.${k}`] = v;
  } else {
    const flat = flattenNumeric(summary, ['scenario']);
    for (const k of DEFAULT_SWEEP_METRICS) {
      const v = flat.get(k);
      if (v !== undefined) out[k] = v;
    }
  }
  let attempts = 0;
  let successes = 0;
  for (const h of s.workload?.highOrder ?? []) for (const o of h.orders) ((attempts += o.attempts), (successes += o.successes));
  if (attempts > 0) out['highOrderSuccessPct'] = Number(((successes * 100) / attempts).toFixed(2));
  return out;
}
