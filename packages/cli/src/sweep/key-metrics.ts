import { flattenNumeric } from '../compare/flatten';

/**
 * The summary values a sweep tabulates, by dotted path: how much fragmentation the run caused
 * (extfrag events, mixed pageblocks, longest free run), what compaction and migration did about
 * it (M15-M18), THP success, and what is left free. A path absent from a summary (an older
 * summary without `metrics`, a null ratio when nothing happened) is simply left out of that row.
 */
export const SWEEP_METRICS: readonly string[] = [
  'extfrag.total',
  'extfrag.fragmenting',
  'metrics.pageblocks.mixedMovableRatio',
  'metrics.pageblocks.unmovableSpreadRatio',
  'metrics.freeRuns.longestRun',
  'counters.compact_stall',
  'counters.compact_success',
  'counters.compact_fail',
  'counters.pgmigrate_success',
  'metrics.compaction.successRate',
  'metrics.compaction.scannedPerMigrated',
  'metrics.compaction.costMB',
  'metrics.thp.hugeRatio',
  'memory.freePages',
];

/** The {@link SWEEP_METRICS} of one run, plus the overall high-order success rate in %. */
export function keyMetrics(summary: unknown): Record<string, number> {
  const flat = flattenNumeric(summary, ['scenario']);
  const out: Record<string, number> = {};
  for (const k of SWEEP_METRICS) {
    const v = flat.get(k);
    if (v !== undefined) out[k] = v;
  }
  const s = summary as { workload?: { highOrder?: { orders: { attempts: number; successes: number }[] }[] } };
  let attempts = 0;
  let successes = 0;
  for (const h of s.workload?.highOrder ?? []) for (const o of h.orders) ((attempts += o.attempts), (successes += o.successes));
  if (attempts > 0) out['highOrderSuccessPct'] = Number(((successes * 100) / attempts).toFixed(2));
  return out;
}
