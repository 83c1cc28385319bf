import { bootMemory } from '../__fixtures__/boot';
import type { MmPageAllocExtfrag } from '../events/tracepoints';
import { MAX_PAGE_ORDER, pageblock_nr_pages } from '../mem/constants';
import { ZoneStat } from '../stat/vmstat-items';
import { checkBuddy } from './check-buddy';
import { canStealFallback, findSuitableFallback } from './fallback';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_RECLAIMABLE } from './gfp';
import { MigrateType as MT } from './migratetype';

/**
 * A 16 MiB flat machine (4 MAX_ORDER blocks = 8 pageblocks) whose memory is first taken in full,
 * then handed back block by block with chosen pageblock types: a hand-made free-list state.
 */
function craft(blocks: { pfn: number; order: number; mt: MT }[], pageblockTypes: Record<number, MT> = {}) {
  const k = bootMemory({ nodes: [{ memory: '16MiB' }], layout: 'flat', reserveMemmap: false }, { min_free_kbytes: 0 });
  const zone = k.mem.populatedZones[0]!;
  const taken = Array.from({ length: 4 }, () => k.alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, MAX_PAGE_ORDER));
  expect(taken.sort((a, b) => a - b)).toEqual([0, 1024, 2048, 3072]);
  for (const pfn of taken) k.alloc.splitPage(pfn, MAX_PAGE_ORDER);
  for (const [pfn, mt] of Object.entries(pageblockTypes)) k.mem.pageblocks.setMigratetype(Number(pfn), mt);
  for (const b of blocks) {
    for (let p = b.pfn; p < b.pfn + (1 << b.order); p++) k.mem.frames.refcount[p] = 0;
    k.alloc.buddy.freeOnePage(zone, b.pfn, b.order, b.mt, false);
  }
  const events: MmPageAllocExtfrag[] = [];
  k.events.on('mm_page_alloc_extfrag', (e) => events.push(e));
  return { ...k, zone, events };
}

describe('can_steal_fallback (mm/page_alloc.c)', () => {
  it.each([
    [0, MT.UNMOVABLE, true],
    [0, MT.RECLAIMABLE, true],
    [0, MT.MOVABLE, false],
    [3, MT.MOVABLE, false],
    [4, MT.MOVABLE, true], // pageblock_order / 2
    [9, MT.MOVABLE, true],
    [10, MT.MOVABLE, true],
  ])('order %i for migratetype %i → %p', (order, mt, expected) => {
    expect(canStealFallback(order, mt)).toBe(expected);
  });
});

describe('find_suitable_fallback: fallbacks[] order', () => {
  it.each([
    // requested, free lists present, expected fallback type
    [MT.UNMOVABLE, [MT.RECLAIMABLE, MT.MOVABLE], MT.RECLAIMABLE],
    [MT.UNMOVABLE, [MT.MOVABLE], MT.MOVABLE],
    [MT.MOVABLE, [MT.RECLAIMABLE, MT.UNMOVABLE], MT.RECLAIMABLE],
    [MT.MOVABLE, [MT.UNMOVABLE], MT.UNMOVABLE],
    [MT.RECLAIMABLE, [MT.UNMOVABLE, MT.MOVABLE], MT.UNMOVABLE],
    [MT.RECLAIMABLE, [MT.MOVABLE], MT.MOVABLE],
    [MT.MOVABLE, [MT.HIGHATOMIC, MT.CMA], -1], // never stolen from
  ])('a %i request with free lists %p falls back to %i', (requested, present, expected) => {
    const blocks = present.map((mt, i) => ({ pfn: 1024 * i, order: 5, mt }));
    const { zone } = craft(blocks);
    expect(findSuitableFallback(zone, 5, requested, false, { canSteal: false })).toBe(expected);
  });
});

