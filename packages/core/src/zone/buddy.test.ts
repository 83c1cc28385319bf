import { bootMemory } from '../__fixtures__/boot';
import { MAX_PAGE_ORDER, pageblock_nr_pages } from '../mem/constants';
import { PageType } from '../mem/page-flags';
import { ZoneStat } from '../stat/vmstat-items';
import { checkBuddy } from './check-buddy';
import { GFP_KERNEL, GFP_TRANSHUGE_LIGHT, __GFP_COMP } from './gfp';
import { MigrateType } from './migratetype';

/** A flat one-node machine of 16 MiB: 4096 pages = four MAX_ORDER blocks, no reservations. */
function tiny() {
  return bootMemory({ nodes: [{ memory: '16MiB' }], layout: 'flat', reserveMemmap: false });
}

describe('buddy allocator: split and merge (mm/page_alloc.c: expand, __free_one_page)', () => {
  it('boots with every page in MAX_ORDER blocks on the movable list', () => {
    const { mem } = tiny();
    const zone = mem.populatedZones[0]!;
    expect(Array.from(zone.nrFree)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(zone.nrFreeByType[MAX_PAGE_ORDER * 6 + MigrateType.MOVABLE]).toBe(4);
    expect(zone.vmStat[ZoneStat.NR_FREE_PAGES]).toBe(4096);
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('splits one MAX_ORDER block into one free block of every lower order (expand)', () => {
    const { mem, alloc } = tiny();
    const zone = mem.populatedZones[0]!;
    const pfn = alloc.allocPagesPfn(GFP_TRANSHUGE_LIGHT, 4); // order 4 bypasses the pcp lists
    expect(pfn).toBe(0);
    expect(Array.from(zone.nrFree)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 3]);
    // the upper halves: 0x10 (order 4), 0x20 (5) … 0x200 (9)
    for (let order = 4; order <= 9; order++) {
      const half = 1 << order;
      expect(mem.frames.pageType(half)).toBe(PageType.buddy);
      expect(mem.frames.order[half]).toBe(order);
    }
    expect(zone.vmStat[ZoneStat.NR_FREE_PAGES]).toBe(4096 - 16);
    alloc.freePages(pfn, 4);
    expect(Array.from(zone.nrFree)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('merges freed order-0 pages back into the MAX_ORDER block once the pcp lists drain', () => {
    const { mem, alloc } = bootMemory({ nodes: [{ memory: '16MiB' }], layout: 'flat', reserveMemmap: false }, { min_free_kbytes: 128 });
    const zone = mem.populatedZones[0]!;
    const pfns = Array.from({ length: 100 }, () => alloc.allocPagesPfn(GFP_KERNEL, 0));
    expect(new Set(pfns).size).toBe(100);
    for (const pfn of pfns) alloc.freePages(pfn, 0);
    expect(zone.pcpPages).toBeGreaterThan(0);
    alloc.drainAllPages();
    expect(zone.pcpPages).toBe(0);
    expect(Array.from(zone.nrFree)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4]);
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('keeps pages taken by the per-cpu lists out of NR_FREE_PAGES (rmqueue_bulk)', () => {
    const { mem, alloc } = bootMemory({ nodes: [{ memory: '64MiB' }], layout: 'flat', reserveMemmap: false });
    const zone = mem.populatedZones[0]!;
    const batch = zone.pcp[0]!.batch;
    expect(batch).toBe(3); // zone_batchsize(): 16384 pages >> 10 = 16, /4 = 4, rounddown_pow_of_two(6) - 1
    alloc.allocPagesPfn(GFP_KERNEL, 0);
    expect(zone.pcpPages).toBe(batch - 1);
    expect(zone.vmStat[ZoneStat.NR_FREE_PAGES]).toBe(16384 - batch);
    expect(checkBuddy(mem).census[0]!.inUse).toBe(1);
  });

  it('clamps the per-cpu batch of a tiny zone to 1, so frees past pcp->high reach the buddy', () => {
    const { mem, alloc } = bootMemory({ nodes: [{ memory: '16MiB' }], layout: 'flat', reserveMemmap: false });
    const zone = mem.populatedZones[0]!;
    const pcp = zone.pcp[0]!;
    expect(pcp.batch).toBe(1); // zone_batchsize() = rounddown_pow_of_two(1) - 1 = 0, max(1, 0)
    const pfns = Array.from({ length: 2000 }, () => alloc.allocPagesPfn(GFP_KERNEL, 0));
    for (const pfn of pfns) alloc.freePages(pfn, 0);
    expect(zone.pcpPages).toBeLessThanOrEqual(pcp.high);
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('builds compound pages with __GFP_COMP: head, tails and folio order', () => {
    const { mem, alloc } = tiny();
    const page = alloc.allocPages(GFP_KERNEL | __GFP_COMP, 3)!;
    expect(page.isHead()).toBe(true);
    expect(page.folioOrder).toBe(3);
    const tail = alloc.page(page.pfn + 5);
    expect(tail.isTail()).toBe(true);
    expect(tail.head().pfn).toBe(page.pfn);
    expect(tail.refcount).toBe(0);
    page.put();
    expect(mem.frames.flags[page.pfn + 5]! & ((1 << 6) | (1 << 23))).toBe(0);
    alloc.drainAllPages();
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('frees the tail part of a non-compound block still referenced by someone else (__free_pages)', () => {
    const { mem, alloc } = tiny();
    const zone = mem.populatedZones[0]!;
    const pfn = alloc.allocPagesPfn(GFP_KERNEL, 2);
    alloc.getPage(pfn);
    alloc.freePages(pfn, 2);
    alloc.drainAllPages();
    expect(mem.frames.refcount[pfn]).toBe(1);
    expect(checkBuddy(mem).census[0]!.inUse).toBe(1);
    alloc.putPage(pfn);
    alloc.drainAllPages();
    expect(zone.vmStat[ZoneStat.NR_FREE_PAGES]).toBe(4096);
    expect(checkBuddy(mem).problems).toEqual([]);
  });

  it('does not merge a pageblock-order block with an ISOLATE neighbour', () => {
    const { mem, alloc } = tiny();
    const zone = mem.populatedZones[0]!;
    // Take the whole first MAX_ORDER block as two order-9 halves.
    const a = alloc.allocPagesPfn(GFP_TRANSHUGE_LIGHT, 9);
    const b = alloc.allocPagesPfn(GFP_TRANSHUGE_LIGHT, 9);
    expect([a, b].sort((x, y) => x - y)).toEqual([0, pageblock_nr_pages]);
    mem.pageblocks.setMigratetype(b, MigrateType.ISOLATE);
    alloc.freePages(a, 9);
    alloc.freePages(b, 9);
    alloc.drainAllPages();
    expect(zone.nrFreeByType[9 * 6 + MigrateType.ISOLATE]).toBe(1);
    expect(zone.nrFree[10]).toBe(3);
    // Isolated free pages are not counted as free (__mod_zone_freepage_state skips ISOLATE).
    expect(zone.vmStat[ZoneStat.NR_FREE_PAGES]).toBe(4096 - pageblock_nr_pages);
    expect(checkBuddy(mem).problems).toEqual([]);
  });
});

describe('adjust_managed_page_count (mm/page_alloc.c)', () => {
  it('moves pages out of the managed count and checkBuddy accounts for it', () => {
    const { mem, alloc } = bootMemory({ nodes: [{ memory: '16MiB' }], layout: 'flat', reserveMemmap: false });
    const zone = mem.populatedZones[0]!;
    const pfn = alloc.allocPagesPfn(GFP_KERNEL, 0);
    mem.adjustManagedPageCount(pfn, -1); // a balloon hands the page to the host
    expect(zone.managedPages).toBe(4095);
    expect(checkBuddy(mem).problems).toEqual([]);
    mem.adjustManagedPageCount(pfn, 1);
    expect(zone.managedPages).toBe(4096);
    expect(() => mem.adjustManagedPageCount(pfn, -5000)).toThrow(/below zero managed pages/);
    expect(zone.managedPages).toBe(4096);
  });
});
