import { PAGE_SIZE, pageblock_order } from '../mem/constants';
import { VmEvent } from '../stat/vmstat-items';
import { NSEC_PER_MSEC } from '../time/clock';
import { MAP_ANONYMOUS, MAP_PRIVATE, MAP_SHARED, PROT_READ, PROT_WRITE } from '../vm/constants';
import { boostWatermark } from '../zone/watermarks';
import { expectClean, freePages, onlyZone, reclaimKernel } from './__fixtures__/reclaim-kernel';

const RW = PROT_READ | PROT_WRITE;

describe('kswapd', () => {
  it('is woken when an allocation drops below the low watermark, runs on the clock and stops at the high watermark', () => {
    // 64 MiB: a 16 MiB zone gets a per-cpu batch of 0 here, so freed pages pile up on the pcp list.
    const kernel = reclaimKernel('64MiB', 0);
    const zone = onlyZone(kernel);
    const vm = kernel.vm;
    const kswapd = kernel.reclaim.kswapd[0]!;
    const trace: string[] = [];
    for (const tp of ['mm_vmscan_wakeup_kswapd', 'mm_vmscan_kswapd_wake', 'mm_vmscan_kswapd_sleep'] as const) kernel.events.on(tp, () => trace.push(tp));
    const reset = jest.spyOn(kernel.compaction, 'resetIsolationSuitable');
    const wakeKcompactd = jest.spyOn(kernel.compaction, 'wakeupKcompactd');
    const p = vm.createProcess({ comm: 'hog' });
    const len = freePages(kernel) * PAGE_SIZE;
    const a = vm.mmap(p, { length: len, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    let touched = 0;
    while (freePages(kernel) >= zone.lowWmarkPages()) vm.touch(p, a + touched++ * PAGE_SIZE, PAGE_SIZE, true);
    // The next allocation fails the low watermark in the fast path: the slow path wakes kswapd.
    vm.touch(p, a + touched++ * PAGE_SIZE, PAGE_SIZE, true);
    expect(kswapd.sleeping).toBe(false);
    expect(kernel.compaction.kswapdIsRunning(0)).toBe(true);
    expect(trace).toEqual(['mm_vmscan_wakeup_kswapd']);
    expect(kernel.vmstat.events[VmEvent.PGSCAN_KSWAPD]).toBe(0);
    // Freshly faulted pages are young: the first run only ages them; kswapd keeps running (one
    // simulated millisecond apart) until the node is balanced.
    kernel.clock.advance(100 * NSEC_PER_MSEC);
    expect(kswapd.sleeping).toBe(true);
    expect(kernel.compaction.kswapdIsRunning(0)).toBe(false);
    expect(freePages(kernel)).toBeGreaterThanOrEqual(zone.highWmarkPages());
    const ev = kernel.vmstat.events;
    expect(ev[VmEvent.PGSTEAL_KSWAPD]).toBeGreaterThan(0);
    expect(ev[VmEvent.PGSCAN_KSWAPD]).toBeGreaterThanOrEqual(ev[VmEvent.PGSTEAL_KSWAPD]!);
    expect(ev[VmEvent.PGSTEAL_DIRECT]).toBe(0);
    // It balanced the node rather than swapping the whole hog out.
    expect(ev[VmEvent.PSWPOUT]).toBeLessThan(touched / 2);
    expect(trace[0]).toBe('mm_vmscan_wakeup_kswapd');
    expect(trace.at(-1)).toBe('mm_vmscan_kswapd_sleep');
    expect(trace.filter((t) => t === 'mm_vmscan_kswapd_sleep')).toHaveLength(1);
    expect(trace.filter((t) => t === 'mm_vmscan_kswapd_wake').length).toBe(kswapd.runs.length);
    expect(reset).toHaveBeenCalledWith(0);
    expect(wakeKcompactd).toHaveBeenCalledWith(0, 0, zone.type);
    expect(kswapd.runs.at(-1)!.balanced).toBe(true);
    expectClean(kernel);
  });

  it('is not woken while the node is balanced', () => {
    const kernel = reclaimKernel('64MiB', 0);
    const zone = onlyZone(kernel);
    kernel.reclaim.kswapd[0]!.wakeup(zone.type, 0, 0, zone.type);
    expect(kernel.reclaim.kswapd[0]!.sleeping).toBe(true);
    kernel.clock.advance(NSEC_PER_MSEC);
    expect(kernel.vmstat.events[VmEvent.PAGEOUTRUN]).toBe(0);
  });

  it('reclaims a watermark boost from the page cache without swapping, then clears the boost and wakes kcompactd', () => {
    const kernel = reclaimKernel('64MiB');
    const zone = onlyZone(kernel);
    const vm = kernel.vm;
    const p = vm.createProcess({ comm: 'mix' });
    const anon = vm.mmap(p, { length: 256 * PAGE_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    vm.touch(p, anon, 256 * PAGE_SIZE, true);
    const file = vm.createFile(4096 * PAGE_SIZE);
    const f = vm.mmap(p, { length: 4096 * PAGE_SIZE, prot: PROT_READ, flags: MAP_SHARED, file });
    vm.touch(p, f, 4096 * PAGE_SIZE, false);
    vm.munmap(p, f, 4096 * PAGE_SIZE);
    expect(boostWatermark(zone, kernel.config.sysctl.watermark_boost_factor)).toBe(true);
    const boost = zone.watermarkBoost;
    expect(boost).toBeGreaterThan(0);
    const wakeKcompactd = jest.spyOn(kernel.compaction, 'wakeupKcompactd');
    const kswapd = kernel.reclaim.kswapd[0]!;
    kswapd.wakeup(zone.type, 0, 0, zone.type);
    expect(kswapd.sleeping).toBe(false);
    kernel.clock.advance(NSEC_PER_MSEC);
    expect(zone.watermarkBoost).toBe(0);
    expect(kernel.vmstat.events[VmEvent.PGSTEAL_KSWAPD]).toBeGreaterThanOrEqual(boost);
    expect(kernel.vmstat.events[VmEvent.PSWPOUT]).toBe(0);
    expect(vm.followPage(p, anon).kind).toBe('present');
    expect(wakeKcompactd).toHaveBeenCalledWith(0, pageblock_order, zone.type);
    expect(kswapd.runs.at(-1)!.boosted).toBe(true);
    expectClean(kernel);
  });

  it('gives up on a node after MAX_RECLAIM_RETRIES fruitless runs (kswapd_failures) and stays asleep', () => {
    const kernel = reclaimKernel('64MiB', 0);
    kernel.vm.swap.swapoff(0);
    const zone = onlyZone(kernel);
    const vm = kernel.vm;
    const p = vm.createProcess({ comm: 'hog' });
    const a = vm.mmap(p, { length: freePages(kernel) * PAGE_SIZE, prot: RW, flags: MAP_PRIVATE | MAP_ANONYMOUS });
    let i = 0;
    while (freePages(kernel) >= zone.lowWmarkPages()) vm.touch(p, a + i++ * PAGE_SIZE, PAGE_SIZE, true);
    vm.touch(p, a + i++ * PAGE_SIZE, PAGE_SIZE, true);
    expect(kernel.reclaim.kswapd[0]!.sleeping).toBe(false);
    kernel.clock.advance(10_000 * NSEC_PER_MSEC);
    const kswapd = kernel.reclaim.kswapd[0]!;
    expect(kswapd.failures).toBeGreaterThanOrEqual(16);
    expect(kswapd.sleeping).toBe(true);
    const runs = kernel.vmstat.events[VmEvent.PAGEOUTRUN];
    kswapd.wakeup(zone.type, 0, 0, zone.type);
    kernel.clock.advance(NSEC_PER_MSEC);
    expect(kernel.vmstat.events[VmEvent.PAGEOUTRUN]).toBe(runs);
    expectClean(kernel);
  });
});
