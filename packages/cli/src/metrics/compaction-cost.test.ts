import { describe, expect, test } from '@jest/globals';
import { compactionCost, mmtestsCompactionCost } from './compaction-cost';
import { compactionActivity } from './compaction-activity';

const counters = {
  compact_migrate_scanned: 1000,
  compact_free_scanned: 4000,
  compact_isolated: 200,
  compact_stall: 50,
  compact_success: 2,
  pgmigrate_success: 100,
  pgmigrate_fail: 10,
  compact_daemon_wake: 3,
  compact_daemon_migrate_scanned: 600,
  compact_daemon_free_scanned: 1000,
};
const zero = Object.fromEntries(Object.keys(counters).map((k) => [k, 0]));

describe('compactionCost (M15-M18, M20)', () => {
  test('M18 by hand: (7·1000 + 7·4000 + 19·200 + 2·519·100 + 2·7·10) / 1e6 = 0.14274 MB', () => {
    expect(mmtestsCompactionCost(counters)).toBeCloseTo(0.14274, 12);
  });

  test('ratios', () => {
    const c = compactionCost(counters, 4);
    expect(c.successRate).toBe(0.04);
    expect(c.scanEfficiency).toBe(25);
    expect(c.scannedPerMigrated).toBe(50);
    expect(c.isolationYield).toBe(0.2);
    expect(c.migrationFailRate).toBeCloseTo(10 / 110, 12);
    expect(c.movesPerFreeHugeFrame).toBe(25);
  });

  test('no compaction at all: null ratios, zero cost', () => {
    expect(compactionCost(zero, 0)).toEqual({
      successRate: null,
      scanEfficiency: null,
      scannedPerMigrated: null,
      isolationYield: null,
      migrationFailRate: null,
      costMB: 0,
      movesPerFreeHugeFrame: null,
    });
  });

  test('a missing counter is an error, not a zero', () => {
    expect(() => compactionCost({ compact_stall: 1 }, 0)).toThrow(/compact_migrate_scanned is missing/);
  });
});

describe('compactionActivity (M19)', () => {
  test('direct scans are the totals minus kcompactd', () => {
    const a = compactionActivity(counters, { mm_compaction_deferred: 5, mm_compaction_defer_reset: 1 }, 7);
    expect(a).toEqual({
      deferred: 5,
      deferCompaction: 0,
      deferReset: 1,
      kcompactdWakes: 3,
      daemonMigrateScanned: 600,
      daemonFreeScanned: 1000,
      directMigrateScanned: 400,
      directFreeScanned: 3000,
      skipBlocks: 7,
    });
  });
});
