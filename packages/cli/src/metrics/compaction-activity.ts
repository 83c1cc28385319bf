import type { Counters } from './compaction-cost';

/** M19: deferral, skip hints and kcompactd versus direct compaction work. */
export interface CompactionActivity {
  /** mm_compaction_deferred: compaction skipped because of deferral. */
  deferred: number;
  /** mm_compaction_defer_compaction: a failure that pushed the deferral further out. */
  deferCompaction: number;
  /** mm_compaction_defer_reset: a success that reset the deferral. */
  deferReset: number;
  /** compact_daemon_wake */
  kcompactdWakes: number;
  /** compact_daemon_{migrate,free}_scanned, and the direct share (total minus daemon). */
  daemonMigrateScanned: number;
  daemonFreeScanned: number;
  directMigrateScanned: number;
  directFreeScanned: number;
  /** Pageblocks with PB_migrate_skip set now. */
  skipBlocks: number;
}

export function compactionActivity(c: Counters, tracepoints: Readonly<Record<string, number>>, skipBlocks: number): CompactionActivity {
  const daemonMigrateScanned = c['compact_daemon_migrate_scanned'] ?? 0;
  const daemonFreeScanned = c['compact_daemon_free_scanned'] ?? 0;
  return {
    deferred: tracepoints['mm_compaction_deferred'] ?? 0,
    deferCompaction: tracepoints['mm_compaction_defer_compaction'] ?? 0,
    deferReset: tracepoints['mm_compaction_defer_reset'] ?? 0,
    kcompactdWakes: c['compact_daemon_wake'] ?? 0,
    daemonMigrateScanned,
    daemonFreeScanned,
    // mm/vmstat.c counts kcompactd's scans in both compact_*_scanned and compact_daemon_*.
    directMigrateScanned: (c['compact_migrate_scanned'] ?? 0) - daemonMigrateScanned,
    directFreeScanned: (c['compact_free_scanned'] ?? 0) - daemonFreeScanned,
    skipBlocks,
  };
}
