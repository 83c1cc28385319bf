import { createKernel, type Kernel } from '../kernel/kernel';
import { ZoneStat } from '../stat/vmstat-items';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, GFP_NOWAIT, __GFP_COMP } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import type { CaptureControl } from '../zone/buddy';
import { CompactPriority, CompactResult } from './compact-control';
import { fragmentedKernel, freeHugeBlocks, onlyZone } from './__fixtures__/fragmented';

/** Frees an order-2 block allocated in a pageblock of type `blockMt` while `capc` is armed. */
function freeWithCapture(kernel: Kernel, capc: Partial<CaptureControl> & { order: number; migratetype: number }, blockMt: MigrateType) {
  const zone = onlyZone(kernel);
  const pfn = kernel.alloc.allocPagesPfn(GFP_KERNEL, 2);
  kernel.mem.pageblocks.setMigratetype(pfn, blockMt);
  const control: CaptureControl = { zone, page: -1, ...capc };
  const free0 = zone.vmStat[ZoneStat.NR_FREE_PAGES]!;
  kernel.alloc.freePages(pfn, 2);
  kernel.alloc.buddy.capture = control;
  try {
    kernel.alloc.drainAllPages();
  } finally {
    kernel.alloc.buddy.capture = null;
  }
  return { pfn, control, freeDelta: zone.vmStat[ZoneStat.NR_FREE_PAGES]! - free0 };
}

describe('compaction_capture() in __free_one_page (mm/page_alloc.c)', () => {
  it.each([
    // [case, capture order, capture migratetype, pageblock type, captured]
    ['a block of exactly the order is captured', 2, MigrateType.UNMOVABLE, MigrateType.UNMOVABLE, true],
    ['another order is not', 3, MigrateType.UNMOVABLE, MigrateType.UNMOVABLE, false],
    ['never from a CMA pageblock', 2, MigrateType.MOVABLE, MigrateType.CMA, false],
    ['a movable sub-pageblock block is not given to an unmovable request', 2, MigrateType.UNMOVABLE, MigrateType.MOVABLE, false],
    ['a movable sub-pageblock block is given to a movable request', 2, MigrateType.MOVABLE, MigrateType.MOVABLE, true],
    ['a reclaimable block may go to an unmovable request', 2, MigrateType.UNMOVABLE, MigrateType.RECLAIMABLE, true],
  ] as const)('%s', (_name, order, migratetype, blockMt, captured) => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' } });
    const { pfn, control, freeDelta } = freeWithCapture(kernel, { order, migratetype }, blockMt);
    expect(control.page).toBe(captured ? pfn : -1);
    // A captured block never reaches the free lists nor NR_FREE_PAGES.
    expect(freeDelta).toBe(captured ? 0 : 4);
    if (captured) {
      expect(kernel.alloc.buddy.isBuddy(pfn)).toBe(false);
      kernel.alloc.prepCapturedPage(pfn, order, 0);
      kernel.alloc.freePages(pfn, order);
      kernel.alloc.drainAllPages();
    }
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });

  it('captures nothing for another zone or once a page is already captured', () => {
    const kernel = createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' } });
    const other = onlyZone(createKernel({ machine: { nodes: [{ memory: '16MiB' }], layout: 'flat' } }));
    expect(freeWithCapture(kernel, { order: 2, migratetype: 0, zone: other }, MigrateType.UNMOVABLE).control.page).toBe(-1);
    expect(freeWithCapture(kernel, { order: 2, migratetype: 0, page: 7 }, MigrateType.UNMOVABLE).control.page).toBe(7);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });
});

describe('direct compaction captures the block it freed (kernel.md F39, F40)', () => {
  it('a SYNC_LIGHT order-9 compaction returns the captured block, not a free-list page', () => {
    const { kernel, verify } = fragmentedKernel(4096);
    // Compaction alone: no kswapd reclaim in between.
    kernel.alloc.setSlowpathHooks({ wakeKswapd: () => undefined, directReclaim: () => 0 });
    const held: number[] = [];
    while (freeHugeBlocks(kernel) > 0) for (let pfn; (pfn = kernel.alloc.allocPagesPfn(GFP_NOWAIT, 9)) >= 0; ) held.push(pfn);
    const zone = onlyZone(kernel);
    const ac = { zones: [zone], preferredZone: zone, highestZoneidx: zone.type, migratetype: MigrateType.MOVABLE, preferredNid: 0, fastAllocFlags: 0 };
    const s0 = kernel.vmstat.snapshot(kernel.mem);
    const out = kernel.compaction.allocPagesDirectCompact(GFP_HIGHUSER_MOVABLE | __GFP_COMP, 9, 0, ac, CompactPriority.COMPACT_PRIO_SYNC_LIGHT);
    expect(out.captured).toBe(true);
    expect(out.result).toBe(CompactResult.COMPACT_SUCCESS);
    expect(out.pfn % 512).toBe(0);
    // The captured block was never put on a free list: none of order 9 is free now.
    expect(freeHugeBlocks(kernel)).toBe(0);
    expect(kernel.alloc.frames.refcount[out.pfn]).toBe(1);
    expect(kernel.alloc.buddy.capture).toBeNull();
    const s1 = kernel.vmstat.snapshot(kernel.mem);
    expect([s1.compact_stall! - s0.compact_stall!, s1.compact_success! - s0.compact_success!]).toEqual([1, 1]);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
    verify();
    kernel.alloc.freePages(out.pfn, 9);
    expect(freeHugeBlocks(kernel)).toBe(1);
    expect(checkBuddy(kernel.mem).problems).toEqual([]);
  });
});