describe('__rmqueue_fallback / steal_suitable_fallback', () => {
  it('an unmovable request claims a MAX_ORDER movable block outright (order >= pageblock_order)', () => {
    const { alloc, mem, events } = craft([{ pfn: 2048, order: 10, mt: MT.MOVABLE }], { 2048: MT.MOVABLE, 2560: MT.MOVABLE });
    const pfn = alloc.allocPagesPfn(GFP_KERNEL, 0);
    expect(pfn).toBe(2048);
    expect(mem.pageblocks.migratetype(2048)).toBe(MT.UNMOVABLE);
    expect(mem.pageblocks.migratetype(2560)).toBe(MT.UNMOVABLE);
    expect(events).toEqual([{ pfn: 2048, alloc_order: 0, fallback_order: 10, alloc_migratetype: MT.UNMOVABLE, fallback_migratetype: MT.MOVABLE, change_ownership: 1 }]);
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('an unmovable request claims a half-free movable pageblock and moves all its free pages', () => {
    // Pageblock at 1024 is movable, half of it (order 8) free plus an order-3 block.
    const { alloc, mem, zone, events } = craft([{ pfn: 1024 + 256, order: 8, mt: MT.MOVABLE }, { pfn: 1024 + 8, order: 3, mt: MT.MOVABLE }]);
    const pfn = alloc.allocPagesPfn(GFP_KERNEL | __GFP_RECLAIMABLE, 0);
    // The largest block was stolen, but both moved to the reclaimable lists (move_freepages_block)
    // and the retried __rmqueue_smallest() then splits the smaller one.
    expect(pfn).toBe(1024 + 8);
    expect(mem.pageblocks.migratetype(1024)).toBe(MT.RECLAIMABLE);
    expect(zone.nrFreeByType[8 * 6 + MT.RECLAIMABLE]).toBe(1);
    expect(zone.nrFreeByType[8 * 6 + MT.MOVABLE]).toBe(0);
    expect(zone.nrFreeByType[2 * 6 + MT.RECLAIMABLE]).toBe(1);
    expect(events[0]).toMatchObject({ pfn: 1024 + 256, alloc_order: 0, fallback_order: 8, alloc_migratetype: MT.RECLAIMABLE, fallback_migratetype: MT.MOVABLE, change_ownership: 1 });
    // A fragmenting fallback boosts the watermark by a pageblock (boost_watermark).
    expect(zone.watermarkBoost).toBe(pageblock_nr_pages);
  });

  it('a movable request takes a block from an unmovable pageblock without claiming it when little is free', () => {
    const { alloc, mem, zone, events } = craft([{ pfn: 1024, order: 4, mt: MT.UNMOVABLE }], { 1024: MT.UNMOVABLE });
    const pfn = alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0);
    expect(pfn).toBe(1024);
    expect(mem.pageblocks.migratetype(1024)).toBe(MT.UNMOVABLE);
    expect(events[0]).toMatchObject({ fallback_order: 4, alloc_migratetype: MT.MOVABLE, fallback_migratetype: MT.UNMOVABLE, change_ownership: 0 });
    // The rest of the split block went to the movable lists.
    expect(zone.nrFreeByType[0 * 6 + MT.MOVABLE] + zone.nrFreeByType[1 * 6 + MT.MOVABLE]).toBeGreaterThan(0);
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('a movable request that may not steal the whole block splits the smallest fallback block instead of the largest', () => {
    const { alloc, events } = craft(
      [{ pfn: 1024, order: 3, mt: MT.UNMOVABLE }, { pfn: 1024 + 64, order: 1, mt: MT.UNMOVABLE }],
      { 1024: MT.UNMOVABLE },
    );
    const pfn = alloc.allocPagesPfn(GFP_HIGHUSER_MOVABLE, 0);
    expect(pfn).toBe(1024 + 64);
    expect(events[0]).toMatchObject({ alloc_order: 0, fallback_order: 1, change_ownership: 0 });
  });

  it('counts the fallback pages out of NR_FREE_PAGES exactly once', () => {
    const { alloc, zone } = craft([{ pfn: 2048, order: 10, mt: MT.MOVABLE }]);
    alloc.allocPagesPfn(GFP_KERNEL, 0);
    expect(zone.vmStat[ZoneStat.NR_FREE_PAGES]).toBe(1024 - 1 - zone.pcpPages);
  });
});
