import { MIGRATETYPE_NAMES } from '@mmsim/core';
import type { MetricsSnapshot } from './snapshot';

/** One value of one metric: `metric` is the experiments.md id (M1…M20), `key` says which value. */
export interface MetricRow {
  metric: string;
  key: string;
  value: number | null;
}

/** Flattens a snapshot into rows, in a fixed order (M1 first), for metrics.csv. */
export function metricRows(m: MetricsSnapshot): MetricRow[] {
  const rows: MetricRow[] = [];
  const add = (metric: string, key: string, value: number | null): void => void rows.push({ metric, key, value });
  for (const z of m.zones) {
    const at = `node${z.node}.${z.zone}`;
    z.buddyinfo.forEach((v, o) => add('M1', `${at}.order${o}`, v));
    z.pagetypeinfo.forEach((row, mt) => row.forEach((v, o) => add('M1', `${at}.${MIGRATETYPE_NAMES[mt]}.order${o}`, v)));
  }
  for (const z of m.zones) z.unusableIndex.forEach((v, o) => add('M2', `node${z.node}.${z.zone}.order${o}`, v));
  for (const z of m.zones) z.extfragIndex.forEach((v, o) => add('M3', `node${z.node}.${z.zone}.order${o}`, v));
  for (const n of m.proactiveScore) {
    add('M4', `node${n.node}.score`, n.score);
    add('M4', `node${n.node}.wmark_low`, n.wmarkLow);
    add('M4', `node${n.node}.wmark_high`, n.wmarkHigh);
  }
  for (const z of m.zones) {
    add('M5', `node${z.node}.${z.zone}.S9`, z.s9);
    add('M5', `node${z.node}.${z.zone}.S10`, z.s10);
    add('M5', `node${z.node}.${z.zone}.A2M_permille`, z.hugeAvailabilityPermille);
  }
  for (const z of m.zones) add('M6', `node${z.node}.${z.zone}.largest_free_order`, z.largestFreeOrder);
  add('M6', 'longest_free_run_pages', m.freeRuns.longestRun);
  m.freeRuns.buckets.forEach((v, b) => add('M6', `free_runs_log2_${b}`, v));
  const pb = m.pageblocks;
  pb.blocksByType.forEach((v, mt) => add('M7', MIGRATETYPE_NAMES[mt]!, v));
  pb.mixedByType.slice(0, 3).forEach((v, mt) => add('M8', `mixed_${MIGRATETYPE_NAMES[mt]}`, v));
  add('M8', 'mixed_movable_ratio', pb.mixedMovableRatio);
  add('M9', 'regions', pb.regions);
  add('M9', 'unmovable_regions', pb.unmovableRegions);
  add('M9', 'unmovable_spread_ratio', pb.unmovableSpreadRatio);
  add('M9', 'recoverable_regions', pb.recoverableRegions);
  add('M9', 'fully_free_regions', pb.fullyFreeRegions);
  for (const [k, v] of Object.entries(m.extfrag)) add('M10', k, v);
  for (const h of m.highOrder) {
    const at = `${h.phase}/${h.step}/${h.label}/order${h.order}`;
    add('M11', `${at}.attempts`, h.attempts);
    add('M11', `${at}.successes`, h.successes);
    add('M11', `${at}.success_rate`, h.successRate);
  }
  add('M12', 'huge_ratio', m.thp.hugeRatio);
  add('M12', 'fallback_rate', m.thp.fallbackRate);
  pb.occupancyLevels.forEach((v, l) => add('M13', `level${l}`, v));
  for (const [at, l] of Object.entries(m.latencyNs ?? {})) for (const [k, v] of Object.entries(l)) add('M14', `${at}.${k}`, v);
  const c = m.compaction;
  add('M15', 'success_rate', c.successRate);
  add('M16', 'scan_efficiency', c.scanEfficiency);
  add('M17', 'scanned_per_migrated', c.scannedPerMigrated);
  add('M17', 'isolation_yield', c.isolationYield);
  add('M17', 'migration_fail_rate', c.migrationFailRate);
  add('M18', 'cost_mb', c.costMB);
  for (const [k, v] of Object.entries(m.activity)) add('M19', k, v);
  add('M20', 'moves_per_free_huge_frame', c.movesPerFreeHugeFrame);
  for (const [k, v] of Object.entries(m.balloon)) add('M22', `balloon_${k}`, v);
  return rows;
}
