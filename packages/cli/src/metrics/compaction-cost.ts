/**
 * Compaction cost and efficiency (experiments.md §2 M15–M18, M20) from /proc/vmstat counters,
 * with mmtests' definitions (MonitorMmtestsvmstat.pm). A ratio whose denominator is 0 is null:
 * "no compaction happened" is not the same as "0% success".
 */
export type Counters = Readonly<Record<string, number>>;

export interface CompactionCost {
  /** M15: compact_success / compact_stall. */
  successRate: number | null;
  /** M16: 100 · compact_migrate_scanned / compact_free_scanned. */
  scanEfficiency: number | null;
  /** M17: (migrate_scanned + free_scanned) / pgmigrate_success. */
  scannedPerMigrated: number | null;
  /** M17: compact_isolated / compact_migrate_scanned. Can exceed 1: mm/compaction.c counts pages isolated by both scanners in COMPACTISOLATED. */
  isolationYield: number | null;
  /** M17: pgmigrate_fail / (pgmigrate_success + pgmigrate_fail). */
  migrationFailRate: number | null;
  /** M18: mmtests compaction cost, MB of memory touched. */
  costMB: number;
  /** M20: pages moved (pgmigrate_success) per free huge frame (S_9) at this point. */
  movesPerFreeHugeFrame: number | null;
}

/** mmtests MonitorMmtestsvmstat.pm: the cost of touching a struct page, 56 bytes / 8. */
export const MMTESTS_CA = 56 / 8;

function ratio(num: number, den: number): number | null {
  return den ? num / den : null;
}

function get(c: Counters, name: string): number {
  const v = c[name];
  if (v === undefined) throw new Error(`vmstat counter ${name} is missing`);
  return v;
}

/**
 * M18: `(Ca·migrate_scanned + Ca·free_scanned + (Ca+12)·isolated + 2·(Ca+4096/8)·pgmigrate_success
 * + 2·Ca·pgmigrate_fail) / 1e6` with Ca = 56/8.
 */
export function mmtestsCompactionCost(c: Counters): number {
  const ca = MMTESTS_CA;
  return (
    (ca * get(c, 'compact_migrate_scanned') +
      ca * get(c, 'compact_free_scanned') +
      (ca + 12) * get(c, 'compact_isolated') +
      2 * (ca + 4096 / 8) * get(c, 'pgmigrate_success') +
      2 * ca * get(c, 'pgmigrate_fail')) /
    1e6
  );
}

export function compactionCost(c: Counters, freeHugeFrames: number): CompactionCost {
  const migrateScanned = get(c, 'compact_migrate_scanned');
  const freeScanned = get(c, 'compact_free_scanned');
  const migrated = get(c, 'pgmigrate_success');
  const failed = get(c, 'pgmigrate_fail');
  return {
    successRate: ratio(get(c, 'compact_success'), get(c, 'compact_stall')),
    scanEfficiency: freeScanned ? (100 * migrateScanned) / freeScanned : null,
    scannedPerMigrated: ratio(migrateScanned + freeScanned, migrated),
    isolationYield: ratio(get(c, 'compact_isolated'), migrateScanned),
    migrationFailRate: ratio(failed, migrated + failed),
    costMB: mmtestsCompactionCost(c),
    movesPerFreeHugeFrame: ratio(migrated, freeHugeFrames),
  };
}
