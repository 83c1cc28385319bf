import { Errno } from '../errors';
import { MAX_ORDER_NR_PAGES } from '../mem/constants';
import { PG } from '../mem/page-flags';
import { bootMigration } from '../migrate/__fixtures__/migration-kernel';
import { PoolDriver } from '../migrate/__fixtures__/pool-driver';
import { checkBuddy } from '../zone/check-buddy';
import { GFP_KERNEL } from '../zone/gfp';
import { MigrateType } from '../zone/migratetype';
import { MemoryFailure } from './memory-failure';
import { MemoryHotplug } from './memory-hotplug';

function setup() {
  const k = bootMigration({ nodes: [{ memory: '32MiB' }, { memory: '32MiB' }], layout: 'flat', reserveMemmap: false });
  const pool = new PoolDriver(k);
  return { ...k, pool, hotplug: new MemoryHotplug(k.migration, k.printk), failure: new MemoryFailure(k.migration, k.printk) };
}

describe('memory offline (mm/memory_hotplug.c: offline_pages)', () => {
  it('migrates the movable pages of the range to another node, then removes the range from its zone', () => {
    const k = setup();
    const zone = k.mem.populatedZones[0]!;
    const pfns = Array.from({ length: 20 }, (_, i) => k.pool.addPage(i + 1, 0));
    const start = pfns[0]! & ~(MAX_ORDER_NR_PAGES - 1);
    const before = { present: zone.presentPages, managed: zone.managedPages };
    expect(k.hotplug.offlinePages(start, MAX_ORDER_NR_PAGES)).toBe(0);
    // Every pool page now lives on node 1 with its bytes.
    expect(k.pool.pages.size).toBe(20);
    for (const [pfn, fill] of k.pool.pages) {
      expect(k.mem.pageZone(pfn).nid).toBe(1);
      expect(k.mem.content.read(pfn, 0, 1)[0]).toBe(fill);
    }
    expect(zone.presentPages).toBe(before.present - MAX_ORDER_NR_PAGES);
    expect(zone.managedPages).toBe(before.managed - MAX_ORDER_NR_PAGES);
    for (let p = start; p < start + MAX_ORDER_NR_PAGES; p++) expect(k.mem.pfnValid(p)).toBe(false);
    expect(k.vmstat.snapshot(k.mem)).toMatchObject({ pgmigrate_success: 20 });
    expect(checkBuddy(k.mem).problems).toEqual([]);
    // And back online: the pages return to the allocator.
    k.hotplug.onlinePages(start, MAX_ORDER_NR_PAGES);
    expect(zone.managedPages).toBe(before.managed);
    k.alloc.drainAllPages();
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('fails with -EBUSY, changing nothing, when an unmovable page sits in the range', () => {
    const k = setup();
    const zone = k.mem.populatedZones[0]!;
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    k.alloc.drainAllPages();
    const start = pfn & ~(MAX_ORDER_NR_PAGES - 1);
    const free = zone.freePages;
    expect(k.hotplug.offlinePages(start, MAX_ORDER_NR_PAGES)).toBe(-Errno.EBUSY);
    expect(zone.freePages).toBe(free);
    for (let p = start; p < start + MAX_ORDER_NR_PAGES; p += 512) expect(k.mem.pageblocks.migratetype(p)).not.toBe(MigrateType.ISOLATE);
    expect(k.printk.dmesg()).toMatch(/failure to isolate range \(unmovable page at pfn 0x/);
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it('fails with -EBUSY and undoes the isolation when a movable page cannot be migrated', () => {
    const k = setup();
    const pfn = k.pool.addPage(7, 0);
    k.pool.migrateResult = -Errno.EBUSY;
    const start = pfn & ~(MAX_ORDER_NR_PAGES - 1);
    expect(k.hotplug.offlinePages(start, MAX_ORDER_NR_PAGES)).toBe(-Errno.EBUSY);
    expect(k.pool.isolated).toBe(0);
    expect(k.mem.pageblocks.migratetype(start)).toBe(MigrateType.MOVABLE);
    expect(k.env.movable.pageMovable(pfn)).toBe(true);
    expect(checkBuddy(k.mem).problems).toEqual([]);
  });

  it.each([
    [1, 1024, /must start and end on a 1024-page/],
    [0, 1000, /must start and end on a 1024-page/],
    [0, 1 << 20, /ends beyond the last pfn/],
    [7168, 2048, /spans more than one zone/],
  ])('rejects the range 0x%s+%i', (start, nr, message) => {
    const k = setup();
    expect(() => k.hotplug.offlinePages(start, nr)).toThrow(message);
  });
});

describe('memory failure (mm/memory-failure.c)', () => {
  it('seed regression: a page poisoned while free on a per-cpu list is never handed out again', () => {
    const k = setup();
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    k.alloc.freePages(pfn, 0);
    expect(k.mem.frames.pageType(pfn)).toBe(6); // on the pcp list
    expect(k.failure.memoryFailure(pfn)).toBe(0);
    expect(k.mem.frames.testFlag(pfn, PG.hwpoison)).toBe(true);
    const seen = new Set<number>();
    for (;;) {
      const p = k.alloc.allocPagesPfn(GFP_KERNEL | 0x2000, 0);
      if (p < 0) break;
      seen.add(p);
    }
    expect(seen.has(pfn)).toBe(false);
    expect(seen.size).toBeGreaterThan(10000);
    expect(k.failure.memoryFailure(pfn)).toBe(-Errno.EHWPOISON);
  });

  it('soft offline of a free page takes it off the buddy and keeps the rest of its block free', () => {
    const k = setup();
    const zone = k.mem.populatedZones[0]!;
    const free = zone.freePages;
    const pfn = 4096 + 37;
    expect(k.failure.softOfflinePage(pfn)).toBe(0);
    expect(zone.freePages).toBe(free - 1);
    expect(k.mem.frames.refcount[pfn]).toBe(1);
    expect(checkBuddy(k.mem).problems).toEqual([]);
    expect(k.failure.numPoisonedPages).toBe(1);
  });

  it('seed regression: soft offline of a non-LRU movable page migrates it and retires the old frame', () => {
    const k = setup();
    const pfn = k.pool.addPage(0x5a, 0);
    expect(k.failure.softOfflinePage(pfn)).toBe(0);
    expect(k.pool.pages.has(pfn)).toBe(false);
    const [moved] = [...k.pool.pages.keys()];
    expect(k.mem.content.read(moved!, 0, 2)).toEqual(new Uint8Array([0x5a, 0x5a]));
    expect(k.mem.frames.testFlag(pfn, PG.hwpoison)).toBe(true);
    expect(k.mem.frames.refcount[pfn]).toBe(1);
    // The poisoned frame never comes back from the allocator.
    const seen = new Set<number>();
    for (let p = k.alloc.allocPagesPfn(GFP_KERNEL | 0x2000, 0); p >= 0; p = k.alloc.allocPagesPfn(GFP_KERNEL | 0x2000, 0)) seen.add(p);
    expect(seen.has(pfn)).toBe(false);
  });

  it('soft offline refuses pages it cannot handle and reports bad pfns', () => {
    const k = setup();
    const pfn = k.alloc.allocPagesPfn(GFP_KERNEL, 0);
    expect(k.failure.softOfflinePage(pfn)).toBe(-Errno.EIO);
    expect(k.failure.softOfflinePage(-3)).toBe(-Errno.ENXIO);
    expect(k.failure.softOfflinePage(1 << 30)).toBe(-Errno.ENXIO);
  });
});
