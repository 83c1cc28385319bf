import { PAGE_SIZE, pageblock_order } from '../mem/constants';
import { VmEvent } from '../stat/vmstat-items';
import { NSEC_PER_MSEC } from '../time/clock';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '../vm/constants';
import { GFP_KERNEL, __GFP_NOWARN } from '../zone/gfp';
import { expectClean, freePages, onlyZone, reclaimKernel } from './__fixtures__/reclaim-kernel';

const RW = PROT_READ | PROT_WRITE;

describe('watermark boosting (mm/page_alloc.c: boost_watermark, mm/vmscan.c: balance_pgdat)', () => {
  it('a fragmenting unmovable fallback boosts the watermark, wakes kswapd, which reclaims the boost and wakes kcompactd', () => {
    const kernel = reclaimKernel('64MiB');
    const zone = onlyZone(kernel);
    const vm = kernel.vm;
    // Clean page cache for kswapd to reclaim without swapping: boosted reclaim starts at
    // DEF_PRIORITY and stops at the first pass without progress, so the list must hold at least
    // 4096 pages for (size >> 12) to scan anything.
    const reader = vm.createProcess({ comm: 'reader' });
    const file = vm.createFile(4096 * PAGE_SIZE);
    const f = vm.mmap(reader, { length: 4096 * PAGE_SIZE, prot: PROT_READ, flags: MAP_SHARED, file });
    vm.touch(reader, f, 4096 * PAGE_SIZE, false);
    vm.munmap(reader, f, 4096 * PAGE_SIZE);
    // Two processes fault pages in alternately; one exits, leaving order-0 holes in movable blocks.
    const keep = vm.createProcess({ comm: 'keep' });
    const hole = vm.createProcess({ comm: 'hole' });
    const n = Math.floor((freePages(kernel) - 4 * zone.highWmarkPages()) / 2);
    const ka = vm.mmap(keep, { length: n * PAGE_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    const ha = vm.mmap(hole, { length: n * PAGE_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    for (let i = 0; i < n; i++) {
      vm.touch(keep, ka + i * PAGE_SIZE, PAGE_SIZE, true);
      vm.touch(hole, ha + i * PAGE_SIZE, PAGE_SIZE, true);
    }
    vm.exitProcess(hole);
    kernel.clock.advance(NSEC_PER_MSEC); // let anything woken so far settle
    zone.watermarkBoost = 0;
    const kswapd = kernel.reclaim.kswapd[0]!;
    expect(kswapd.sleeping).toBe(true);
    const wakeKcompactd = jest.spyOn(kernel.compaction, 'wakeupKcompactd');
    const runs = kswapd.runs.length;
    const pages: number[] = [];
    for (let i = 0; i < 4096 && zone.watermarkBoost === 0; i++) {
      const pfn = kernel.alloc.allocPagesPfn(GFP_KERNEL | __GFP_NOWARN, 0);
      expect(pfn).toBeGreaterThanOrEqual(0);
      pages.push(pfn);
    }
    expect(zone.watermarkBoost).toBeGreaterThan(0);
    expect(kswapd.sleeping).toBe(false);
    const steal = kernel.vmstat.events[VmEvent.PGSTEAL_KSWAPD]!;
    kernel.clock.advance(10 * NSEC_PER_MSEC);
    expect(zone.watermarkBoost).toBe(0);
    expect(kswapd.sleeping).toBe(true);
    expect(kswapd.runs.slice(runs).some((r) => r.boosted)).toBe(true);
    expect(kernel.vmstat.events[VmEvent.PGSTEAL_KSWAPD]).toBeGreaterThan(steal);
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(0);
    expect(wakeKcompactd).toHaveBeenCalledWith(0, pageblock_order, expect.any(Number));
    for (const pfn of pages) kernel.alloc.freePages(pfn, 0);
    expectClean(kernel);
  });
});
