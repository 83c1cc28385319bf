import { type Zram, zsClassStats } from '@mmsim/driver-zsmalloc';
import { UsageError } from '../../cli-error';
import type { StepContext, StepOutcome } from './context';

/** /sys/block/zramX/mm_stat as named fields (drivers/block/zram/zram_drv.c: mm_stat_show). */
function mmStat(zram: Zram): Record<string, number> {
  const [origDataSize, comprDataSize, memUsedTotal, memLimit, memUsedMax, samePages, pagesCompacted, hugePages, hugePagesSince] =
    zram.mmStat().trim().split(/\s+/).map(Number);
  return { origDataSize: origDataSize!, comprDataSize: comprDataSize!, memUsedTotal: memUsedTotal!, memLimit: memLimit!, memUsedMax: memUsedMax!, samePages: samePages!, pagesCompacted: pagesCompacted!, hugePages: hugePages!, hugePagesSince: hugePagesSince! };
}

/**
 * The zsmalloc pool behind a zram device, from the debugfs `classes` totals (mm/zsmalloc.c:
 * zs_stats_size_show). M21: hugeClassPagesPct is the share of the pool's pages in the huge class
 * (one object per zspage, pages that compressed badly), which fragments like order-0 slabs do.
 */
function poolStats(zram: Zram): Record<string, number> {
  const { pool } = zram;
  let objAllocated = 0;
  let objUsed = 0;
  let pagesUsed = 0;
  let hugePages = 0;
  for (const row of zsClassStats(pool)) {
    objAllocated += row.objAllocated;
    objUsed += row.objUsed;
    pagesUsed += row.pagesUsed;
    if (row.size >= pool.hugeClassSize) hugePages += row.pagesUsed;
  }
  return {
    pagesAllocated: pool.pagesAllocated,
    pagesUsed,
    objAllocated,
    objUsed,
    pagesCompacted: pool.stats.pagesCompacted,
    hugeClassPagesPct: pagesUsed ? Math.round((1000 * hugePages) / pagesUsed) / 10 : 0,
  };
}

/** Reads every zram device's mm_stat and pool statistics (made by earlier zram-swap steps). */
export function zramStatStep(ctx: StepContext): StepOutcome {
  if (!ctx.zrams.length) throw new UsageError('zram-stat step: no zram device; create one with an earlier zram-swap step');
  const devices = ctx.zrams.map((zram) => ({ device: zram.name, mmStat: mmStat(zram), pagesStored: zram.stats.pagesStored, pool: poolStats(zram) }));
  return { detail: { devices } };
}
